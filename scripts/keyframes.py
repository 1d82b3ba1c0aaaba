"""Keyframes for the AUTOMATIC1111 WebUI: the tab, the Settings section and the REST API.

The WebUI runs this file with the extension folder on `sys.path`; everything else lives in
`lib_animation`, whose `webui` package is the only code that talks to the WebUI.
"""

from lib_animation.webui.entry import register

register()
