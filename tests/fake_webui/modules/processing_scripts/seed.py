"""Built-in: the seed, variation seed and "resize seed from" controls."""

import gradio as gr
from modules import scripts


class ScriptSeed(scripts.ScriptBuiltinUI):
    section = "seed"
    create_group = False

    def title(self):
        return "Seed"

    def ui(self, is_img2img):
        self.seed = gr.Number(label="Seed", value=-1, precision=0, elem_id=self.elem_id("seed"))
        extras = gr.Checkbox(label="Extra", value=False, elem_id=self.elem_id("subseed_show"))
        subseed = gr.Number(label="Variation seed", value=-1, precision=0,
                            elem_id=self.elem_id("subseed"))
        strength = gr.Slider(label="Variation strength", value=0.0, minimum=0, maximum=1,
                             step=0.01, elem_id=self.elem_id("subseed_strength"))
        from_w = gr.Slider(minimum=0, maximum=2048, step=8, label="Resize seed from width",
                           value=0, elem_id=self.elem_id("seed_resize_from_w"))
        from_h = gr.Slider(minimum=0, maximum=2048, step=8, label="Resize seed from height",
                           value=0, elem_id=self.elem_id("seed_resize_from_h"))
        return self.seed, extras, subseed, strength, from_w, from_h

    def setup(self, p, seed, seed_checkbox, subseed, subseed_strength, seed_resize_from_w,
              seed_resize_from_h):
        p.seed = seed
        if seed_checkbox and subseed_strength > 0:
            p.subseed = subseed
            p.subseed_strength = subseed_strength
        if seed_checkbox and seed_resize_from_w > 0 and seed_resize_from_h > 0:
            p.seed_resize_from_w = seed_resize_from_w
            p.seed_resize_from_h = seed_resize_from_h
