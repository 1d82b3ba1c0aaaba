"""The Keyframes tab."""

from __future__ import annotations

import gradio as gr

from lib_animation.webui.jobs import JobManager


def webui_tab(manager: JobManager):
    with gr.Blocks(analytics_enabled=False) as blocks:
        gr.Markdown("Keyframes")
    return [(blocks, "Keyframes", "keyframes")]
