"""REST routes on the WebUI's FastAPI app, under /keyframes/v1, guarded by --api-auth as the
WebUI's own routes are, and mounted only where the WebUI serves its own API (`entry.py`).

Bad input gets 422 with the same one-line errors the command line prints; nothing is started
and nothing is written. A job may read input files only inline or inside the folders the owner
allows, and must stay inside the owner's limits (Settings > Keyframes). Request bodies are read
with a size limit, and planning, checking and encoding answers run off the server's event loop,
so one large request never stalls the WebUI. Jobs go through the job manager, so they wait for
the WebUI's queue.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from secrets import compare_digest
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from modules import shared
from starlette.concurrency import run_in_threadpool

from lib_animation.batches import (
    BaseSettings,
    BatchSpec,
    Sweep,
    expand,
    sweep_from_data,
    unique_label,
)
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.job_settings import JobSettings, job_settings
from lib_animation.presets import list_presets
from lib_animation.runs import UrlFetcher
from lib_animation.schema import Settings
from lib_animation.webui.batches import BatchQueue
from lib_animation.webui.jobs import JobManager
from lib_animation.webui.options import KeyframesOptions, current_options

PREFIX = "/keyframes/v1"
PLAN_FORMS = ("changes", "full")
BATCH_REQUEST_KEYS = {"items", "sweep", "name"}
MAX_BATCH_ITEMS = 1000


def error_lines(error: KeyframesError) -> list[str]:
    return error.lines() if isinstance(error, KeyframesErrors) else [str(error)]


def _refuse(error: KeyframesError) -> HTTPException:
    lines = error_lines(error)
    return HTTPException(status_code=422, detail={"error": lines[0], "errors": lines})


def _refuse_line(line: str) -> HTTPException:
    return HTTPException(status_code=422, detail={"error": line, "errors": [line]})


def _credentials() -> dict[str, str]:
    pairs = [auth.split(":", 1) for auth in (shared.cmd_opts.api_auth or "").split(",") if auth]
    return dict(pairs)


def _auth_dependencies() -> list[Any]:
    """The WebUI's own rule: with --api-auth, every route needs one of its logins."""
    if not getattr(shared.cmd_opts, "api_auth", None):
        return []
    credentials = _credentials()

    def check(login: HTTPBasicCredentials = Depends(HTTPBasic())) -> None:
        expected = credentials.get(login.username)
        if expected is None or not compare_digest(login.password, expected):
            raise HTTPException(status_code=401, detail="Incorrect username or password",
                                headers={"WWW-Authenticate": "Basic"})

    return [Depends(check)]


def client_of(request: Request) -> str:
    """Who sends a request, for the per-client job limit: the --api-auth login, else the
    address it comes from."""
    if getattr(shared.cmd_opts, "api_auth", None):
        user = _basic_login(request.headers.get("authorization", ""))
        if user:
            return f"login:{user}"
    return f"address:{request.client.host if request.client else 'unknown'}"


def _basic_login(header: str) -> str | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, _password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, ValueError):
        return None
    return user or None


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request's body, refused (422) past `max_bytes` before it is all read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _body_too_large(max_bytes)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _body_too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _body_too_large(max_bytes: int) -> HTTPException:
    return _refuse_line(f"request: the body is larger than this WebUI's limit of "
                        f"{max_bytes // 2**20} MiB (the owner sets it in Settings > Keyframes)")


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise _refuse_line("request: the body is not valid JSON") from None


def mount(app: FastAPI, manager: JobManager,
          options: Callable[[], KeyframesOptions] = current_options, *,
          batches: BatchQueue | None = None) -> None:
    """Add the routes to the WebUI's app (on_app_started)."""
    dependencies = _auth_dependencies()
    batches = batches or BatchQueue(manager, lambda: options().output_dir,
                                    lambda: options().limits)

    def settings_of_body(body: Any, chosen: KeyframesOptions) -> JobSettings:
        return job_settings(body, base=Settings(chosen.run_defaults()),
                            presets_dir=chosen.presets_dir, output_dir=chosen.output_dir,
                            allowed_dirs=chosen.input_dirs,
                            max_inline_bytes=chosen.limits.max_inline_mib * 2**20,
                            urls_allowed=chosen.allow_urls)

    def settings_of(raw: bytes, chosen: KeyframesOptions) -> JobSettings:
        return settings_of_body(_parse(raw), chosen)

    async def body_of(request: Request, chosen: KeyframesOptions) -> bytes:
        return await read_body(request, chosen.limits.max_body_mib * 2**20)

    def start_job(raw: bytes, chosen: KeyframesOptions, client: str) -> JSONResponse:
        request = _checked(lambda: settings_of(raw, chosen))
        with request.discarded_on_error():
            job = _checked(lambda: manager.submit(
                request.loaded.settings, client=client, confined_to=_readable(request, chosen),
                urls=_url_fetcher(chosen), staged=request.staged))
        answer = {**job.to_json(), "warnings": list(request.loaded.warnings)}
        return JSONResponse(answer, status_code=202)

    async def post_job(request: Request) -> JSONResponse:
        chosen = options()
        raw = await body_of(request, chosen)
        return await run_in_threadpool(start_job, raw, chosen, client_of(request))

    def list_jobs() -> dict[str, Any]:
        return {"jobs": [job.to_json() for job in manager.jobs()]}

    def get_job(job_id: str) -> dict[str, Any]:
        return _job_or_404(manager.get, job_id).to_json()

    def cancel_job(job_id: str) -> dict[str, Any]:
        return _job_or_404(manager.cancel, job_id).to_json()

    def resume_job(job_id: str, request: Request) -> JSONResponse:
        chosen = options()
        job = _checked(lambda: _job_or_404(
            lambda name: manager.resume(name, client=client_of(request),
                                        confined_to=chosen.input_dirs,
                                        urls=_url_fetcher(chosen)), job_id))
        return JSONResponse(job.to_json(), status_code=202)

    def presets() -> dict[str, Any]:
        return {"presets": [
            {"name": preset.name, "description": preset.description, "shipped": preset.shipped}
            for preset in list_presets(options().presets_dir)
        ]}

    def checked(raw: bytes, chosen: KeyframesOptions):
        request = _checked(lambda: settings_of(raw, chosen))
        try:
            plan = _checked(lambda: manager.check(
                request.loaded.settings, confined_to=_readable(request, chosen),
                urls=_url_fetcher(chosen)).plan)
        finally:
            request.discard()
        return request.loaded, plan

    def validate_answer(raw: bytes, chosen: KeyframesOptions) -> JSONResponse:
        loaded, plan = checked(raw, chosen)
        return JSONResponse({"valid": True, "warnings": [*loaded.warnings, *plan.warnings]})

    def plan_answer(raw: bytes, chosen: KeyframesOptions, form: str) -> JSONResponse:
        loaded, plan = checked(raw, chosen)
        body = plan.to_json() if form == "full" else plan.to_compact_json()
        return JSONResponse({"plan": body, "warnings": [*loaded.warnings, *plan.warnings]})

    async def validate(request: Request) -> JSONResponse:
        chosen = options()
        raw = await body_of(request, chosen)
        return await run_in_threadpool(validate_answer, raw, chosen)

    async def plan_route(request: Request, form: str = "changes") -> JSONResponse:
        if form not in PLAN_FORMS:
            raise _refuse_line(f"form: must be one of {', '.join(PLAN_FORMS)}, not {form!r}")
        chosen = options()
        raw = await body_of(request, chosen)
        return await run_in_threadpool(plan_answer, raw, chosen, form)

    # Batches ----------------------------------------------------------------------------------

    def start_batch(raw: bytes, chosen: KeyframesOptions, client: str) -> JSONResponse:
        body = _parse(raw)
        requests: list[JobSettings] = []  # each item's inline files, removed if refused

        def staged_settings(entry: Any) -> JobSettings:
            requests.append(settings_of_body(entry, chosen))
            return requests[-1]

        try:
            spec, name = _checked(lambda: batch_request(body, staged_settings))
            staged = [request.staged for request in requests if request.staged]
            view = _checked(lambda: batches.submit(spec, name=name, client=client,
                                                   confined_to=[*chosen.input_dirs, *staged],
                                                   urls=_url_fetcher(chosen), staged=staged))
        except BaseException:
            for request in requests:
                request.discard()
            raise
        return JSONResponse({**view.to_json(), "warnings": list(spec.warnings)},
                            status_code=202)

    async def post_batch(request: Request) -> JSONResponse:
        chosen = options()
        raw = await body_of(request, chosen)
        return await run_in_threadpool(start_batch, raw, chosen, client_of(request))

    def list_batches() -> dict[str, Any]:
        return {"batches": [view.to_json() for view in batches.batches()]}

    def get_batch(name: str) -> dict[str, Any]:
        return _job_or_404(batches.get, name).to_json()

    def cancel_batch(name: str) -> dict[str, Any]:
        return _job_or_404(batches.cancel, name).to_json()

    def resume_batch(name: str, request: Request) -> JSONResponse:
        chosen = options()
        view = _checked(lambda: _job_or_404(
            lambda batch: batches.resume(batch, client=client_of(request),
                                         confined_to=chosen.input_dirs,
                                         urls=_url_fetcher(chosen)), name))
        return JSONResponse(view.to_json(), status_code=202)

    routes: list[tuple[str, Callable[..., Any], str]] = [
        ("/jobs", post_job, "POST"), ("/jobs", list_jobs, "GET"),
        ("/jobs/{job_id}", get_job, "GET"), ("/jobs/{job_id}", cancel_job, "DELETE"),
        ("/jobs/{job_id}/resume", resume_job, "POST"), ("/presets", presets, "GET"),
        ("/validate", validate, "POST"), ("/plan", plan_route, "POST"),
        ("/batches", post_batch, "POST"), ("/batches", list_batches, "GET"),
        ("/batches/{name}", get_batch, "GET"), ("/batches/{name}", cancel_batch, "DELETE"),
        ("/batches/{name}/resume", resume_batch, "POST"),
    ]  # fmt: skip
    for path, endpoint, method in routes:
        app.add_api_route(PREFIX + path, endpoint, methods=[method], dependencies=dependencies)


def batch_request(body: Any, settings_of: Callable[[Any], JobSettings]) -> tuple[BatchSpec,
                                                                                str | None]:
    """A batch request's runs: `items` (each what POST /jobs takes), crossed with `sweep`; and
    the batch folder's `name`, when given."""
    if not isinstance(body, Mapping):
        raise SettingsError("the request body must be a JSON object", source="request")
    unknown = sorted(str(key) for key in body if key not in BATCH_REQUEST_KEYS)
    if unknown:
        raise SettingsError(f"unknown key {unknown[0][:40]!r}", source="request",
                            hint="a batch has items, sweep and name")
    entries, name = body.get("items"), body.get("name")
    if not isinstance(entries, list) or not entries:
        raise SettingsError("'items' must be a non-empty list of job settings",
                            source="request")
    if len(entries) > MAX_BATCH_ITEMS:
        raise SettingsError(f"a batch has at most {MAX_BATCH_ITEMS} items", source="request")
    if name is not None and not isinstance(name, str):
        raise SettingsError("'name' must be text", source="request")
    sweep = sweep_from_data(body["sweep"], source="request") if "sweep" in body else Sweep()
    bases, warnings = [], []
    for index, entry in enumerate(entries, start=1):
        loaded = settings_of(entry).loaded
        label = entry.get("preset") if isinstance(entry, Mapping) else None
        label = label if isinstance(label, str) else f"item{index}"
        bases.append(BaseSettings(unique_label(label, bases), loaded.settings))
        warnings += [f"item {index}: {warning}" for warning in loaded.warnings]
    return BatchSpec(tuple(expand(bases, sweep)), sweep, tuple(warnings)), name


def _readable(request: JobSettings, chosen: KeyframesOptions) -> list[Path]:
    """The folders a job's input files may come from: the owner's, and its own inline files'."""
    return [*chosen.input_dirs, *([request.staged] if request.staged else [])]


def _url_fetcher(chosen: KeyframesOptions) -> UrlFetcher | None:
    """Input files named by URL are fetched only where the owner allows it."""
    return UrlFetcher() if chosen.allow_urls else None


def _checked(action: Callable[[], Any]) -> Any:
    """The action's result; its KeyframesError as a 422."""
    try:
        return action()
    except KeyframesError as error:
        raise _refuse(error) from None


def _job_or_404(action: Callable[[str], Any], job_id: str):
    try:
        return action(job_id)
    except KeyError:
        raise HTTPException(status_code=404, detail=f"no Keyframes job {job_id!r}") from None
