"""The page: the built-in tabs are placeholders, except that txt2img and img2img build their
prompt row (``ui_toprow``) and their scripts' UIs (which fills the script runners). Order as in
the host: the page's scripts and styles (``ui_gradio_extensions``), settings callbacks, the two
generation tabs, then the extensions' tabs."""

import gradio as gr
from modules import script_callbacks, scripts, shared, ui_toprow
from modules.ui_common import create_refresh_button  # noqa: F401  (also importable from here)
from modules.ui_gradio_extensions import reload_javascript

refresh_symbol = "\U0001f504"


def _generation_tab(runner, is_img2img):
    scripts.scripts_current = runner
    runner.initialize_scripts(is_img2img=is_img2img)
    with gr.Blocks(analytics_enabled=False) as tab:
        ui_toprow.Toprow(is_img2img=is_img2img)
        runner.build_ui()
    scripts.scripts_current = None
    return tab


def _placeholder(label):
    with gr.Blocks(analytics_enabled=False) as tab:
        gr.HTML(f"({label}: not part of the fake host)")
    return tab


def create_ui():
    reload_javascript()
    script_callbacks.ui_settings_callback()
    tabs = [(_generation_tab(scripts.scripts_txt2img, False), "txt2img", "txt2img"),
            (_generation_tab(scripts.scripts_img2img, True), "img2img", "img2img")]
    for label, elem_id in (("Extras", "extras"), ("PNG Info", "pnginfo"),
                           ("Checkpoint Merger", "modelmerger"), ("Train", "train")):
        tabs.append((_placeholder(label), label, elem_id))
    tabs += script_callbacks.ui_tabs_callback()
    tabs += [(_placeholder("Settings"), "Settings", "settings"),
             (_placeholder("Extensions"), "Extensions", "extensions")]
    shared.tab_names = [label for _, label, _ in tabs]
    order = {label: i for i, label in enumerate(shared.opts.ui_tab_order)}
    with gr.Blocks(analytics_enabled=False, title="Stable Diffusion") as demo, \
            gr.Tabs(elem_id="tabs"):
        for tab, label, elem_id in sorted(tabs, key=lambda t: order.get(t[1], 9999)):
            if label in shared.opts.hidden_tabs:
                continue
            with gr.TabItem(label, id=elem_id, elem_id=f"tab_{elem_id}"):
                tab.render()
    return demo
