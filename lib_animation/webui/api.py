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
from collections.abc import Callable
from pathlib import Path
from secrets import compare_digest
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from modules import shared
from starlette.concurrency import run_in_threadpool

from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.job_settings import JobSettings, job_settings
from lib_animation.presets import list_presets
from lib_animation.runs import UrlFetcher
from lib_animation.schema import Settings
from lib_animation.webui.jobs import JobManager
from lib_animation.webui.options import KeyframesOptions, current_options

PREFIX = "/keyframes/v1"
PLAN_FORMS = ("changes", "full")


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
          options: Callable[[], KeyframesOptions] = current_options) -> None:
    """Add the routes to the WebUI's app (on_app_started)."""
    dependencies = _auth_dependencies()

    def settings_of(raw: bytes, chosen: KeyframesOptions) -> JobSettings:
        return job_settings(_parse(raw), base=Settings(chosen.run_defaults()),
                            presets_dir=chosen.presets_dir, output_dir=chosen.output_dir,
                            allowed_dirs=chosen.input_dirs,
                            max_inline_bytes=chosen.limits.max_inline_mib * 2**20,
                            urls_allowed=chosen.allow_urls)

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

    routes: list[tuple[str, Callable[..., Any], str]] = [
        ("/jobs", post_job, "POST"), ("/jobs", list_jobs, "GET"),
        ("/jobs/{job_id}", get_job, "GET"), ("/jobs/{job_id}", cancel_job, "DELETE"),
        ("/jobs/{job_id}/resume", resume_job, "POST"), ("/presets", presets, "GET"),
        ("/validate", validate, "POST"), ("/plan", plan_route, "POST"),
    ]  # fmt: skip
    for path, endpoint, method in routes:
        app.add_api_route(PREFIX + path, endpoint, methods=[method], dependencies=dependencies)


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
