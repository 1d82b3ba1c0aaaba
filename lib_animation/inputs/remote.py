"""Input files named by an http(s) URL, fetched within a time limit and a size limit.

Only the faces that are allowed to reach the network fetch: the command line, the tab, and the
REST API when the WebUI's owner turns URLs on. Every failure (offline, slow, too large, refused
by the server) is one line naming the setting; a URL of any other scheme is never opened.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lib_animation.errors import RenderError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_SCHEMES = ("http", "https")
_CHUNK = 64 * 1024


def is_url(text: str) -> bool:
    """Whether the text names an http(s) URL rather than a file."""
    return urlsplit(text.strip()).scheme.lower() in _SCHEMES


def looks_like_url(text: str) -> bool:
    """Whether the text names any URL (`scheme://...`), fetchable or not."""
    return "://" in text


@dataclass(frozen=True)
class UrlFetcher:
    """Fetches http(s) URLs for one run: the whole download within `timeout_s`, at most
    `max_bytes`. Each URL is fetched once and kept, so a file read twice is the same bytes."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    max_bytes: int = DEFAULT_MAX_BYTES
    _fetched: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def fetch(self, url: str, *, setting: str | None, what: str) -> bytes:
        url = url.strip()
        if not is_url(url):
            raise RenderError(f"{what} URL must start with http:// or https://",
                              setting=setting)
        if url not in self._fetched:
            self._fetched[url] = self._download(url, setting, what)
        return self._fetched[url]

    def _download(self, url: str, setting: str | None, what: str) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        shown = _shown(url)
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "Keyframes"})
            with _OPENER.open(request, timeout=self.timeout_s) as response:
                return self._read_within_limits(response, deadline, shown, setting, what)
        except urllib.error.HTTPError as error:
            raise RenderError(f"cannot fetch {what} {shown}: the server answered {error.code}",
                              setting=setting) from None
        except TimeoutError:
            raise self._too_slow(shown, setting, what) from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            if isinstance(getattr(error, "reason", None), TimeoutError):
                raise self._too_slow(shown, setting, what) from None
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
            raise RenderError(f"cannot fetch {what} {shown}: {reason}", setting=setting,
                              hint="check the address, or download the file and give its "
                              "path") from None

    def _read_within_limits(self, response, deadline: float, shown: str,
                            setting: str | None, what: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(shown, setting, what)
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() > deadline:
                raise self._too_slow(shown, setting, what)
            chunk = response.read1(_CHUNK)  # what has arrived, so a slow server is noticed
            if not chunk:
                return b"".join(chunks)
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_large(shown, setting, what)
            chunks.append(chunk)

    def _too_large(self, shown: str, setting: str | None, what: str) -> RenderError:
        return RenderError(f"{what} {shown} is larger than {self.max_bytes // (1024 * 1024)} MiB",
                           setting=setting, hint="download it and give a smaller file")

    def _too_slow(self, shown: str, setting: str | None, what: str) -> RenderError:
        return RenderError(f"{what} {shown} did not arrive within {self.timeout_s:g} s",
                           setting=setting, hint="check the connection, or download the file "
                           "and give its path")


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http(s) only (urllib's own also follows them to ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_url(newurl):
            raise urllib.error.HTTPError(newurl, code, "redirect to another scheme", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


def _shown(url: str) -> str:
    """The URL as messages show it: without a password, and not endlessly long."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    text = f"{parts.scheme}://{host}{parts.path}"
    return text if len(text) <= 120 else text[:117] + "..."
