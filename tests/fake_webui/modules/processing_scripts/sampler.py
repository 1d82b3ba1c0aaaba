"""Built-in: the steps, sampler and scheduler controls of the generation tabs."""

import gradio as gr
from modules import scripts, sd_samplers, sd_schedulers


class ScriptSampler(scripts.ScriptBuiltinUI):
    section = "sampler"
    create_group = False

    def title(self):
        return "Sampler"

    def ui(self, is_img2img):
        names = sd_samplers.visible_sampler_names()
        labels = [x.label for x in sd_schedulers.schedulers]
        self.sampler_name = gr.Dropdown(label="Sampling method", choices=names, value=names[0],
                                        elem_id=self.elem_id("sampling"))
        self.scheduler = gr.Dropdown(label="Schedule type", choices=labels, value=labels[0],
                                     elem_id=self.elem_id("scheduler"))
        self.steps = gr.Slider(minimum=1, maximum=150, step=1, value=20, label="Sampling steps",
                               elem_id=self.elem_id("steps"))
        return self.steps, self.sampler_name, self.scheduler

    def setup(self, p, steps, sampler_name, scheduler):
        p.steps = steps
        p.sampler_name = sampler_name
        p.scheduler = scheduler
