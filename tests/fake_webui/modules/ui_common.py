"""``create_refresh_button``: a tool button that refreshes a component's choices."""

import gradio as gr
from modules.ui_components import ToolButton

refresh_symbol = "\U0001f504"


def create_refresh_button(refresh_component, refresh_method, refreshed_args, elem_id):
    targets = refresh_component if isinstance(refresh_component, list) else [refresh_component]
    label = next((c.label for c in targets if getattr(c, "label", None) is not None), None)

    def refresh():
        refresh_method()
        changes = (refreshed_args() if callable(refreshed_args) else refreshed_args) or {}
        for name, value in changes.items():
            for target in targets:
                setattr(target, name, value)
        updates = [gr.update(**changes) for _ in targets]
        return updates if len(targets) > 1 else updates[0]

    button = ToolButton(value=refresh_symbol, elem_id=elem_id,
                        tooltip=f"{label}: refresh" if label else "Refresh")
    button.click(fn=refresh, inputs=[], outputs=targets)
    return button
