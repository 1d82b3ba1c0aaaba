"""An always-on script of another extension: counts the generations it sees and, when a test
asks, presses Interrupt or Skip while a chosen generation is sampling."""

from modules import scripts, shared

SEEN: list[int] = []
# generation number (1-based) -> "interrupt", "skip", or something to call during it
ACTIONS: dict = {}


class Probe(scripts.Script):
    def title(self):
        return "Keyframes test probe"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def process(self, p, *args):
        SEEN.append(p.seed)

    def process_batch(self, p, *args, **kwargs):
        action = ACTIONS.pop(len(SEEN), None)
        if action == "interrupt":
            shared.state.interrupt()
        elif action == "skip":
            shared.state.skip()
        elif callable(action):
            action()
