"""Settings: ``OptionInfo`` describes one, ``Options`` holds the values.

As in the host, ``Options.data`` holds only values that were saved or set (plus extension options
added later); reading an attribute falls back to the option's default.
"""

from __future__ import annotations

import json

from modules import errors


class OptionInfo:
    def __init__(self, default=None, label="", component=None, component_args=None, onchange=None, section=None, refresh=None, comment_before='', comment_after='', infotext=None, restrict_api=False, category_id=None):  # noqa: E501  (the host's signature, kept on one line)
        self.default = default
        self.label = label
        self.component = component
        self.component_args = component_args
        self.onchange = onchange
        self.section = section
        self.category_id = category_id
        self.refresh = refresh
        self.do_not_save = False
        self.comment_before = comment_before
        self.comment_after = comment_after
        self.infotext = infotext
        self.restrict_api = restrict_api

    def _after(self, text):
        self.comment_after += text
        return self

    def link(self, label, url):
        return self._after(f"[<a href='{url}' target='_blank'>{label}</a>]")

    def js(self, label, js_func):
        return self._after(f"[<a onclick='{js_func}(); return false'>{label}</a>]")

    def info(self, info):
        return self._after(f"<span class='info'>({info})</span>")

    def html(self, html):
        return self._after(html)

    def needs_restart(self):
        return self._after(" <span class='info'>(requires restart)</span>")

    def needs_reload_ui(self):
        return self._after(" <span class='info'>(requires Reload UI)</span>")


class OptionHTML(OptionInfo):
    """Text shown among the settings; it holds no value."""

    def __init__(self, text):
        super().__init__(str(text).strip(), label="", component=lambda **kw: None)
        self.do_not_save = True


def options_section(section_identifier, options_dict):
    """Puts every option of ``options_dict`` into the section ``("key", "Label"[, category])``."""
    for info in options_dict.values():
        if len(section_identifier) == 2:
            info.section = section_identifier
        else:
            info.section = section_identifier[:2]
            info.category_id = section_identifier[2]
    return options_dict


_OWN_ATTRIBUTES = ("data", "data_labels", "restricted_opts", "typemap")


class Options:
    typemap = {int: float}

    def __init__(self, data_labels: dict[str, OptionInfo], restricted_opts):
        self.data_labels = data_labels
        self.data = {key: info.default for key, info in data_labels.items()
                     if not info.do_not_save}
        self.restricted_opts = restricted_opts

    def __setattr__(self, key, value):
        if key in _OWN_ATTRIBUTES:
            object.__setattr__(self, key, value)
            return
        info = self.data_labels.get(key)
        if key not in self.data and info is None:
            object.__setattr__(self, key, value)
            return
        from modules.shared_cmd_options import cmd_opts

        assert not cmd_opts.freeze_settings, "changing settings is disabled"
        if info is not None and info.do_not_save:
            return
        hidden = isinstance(info and info.component_args, dict) and \
            info.component_args.get("visible", True) is False
        if hidden or (cmd_opts.hide_ui_dir_config and key in self.restricted_opts):
            raise RuntimeError(f"not possible to set '{key}' because it is restricted")
        self.data[key] = value

    def __getattr__(self, item):
        if item in _OWN_ATTRIBUTES:
            raise AttributeError(item)
        if item in self.data:
            return self.data[item]
        if item in self.data_labels:
            return self.data_labels[item].default
        raise AttributeError(f"'Options' object has no attribute '{item}'")

    def set(self, key, value, is_api=False, run_callbacks=True):
        """Sets ``key``; True if the value changed. API callers cannot set restricted ones."""
        previous = self.data.get(key, None)
        if previous == value:
            return False
        info = self.data_labels[key]
        if info.do_not_save or (is_api and info.restrict_api):
            return False
        try:
            setattr(self, key, value)
        except RuntimeError:
            return False
        if run_callbacks and info.onchange is not None:
            try:
                info.onchange()
            except Exception as e:
                errors.display(e, f"changing setting {key} to {value}")
                setattr(self, key, previous)
                return False
        return True

    def get_default(self, key):
        info = self.data_labels.get(key)
        return None if info is None else info.default

    def save(self, filename):
        from modules.shared_cmd_options import cmd_opts

        assert not cmd_opts.freeze_settings, "saving settings is disabled"
        with open(filename, "w", encoding="utf8") as out:
            json.dump(self.data, out, indent=4, ensure_ascii=False)

    def load(self, filename):
        try:
            with open(filename, encoding="utf8") as file:
                self.data = json.load(file)
        except FileNotFoundError:
            self.data = {}

    def onchange(self, key, func, call=True):
        self.data_labels[key].onchange = func
        if call:
            func()

    def add_option(self, key, info):
        self.data_labels[key] = info
        if key not in self.data and not info.do_not_save:
            self.data[key] = info.default

    def same_type(self, x, y):
        if x is None or y is None:
            return True
        return self.typemap.get(type(x), type(x)) == self.typemap.get(type(y), type(y))

    def cast_value(self, key, value):
        """``value`` converted to the type of the option's default (e.g. from a text field)."""
        if value is None:
            return None
        default = self.data_labels[key].default if key in self.data_labels else None
        if default is None:
            default = getattr(self, key, None)
        if default is None:
            return None
        kind = type(default)
        if kind is bool and isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return value if isinstance(value, kind) else kind(value)

    def dumpjson(self):
        return json.dumps({key: self.data.get(key, info.default)
                           for key, info in self.data_labels.items()}, default=str)
