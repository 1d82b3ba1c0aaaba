"""The host's gradio patches (the module keeps the host's spelling): components take
``tooltip=``, and making one runs the before/after component callbacks and the current script
runner's hooks. fake-only: ``undo()`` puts gradio back."""

import gradio as gr
from modules import script_callbacks, scripts

_saved = {}


def _announcing(original):
    def init(self, *args, **kwargs):
        self.webui_tooltip = kwargs.pop("tooltip", None)
        runner = scripts.scripts_current
        if runner is not None:
            runner.before_component(self, **kwargs)
        script_callbacks.before_component_callback(self, **kwargs)
        result = original(self, *args, **kwargs)
        script_callbacks.after_component_callback(self, **kwargs)
        if runner is not None:
            runner.after_component(self, **kwargs)
        return result

    return init


def _patch(owner, name, make):
    if (owner, name) not in _saved:
        _saved[owner, name] = owner.__dict__[name]
    setattr(owner, name, make(_saved[owner, name]))


def undo():
    for (owner, name), original in _saved.items():
        setattr(owner, name, original)
    _saved.clear()


_patch(gr.components.IOComponent, "__init__", _announcing)
_patch(gr.blocks.BlockContext, "__init__", _announcing)
