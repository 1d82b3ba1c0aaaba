"""A stand-in for the AUTOMATIC1111 WebUI 1.10.1 host, for extension tests (see webui.py)."""
