"""Tests of the extension inside the fake WebUI (tests/fake_webui), loaded as the host loads it."""

from tests.fake_webui.fixtures import fake_webui  # noqa: F401  (the fixture)
