"""fake-only: as in the real extension, the public API under its old import path."""

from internal_controlnet.external_code import *  # noqa: F403
