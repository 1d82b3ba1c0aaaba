"""Built-in: the refiner accordion. The fake only passes the choice on to ``p``."""

import gradio as gr
from modules import scripts, sd_models
from modules.ui_components import InputAccordion


class ScriptRefiner(scripts.ScriptBuiltinUI):
    section = "accordions"
    create_group = False

    def title(self):
        return "Refiner"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def ui(self, is_img2img):
        with InputAccordion(False, label="Refiner", elem_id=self.elem_id("enable")) as enable:
            checkpoint = gr.Dropdown(label="Checkpoint", choices=sd_models.checkpoint_tiles(),
                                     value="", elem_id=self.elem_id("checkpoint"))
            switch_at = gr.Slider(value=0.8, label="Switch at", minimum=0.01, maximum=1.0,
                                  step=0.01, elem_id=self.elem_id("switch_at"))
        return enable, checkpoint, switch_at

    def setup(self, p, enable_refiner, refiner_checkpoint, refiner_switch_at):
        if not enable_refiner or refiner_checkpoint in (None, "", "None"):
            p.refiner_checkpoint = None
            p.refiner_switch_at = None
        else:
            p.refiner_checkpoint = refiner_checkpoint
            p.refiner_switch_at = refiner_switch_at
