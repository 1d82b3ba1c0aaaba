"""A Host that generates through a running WebUI's HTTP API (started with `--api`).

Each FrameRequest becomes one `POST /sdapi/v1/txt2img` or `/sdapi/v1/img2img`; the checkpoint,
CLIP skip and ETA go in `override_settings`, restored by the WebUI after each call. Before the
first frame, the sampler, scheduler and checkpoint names the run uses are checked against the
WebUI's own lists, because the WebUI silently ignores a checkpoint name it does not know.
"""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from PIL import Image, UnidentifiedImageError

from lib_animation.control_units import (
    ControlNetNames,
    ControlUnit,
    UnitNames,
    check_controlnet_names,
)
from lib_animation.errors import KeyframesError, RenderError
from lib_animation.generation_fields import generation_fields
from lib_animation.host import FrameRequest, NamesInUse
from lib_animation.host_names import HostNames, check_names, checkpoint_ids, lower_set

DEFAULT_URL = "http://127.0.0.1:7860"
GENERATION_TIMEOUT_S = 900.0
LIST_TIMEOUT_S = 30.0


class WebUIHttpHost:
    # The WebUI's img2img encodes the init image with a VAE sample drawn from torch's global
    # generator in the state the previous request left (host-api.md, "Behaviours seen in the
    # real host"): a resumed run sends the last request it made again before going on.
    replays_previous_request = True

    def __init__(self, url: str = DEFAULT_URL, *, auth: str | None = None) -> None:
        self.url = checked_url(url).rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if auth:
            token = base64.b64encode(auth.encode("utf-8")).decode("ascii")
            self._headers["Authorization"] = f"Basic {token}"
        self._stop = False
        self._infotext: str | None = None

    def generate(self, request: FrameRequest) -> np.ndarray:
        endpoint = "txt2img" if request.is_txt2img else "img2img"
        reply = self._call(f"/sdapi/v1/{endpoint}", request_payload(request),
                           GENERATION_TIMEOUT_S, frame=request.frame)
        images = reply.get("images") if isinstance(reply, dict) else None
        if not images:
            raise RenderError("the WebUI returned no image", frame=request.frame)
        self._infotext = _first_infotext(reply.get("info"))
        return _decode_png(images[0], request.frame)

    def last_infotext(self) -> str | None:
        return self._infotext

    def progress(self, done: int, total: int, text: str) -> None:
        """The WebUI shows its own progress for API calls; the CLI draws the run's."""

    def interrupted(self) -> bool:
        return self._stop

    def interrupt(self) -> None:
        self._stop = True

    def check_names(self, names: NamesInUse) -> None:
        check_names(names, self.host_names())

    def upscaler_names(self) -> list[str]:
        return [str(entry.get("name", ""))
                for entry in _entries(self._call("/sdapi/v1/upscalers", None, LIST_TIMEOUT_S))]

    def upscale(self, image: np.ndarray, upscaler: str, factor: int) -> np.ndarray:
        """The WebUI's Extras tab on one image: `upscaler_1` at `upscaling_resize` times."""
        payload = {"image": _encode_png(image), "resize_mode": 0, "upscaling_resize": factor,
                   "upscaler_1": upscaler}
        reply = self._call("/sdapi/v1/extra-single-image", payload, GENERATION_TIMEOUT_S)
        encoded = reply.get("image") if isinstance(reply, dict) else None
        if not isinstance(encoded, str) or not encoded:
            raise RenderError("the WebUI returned no upscaled image")
        return _decode_png(encoded, None)

    def check_controlnet(self, units: tuple[UnitNames, ...]) -> None:
        check_controlnet_names(units, self.controlnet_names())

    def controlnet_names(self) -> ControlNetNames | None:
        """The ControlNet extension's models, preprocessors and unit count from its routes, or
        None when the WebUI has no such routes (no extension)."""
        models = self._call("/controlnet/model_list", None, LIST_TIMEOUT_S, absent_ok=True)
        if models is None:
            return None
        modules = self._call("/controlnet/module_list", None, LIST_TIMEOUT_S)
        settings = self._call("/controlnet/settings", None, LIST_TIMEOUT_S)
        try:
            return ControlNetNames(
                models=tuple(str(name) for name in models["model_list"]),
                modules=tuple(str(name) for name in modules["module_list"]),
                unit_count=int(settings["control_net_unit_count"]))
        except (TypeError, KeyError, ValueError):
            raise RenderError("the WebUI's ControlNet lists cannot be read") from None

    def identity(self) -> dict[str, str]:
        """What a run folder records of its host: the address, never a login."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return {"kind": "webui",
                "url": urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))}

    def host_names(self) -> HostNames:
        """The WebUI's samplers, schedulers and checkpoints, from its list endpoints."""
        samplers = _entries(self._call("/sdapi/v1/samplers", None, LIST_TIMEOUT_S))
        schedulers = _entries(self._call("/sdapi/v1/schedulers", None, LIST_TIMEOUT_S))
        models = _entries(self._call("/sdapi/v1/sd-models", None, LIST_TIMEOUT_S))
        checkpoint_aliases: set[str] = set()
        for model in models:
            title = str(model.get("title") or "")
            shorthash = model.get("hash") or None
            suffix = f" [{shorthash}]"
            name = title[: -len(suffix)] if shorthash and title.endswith(suffix) else title
            checkpoint_aliases |= checkpoint_ids(name, shorthash, model.get("sha256"),
                                                 model.get("model_name"))
        return HostNames(
            samplers=tuple(str(entry.get("name", "")) for entry in samplers),
            sampler_aliases=lower_set(
                str(alias) for entry in samplers
                for alias in [entry.get("name", ""), *(entry.get("aliases") or [])]
            ),
            schedulers=tuple(str(entry.get("label", "")) for entry in schedulers),
            scheduler_aliases=lower_set(
                str(entry.get(key, "")) for entry in schedulers for key in ("name", "label")
            ),
            checkpoints=tuple(str(model.get("title", "")) for model in models),
            checkpoint_aliases=frozenset(alias for alias in checkpoint_aliases if alias),
        )

    def _call(self, path: str, payload: dict[str, Any] | None, timeout: float,
              *, frame: int | None = None, absent_ok: bool = False) -> Any:
        """The route's JSON answer; with `absent_ok`, None when the WebUI has no such route."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        method = "GET" if payload is None else "POST"
        call = urllib.request.Request(self.url + path, data=data, headers=self._headers,
                                      method=method)
        try:
            with urllib.request.urlopen(call, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if absent_ok and error.code == 404:
                return None
            raise RenderError(f"the WebUI answered {error.code} to {path}: {_detail(error)}",
                              frame=frame, hint=_hint(error.code)) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise RenderError(f"cannot reach the WebUI at {self.url} ({reason})", frame=frame,
                              hint="start it with --api, or give its address with --url") from None
        except (ValueError, UnicodeDecodeError):
            raise RenderError(f"the WebUI's answer to {path} is not JSON", frame=frame) from None


def checked_url(url: str) -> str:
    """An http:// or https:// address with a host; RenderError (one line) otherwise."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise RenderError(f"{escaped(url)} is not a WebUI address",
                          hint="give one like http://127.0.0.1:7860")
    return url.strip()


def escaped(text: str, limit: int = 80) -> str:
    """`text` quoted for one terminal line: control characters escaped, long text cut."""
    shown = repr(text[:limit])
    return shown + ("..." if len(text) > limit else "")


def request_payload(request: FrameRequest) -> dict[str, Any]:
    """The API body for one request: only fields the WebUI's txt2img/img2img models define."""
    payload = {**generation_fields(request), "send_images": True, "save_images": False}
    if request.init_image is not None:
        payload["init_images"] = [_encode_png(request.init_image)]
        if request.mask is not None:
            payload["mask"] = _encode_png(request.mask)
    if request.controlnet_units:
        payload["alwayson_scripts"] = {"controlnet": {
            "args": [_controlnet_arguments(unit) for unit in request.controlnet_units]}}
    return payload


def _controlnet_arguments(unit: ControlUnit) -> dict[str, Any]:
    """One unit as the ControlNet extension's API reads it (images as base64 PNG)."""
    images = {"image": _encode_png(unit.image)}
    if unit.mask is not None:
        images["mask_image"] = _encode_png(unit.mask)
    return {**unit.fields(), **images}


def _encode_png(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _decode_png(text: str, frame: int | None) -> np.ndarray:
    try:
        data = base64.b64decode(text.split(",", 1)[-1], validate=True)
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()
    except (ValueError, UnidentifiedImageError, OSError):
        raise RenderError("the WebUI returned an image that cannot be read", frame=frame) from None


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(error.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return error.reason
    if isinstance(body, dict):
        for key in ("detail", "error", "errors"):
            if key in body:
                return " ".join(str(body[key]).split())[:300]
    return error.reason


def _hint(code: int) -> str | None:
    if code == 401:
        return "the WebUI wants a login: pass --api-auth user:password"
    if code == 404:
        return "start the WebUI with --api"
    return None


def _first_infotext(info: Any) -> str | None:
    """`info` is Processed.js(): a JSON string whose `infotexts` hold each image's text."""
    try:
        texts = json.loads(info).get("infotexts") if isinstance(info, str) else None
    except (ValueError, AttributeError):
        return None
    first = texts[0] if isinstance(texts, list) and texts else None
    return first if isinstance(first, str) else None


def _entries(reply: Any) -> list[dict[str, Any]]:
    if not isinstance(reply, list):
        raise RenderError("the WebUI's list of names is not a list")
    return [entry for entry in reply if isinstance(entry, dict)]


def webui_answers(url: str, auth: str | None = None) -> bool:
    """Whether the WebUI at `url` answers its API (its names can be read)."""
    try:
        WebUIHttpHost(url, auth=auth).host_names()
    except KeyframesError:
        return False
    return True
