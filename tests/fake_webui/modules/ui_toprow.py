"""The row at the top of txt2img and img2img: the prompts and the submit box with Interrupt,
Skip, "Interrupting..." and Generate.

Interrupt (and "Interrupting...") call ``interrupt_function``: while more than one image is to
be made (``state.job_count > 1``) and the option "Don't Interrupt in the middle"
(``interrupt_after_current``, on by default) is on, the first press only asks to stop after the
current image (``state.stop_generating()``); a second press, or a press with one image to make,
interrupts at once (``state.interrupt()``). Skip calls ``state.skip()``.

fake-only: Generate is not wired (the fake's UI makes no images); the host's tool buttons,
styles and token counters are left out, and so is its JavaScript that swaps the buttons.
"""

import gradio as gr
from modules import shared


def interrupt_function():
    state = shared.state
    if not state.stopping_generation and state.job_count > 1 \
            and shared.opts.interrupt_after_current:
        state.stop_generating()
        gr.Info("Stopping after the current image; press Interrupt again to stop at once.")
    else:
        state.interrupt()


class Toprow:
    prompt = None
    negative_prompt = None
    interrupt = None
    interrupting = None
    skip = None
    submit = None
    submit_box = None

    def __init__(self, is_img2img, is_compact=False, id_part=None):
        self.id_part = id_part or ("img2img" if is_img2img else "txt2img")
        self.is_img2img = is_img2img
        self.is_compact = is_compact
        with gr.Row(elem_id=f"{self.id_part}_toprow", variant="compact"):
            self.create_prompts()
            with gr.Column(scale=1, elem_id=f"{self.id_part}_actions_column"):
                self.create_submit_box()

    def create_prompts(self):
        with gr.Column(elem_id=f"{self.id_part}_prompt_container", scale=6):
            self.prompt = gr.Textbox(label="Prompt", elem_id=f"{self.id_part}_prompt",
                                     show_label=False, lines=3, elem_classes=["prompt"])
            self.negative_prompt = gr.Textbox(
                label="Negative prompt", elem_id=f"{self.id_part}_neg_prompt", show_label=False,
                lines=3, elem_classes=["prompt"])

    def create_submit_box(self):
        with gr.Row(elem_id=f"{self.id_part}_generate_box",
                    elem_classes=["generate-box"]) as self.submit_box:
            self.interrupt = gr.Button("Interrupt", elem_id=f"{self.id_part}_interrupt",
                                       elem_classes="generate-box-interrupt")
            self.skip = gr.Button("Skip", elem_id=f"{self.id_part}_skip",
                                  elem_classes="generate-box-skip")
            self.interrupting = gr.Button("Interrupting...",
                                          elem_id=f"{self.id_part}_interrupting",
                                          elem_classes="generate-box-interrupting")
            self.submit = gr.Button("Generate", elem_id=f"{self.id_part}_generate",
                                    variant="primary")
            self.skip.click(fn=shared.state.skip)
            self.interrupt.click(fn=interrupt_function)
            self.interrupting.click(fn=interrupt_function)
