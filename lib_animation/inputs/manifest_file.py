"""A Parseq manifest named by a path or an http(s) URL, read once before the run is planned.

The text read replaces the path or URL in the run's settings, so the run keeps the manifest it
was made with (a resumed run reads it from there, even when the file or the URL has changed).
The file follows every input-file rule (`InputFile`: a regular file, inside the allowed folders
for an API caller, a URL only through a `UrlFetcher`) and is read with the setting's size limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lib_animation.errors import RenderError
from lib_animation.inputs.gather import input_files
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.schema import BY_NAME, NAME, Settings
from lib_animation.setting_kinds import is_inline_json


def with_manifest_read(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                       urls: UrlFetcher | None = None) -> Settings:
    """The settings with their Parseq manifest's file or URL replaced by the manifest's text;
    the same settings when the manifest is inline or off. RenderError naming the setting when
    it cannot be read, is too large, or is not JSON text."""
    limit = BY_NAME[NAME.parseq_manifest].max_length
    limited = None if urls is None else UrlFetcher(timeout_s=urls.timeout_s,
                                                   max_bytes=min(urls.max_bytes, limit))
    file = input_files(settings, confined_to, limited).get(NAME.parseq_manifest)
    if file is None:
        return settings
    with file.open() as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise RenderError(f"Parseq manifest {file.name} is larger than {limit // 2**20} MiB",
                          setting=NAME.parseq_manifest)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RenderError(f"Parseq manifest {file.name} is not UTF-8 text",
                          setting=NAME.parseq_manifest) from None
    if not is_inline_json(text) or "\x00" in text:
        raise RenderError(f"Parseq manifest {file.name} does not hold a JSON object",
                          setting=NAME.parseq_manifest,
                          hint="give the manifest Parseq exports (its JSON)")
    return settings.replace(**{NAME.parseq_manifest: text})

