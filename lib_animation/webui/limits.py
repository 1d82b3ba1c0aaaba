"""The owner's limits on a job (Settings > Keyframes), checked on its plan before it is queued,
so one request can never hold the WebUI for hours or fill its memory. Host-free: the standalone
page's job manager uses them too."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.plan import FramePlan
from lib_animation.schema import BY_NAME, NAME


@dataclass(frozen=True)
class Limit:
    key: str
    default: int
    label: str
    info: str


LIMITS = (
    Limit("max_pixels", 2048 * 2048, "Largest frame (width × height, in pixels)",
          "jobs with larger frames are refused; 2048×2048 by default"),
    Limit("max_job_frames", 10_000, "Most frames in one job", "counted after Video Input's video"),
    Limit("max_job_steps", 150, "Most sampling steps of a frame", "the largest value of the steps "
          "schedule when it is on"),
    Limit("max_jobs_per_client", 4, "Most queued or running jobs of one API login or address",
          "the tab counts as one client per address"),
    Limit("max_batch_runs", 100, "Most runs in one batch",
          "a batch or sweep that makes more is refused (the command line asks instead)"),
    Limit("max_body_mib", 100, "Largest API request body (MiB)", "inline files included"),
    Limit("max_inline_mib", 64, "Largest inline input file of an API request (MiB)",
          "after base64 decoding"),
)

_LIMIT_BY_KEY = {limit.key: limit for limit in LIMITS}


@dataclass(frozen=True)
class JobLimits:
    """The owner's limits on one job and one client (Settings > Keyframes)."""

    max_pixels: int
    max_job_frames: int
    max_job_steps: int
    max_jobs_per_client: int
    max_batch_runs: int
    max_body_mib: int
    max_inline_mib: int

    @classmethod
    def defaults(cls) -> JobLimits:
        return cls(**{limit.key: limit.default for limit in LIMITS})

    def label(self, key: str) -> str:
        """Where the owner changes a limit, as an error's hint says it."""
        return f"Settings > Keyframes > {_LIMIT_BY_KEY[key].label}"


def check_job_limits(plan: FramePlan, limits: JobLimits) -> None:
    """SettingsError (one per limit passed) naming the limit and where the owner sets it."""
    settings = plan.settings
    problems: list[KeyframesError] = []
    pixels = settings.W * settings.H
    if pixels > limits.max_pixels:
        problems.append(_over(NAME.W, f"{settings.W}×{settings.H} = {pixels:,} pixels",
                              limits.max_pixels, "max_pixels", limits))
    if plan.max_frames > limits.max_job_frames:
        problems.append(_over(NAME.max_frames, f"{plan.max_frames:,} frames",
                              limits.max_job_frames, "max_job_frames", limits))
    steps = largest_steps(plan)
    if steps > limits.max_job_steps:
        setting = NAME.steps_schedule if _steps_scheduled(plan) else NAME.steps
        problems.append(_over(setting, f"{steps} steps", limits.max_job_steps, "max_job_steps",
                              limits))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)


def largest_steps(plan: FramePlan) -> int:
    """The most sampling steps any frame asks for."""
    if not _steps_scheduled(plan):
        return int(plan.settings.steps)
    return int(np.round(np.max(plan.values[NAME.steps_schedule])))


def over_client_limit(queued: int, limits: JobLimits) -> SettingsError | None:
    """The error for a client that already has `queued` jobs queued or running, if that is the
    most it may have."""
    if queued < limits.max_jobs_per_client:
        return None
    return SettingsError(
        f"you already have {queued} Keyframes jobs queued or running; this WebUI allows "
        f"{limits.max_jobs_per_client}", source="request",
        hint=f"wait for one to finish or cancel one (limit: {limits.label('max_jobs_per_client')})")


def _steps_scheduled(plan: FramePlan) -> bool:
    return bool(plan.settings[BY_NAME[NAME.steps_schedule].enabled_by])


def _over(setting: str, asked: str, limit: int, key: str, limits: JobLimits) -> SettingsError:
    return SettingsError(f"{asked} is over this WebUI's limit of {limit:,}", setting=setting,
                         hint=f"the owner sets it in {limits.label(key)}")
