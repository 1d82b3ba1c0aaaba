"""REST routes on the WebUI's FastAPI app, under /keyframes/v1, guarded by --api-auth as the
WebUI's own routes are.

Bad input gets 422 with the same one-line errors the command line prints; nothing is started
and nothing is written. Jobs go through the job manager, so they wait for the WebUI's queue.
"""

from __future__ import annotations

from collections.abc import Callable
from secrets import compare_digest
from typing import Any

from fastapi import Body, Depends, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from modules import shared

from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.inputs.gather import load_inputs
from lib_animation.job_settings import JobSettings, job_settings
from lib_animation.presets import list_presets
from lib_animation.runs.start import plan_run
from lib_animation.schema import Settings
from lib_animation.webui.jobs import JobManager
from lib_animation.webui.options import KeyframesOptions, current_options

PREFIX = "/keyframes/v1"


def error_lines(error: KeyframesError) -> list[str]:
    return error.lines() if isinstance(error, KeyframesErrors) else [str(error)]


def _refuse(error: KeyframesError) -> HTTPException:
    lines = error_lines(error)
    return HTTPException(status_code=422, detail={"error": lines[0], "errors": lines})


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


def mount(app: FastAPI, manager: JobManager,
          options: Callable[[], KeyframesOptions] = current_options) -> None:
    """Add the routes to the WebUI's app (on_app_started)."""
    dependencies = _auth_dependencies()

    def settings_of(body: Any) -> JobSettings:
        chosen = options()
        return job_settings(body, base=Settings(chosen.run_defaults()),
                            presets_dir=chosen.presets_dir, output_dir=chosen.output_dir,
                            allowed_dirs=chosen.input_dirs)

    def post_job(body: Any = Body(...)) -> JSONResponse:
        try:
            request = settings_of(body)
        except KeyframesError as error:
            raise _refuse(error) from None
        try:
            job = manager.submit(request.loaded.settings)
        except KeyframesError as error:
            request.discard()
            raise _refuse(error) from None
        answer = {**job.to_json(), "warnings": list(request.loaded.warnings)}
        return JSONResponse(answer, status_code=202)

    def list_jobs() -> dict[str, Any]:
        return {"jobs": [job.to_json() for job in manager.jobs()]}

    def get_job(job_id: str) -> dict[str, Any]:
        return _job_or_404(manager.get, job_id).to_json()

    def cancel_job(job_id: str) -> dict[str, Any]:
        return _job_or_404(manager.cancel, job_id).to_json()

    def resume_job(job_id: str) -> JSONResponse:
        try:
            job = _job_or_404(manager.resume, job_id)
        except KeyframesError as error:
            raise _refuse(error) from None
        return JSONResponse(job.to_json(), status_code=202)

    def presets() -> dict[str, Any]:
        return {"presets": [
            {"name": preset.name, "description": preset.description, "shipped": preset.shipped}
            for preset in list_presets(options().presets_dir)
        ]}

    def checked(body: Any):
        request = settings_of(body)
        try:
            plan = plan_run(request.loaded.settings)
            load_inputs(plan.settings)
        finally:
            request.discard()
        return request.loaded, plan

    def validate(body: Any = Body(...)) -> dict[str, Any]:
        try:
            loaded, plan = checked(body)
        except KeyframesError as error:
            raise _refuse(error) from None
        return {"valid": True, "warnings": [*loaded.warnings, *plan.warnings]}

    def plan_route(body: Any = Body(...)) -> dict[str, Any]:
        try:
            loaded, plan = checked(body)
        except KeyframesError as error:
            raise _refuse(error) from None
        return {"plan": plan.to_json(), "warnings": [*loaded.warnings, *plan.warnings]}

    routes: list[tuple[str, Callable[..., Any], str]] = [
        ("/jobs", post_job, "POST"), ("/jobs", list_jobs, "GET"),
        ("/jobs/{job_id}", get_job, "GET"), ("/jobs/{job_id}", cancel_job, "DELETE"),
        ("/jobs/{job_id}/resume", resume_job, "POST"), ("/presets", presets, "GET"),
        ("/validate", validate, "POST"), ("/plan", plan_route, "POST"),
    ]  # fmt: skip
    for path, endpoint, method in routes:
        app.add_api_route(PREFIX + path, endpoint, methods=[method], dependencies=dependencies)


def _job_or_404(action: Callable[[str], Any], job_id: str):
    try:
        return action(job_id)
    except KeyError:
        raise HTTPException(status_code=404, detail=f"no Keyframes job {job_id!r}") from None
