"""Scripts of the Extras tab: only the base class (so extensions can subclass it) and an empty
runner; the fake has no Extras tab."""


class PostprocessedImage:
    def __init__(self, image):
        self.image = image
        self.info = {}


class ScriptPostprocessing:
    filename = None
    controls = None
    args_from = None
    args_to = None
    order = 1000
    name = None
    group = None

    def ui(self): pass
    def process(self, pp: PostprocessedImage, **args): pass
    def process_firstpass(self, pp: PostprocessedImage, **args): pass

    def image_changed(self):
        pass


class ScriptPostprocessingRunner:
    def __init__(self):
        self.scripts = None
