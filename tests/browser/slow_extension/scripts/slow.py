"""Another extension's always-on script that makes every generation take a little longer, so
a Keyframes run in the browser lasts long enough to press Interrupt on a fast machine."""

import time

from modules import scripts

DELAY_S = 0.09  # with the fake's own processing, about the standalone page's 0.12 s


class SlowGenerations(scripts.Script):
    def title(self):
        return "Browser tests: slow generations"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def process_batch(self, p, *args, **kwargs):
        time.sleep(DELAY_S)
