"""What the host adds to every page it serves: in ``<head>``, the localisation, its own
``script.js`` and every ``javascript/*.js`` (``*.mjs`` as modules) of the WebUI root and of each
active extension; before ``</body>``, every ``style.css`` of the root and of each active
extension, then ``user.css`` of the data folder. Files are linked as ``file=<path>?<mtime>``,
the path relative to the working directory when it lies inside it.

fake-only: the localisation is empty and no theme colours are added; ``undo()`` puts gradio's
page template back.
"""

from pathlib import Path

import gradio as gr
from modules import scripts, shared, util
from modules.paths import data_path, script_path


def webpath(fn):
    return f"file={util.truncate_path(fn)}?{Path(fn).stat().st_mtime}"


def javascript_html():
    head = '<script type="text/javascript">window.localization = {};</script>\n'
    root_script = Path(script_path) / "script.js"
    head += f'<script type="text/javascript" src="{webpath(root_script)}"></script>\n'
    for script in scripts.list_scripts("javascript", ".js"):
        head += f'<script type="text/javascript" src="{webpath(script.path)}"></script>\n'
    for script in scripts.list_scripts("javascript", ".mjs"):
        head += f'<script type="module" src="{webpath(script.path)}"></script>\n'
    if shared.cmd_opts.theme:
        head += f'<script type="text/javascript">set_theme("{shared.cmd_opts.theme}");</script>\n'
    return head


def css_html():
    files = scripts.list_files_with_name("style.css")
    user_css = Path(data_path) / "user.css"
    if user_css.exists():
        files.append(str(user_css))
    return "".join(f'<link rel="stylesheet" property="stylesheet" href="{webpath(fn)}">'
                   for fn in files)


def reload_javascript():
    """Makes gradio's page template add the scripts and styles found now."""
    js, css = javascript_html(), css_html()
    original = shared.GradioTemplateResponseOriginal

    def template_response(*args, **kwargs):
        res = original(*args, **kwargs)
        head = f'{js}<meta name="referrer" content="no-referrer"/></head>'
        res.body = res.body.replace(b"</head>", head.encode())
        res.body = res.body.replace(b"</body>", f"{css}</body>".encode())
        res.init_headers()
        return res

    template_response.fake_original = original
    gr.routes.templates.TemplateResponse = template_response


def _unpatched():
    current = gr.routes.templates.TemplateResponse
    return getattr(current, "fake_original", current)


def undo():
    gr.routes.templates.TemplateResponse = _unpatched()


if not hasattr(shared, "GradioTemplateResponseOriginal"):
    shared.GradioTemplateResponseOriginal = _unpatched()
