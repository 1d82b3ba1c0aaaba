"""The fake's own tests get the ``fake_webui`` fixture here."""

from tests.fake_webui.fixtures import fake_webui  # noqa: F401
