"""The WebUI adapter: the only code that imports the host's `modules` or gradio.

`entry.register()` is called by `scripts/keyframes.py` when the WebUI loads the extension.
"""
