"""The Keyframes tab in a real browser (headless Chromium): what a user sees and does. The
main checks run on the standalone page and on the tab inside the (fake) WebUI's page."""

from __future__ import annotations

import json
import re
import time

import pytest

from lib_animation.presets import SHIPPED_PRESETS
from lib_animation.schema import BY_NAME
from tests.browser.sites import SITES, open_keyframes

pytestmark = pytest.mark.browser
ON_BOTH_SITES = pytest.mark.parametrize("site", SITES, indirect=True)

WIDTHS = (1280, 1920)


def shot(screenshots, site, name: str) -> str:
    """Where a screenshot of `site` goes (the WebUI's have a prefix)."""
    return str(screenshots / f"{site.screenshot_prefix}{name}")


def section(page, title: str) -> None:
    page.click(f"#keyframes_sections > .tab-nav button:text-is('{title}')")


def subtab(page, title: str) -> None:
    page.click(f"#keyframes_tab_keyframes .tab-nav button:text-is('{title}')")


def fill(page, name: str, value: str) -> None:
    page.fill(f"#keyframes_{name} textarea, #keyframes_{name} input[type=number]", value)


def plot_source(page) -> str:
    return page.get_attribute("#keyframes_plot img", "src") or ""


def wait_plot_change(page, before: str, timeout_s: float = 20) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = plot_source(page)
        if now and now != before:
            return now
        time.sleep(0.2)
    raise AssertionError("the plot did not change")


def progress_text(page) -> str:
    return page.inner_text("#keyframes_progress")


def wait_progress(page, pattern: str, timeout_s: float = 90) -> re.Match:
    deadline = time.monotonic() + timeout_s
    text = ""
    while time.monotonic() < deadline:
        text = progress_text(page)
        found = re.search(pattern, text)
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"progress never matched {pattern!r}; last: {text!r}")


def video_state(page, timeout_s: float = 30) -> dict:
    page.wait_for_selector("#keyframes_video video", timeout=timeout_s * 1000)
    return page.wait_for_function(
        """() => { const v = document.querySelector('#keyframes_video video');
                   return v && v.readyState >= 1 && v.duration > 0 && !v.error
                     ? {duration: v.duration, ready: v.readyState} : null; }""",
        timeout=timeout_s * 1000).json_value()


def small_run(page, frames: int) -> None:
    section(page, "Run")
    fill(page, "W", "256")
    fill(page, "H", "256")
    section(page, "Keyframes")
    fill(page, "max_frames", str(frames))
    page.keyboard.press("Tab")


@ON_BOTH_SITES
def test_the_tab_loads_without_errors_and_looks_right_at_1280_and_1920(page, site, screenshots):
    # The page runs keyframes.js and applies style.css (the WebUI links both into its page).
    assert page.evaluate("window.keyframesTabLoaded === true")
    assert page.eval_on_selector("#keyframes_help", "e => getComputedStyle(e).display") == "none"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        section(page, "Run")
        page.screenshot(path=shot(screenshots, site, f"tab-run-{width}.png"), full_page=True)
        section(page, "Keyframes")
        subtab(page, "Motion")
        page.screenshot(path=shot(screenshots, site, f"tab-keyframes-motion-{width}.png"),
                        full_page=True)
        section(page, "Prompts")
        page.screenshot(path=shot(screenshots, site, f"tab-prompts-{width}.png"),
                        full_page=True)
        # No label is cut: every visible label fits its box.
        cut = page.evaluate("""() => [...document.querySelectorAll(
              '#keyframes_settings label span, #keyframes_side button')]
            .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.trim())""")
        assert cut == [], f"cut labels at {width}px: {cut}"
    assert page.console.problems == []


def test_hover_help_comes_from_the_schema(page):
    section(page, "Keyframes")
    subtab(page, "Motion")
    page.hover("#keyframes_zoom textarea")
    title = page.get_attribute("#keyframes_zoom", "title")
    assert title and title.startswith(BY_NAME["zoom"].help)
    assert "Syntax" in page.inner_text("#keyframes_tab_keyframes") or \
        "frame: (value)" in page.inner_text("#keyframes_tab_keyframes")


@ON_BOTH_SITES
def test_a_broken_schedule_shows_its_error_under_the_field_and_fixing_it_redraws_the_plot(page):
    section(page, "Keyframes")
    subtab(page, "Motion")
    before = plot_source(page)
    fill(page, "zoom", "0: (1.0), 30: (1.0+tt)")
    error = page.wait_for_selector("#keyframes_error_zoom", state="visible", timeout=10_000)
    message = error.inner_text()
    assert "keyframe 2" in message and "column" in message and "tt" in message
    assert plot_source(page) == before  # a broken schedule never draws a wrong plot
    fill(page, "zoom", "0: (1.0), 60: (1.5)")
    page.wait_for_selector("#keyframes_error_zoom", state="hidden", timeout=10_000)
    after = wait_plot_change(page, before)
    assert after != before
    assert page.console.problems == []


def test_generate_is_refused_with_the_list_of_problems(page, server):
    runs_before = server.run_folders()
    section(page, "Keyframes")
    subtab(page, "Strength")
    fill(page, "strength_schedule", "0: (0.5), 10: (1.5)")
    page.click("#keyframes_generate")
    problems = page.wait_for_selector("#keyframes_problems", state="visible", timeout=10_000)
    text = problems.inner_text()
    assert "strength_schedule" in text and "frame" in text
    assert server.run_folders() == runs_before  # nothing was started


def test_switching_modes_shows_what_applies_and_keeps_values(page):
    section(page, "Keyframes")
    subtab(page, "Motion")
    fill(page, "angle", "0: (3)")
    assert page.is_visible("#keyframes_zoom")
    assert not page.is_visible("#keyframes_translation_z")
    page.click("#keyframes_animation_mode label:has-text('3D')")
    page.wait_for_selector("#keyframes_translation_z", state="visible", timeout=10_000)
    assert not page.is_visible("#keyframes_zoom")
    subtab(page, "Depth Warping & FOV")
    assert page.is_visible("#keyframes_fov_schedule")
    page.click("#keyframes_animation_mode label:has-text('Interpolation')")
    subtab(page, "Motion")
    page.wait_for_selector("#keyframes_translation_x", state="hidden", timeout=10_000)
    assert "Nothing here applies in Interpolation mode" in page.inner_text(
        "#keyframes_tab_motion")
    page.click("#keyframes_animation_mode label:has-text('2D')")
    page.wait_for_selector("#keyframes_angle", state="visible", timeout=10_000)
    assert page.input_value("#keyframes_angle textarea") == "0: (3)"


def test_a_preset_fills_the_fields(page):
    preset = json.loads((SHIPPED_PRESETS / "3d-fly-through.json").read_text())["settings"]
    page.click("#keyframes_preset input")
    page.click("ul.options li:has-text('3d-fly-through')")
    page.click("#keyframes_preset_load")
    page.wait_for_function(
        "() => document.querySelector('#keyframes_preset_status').innerText.includes('Loaded')")
    section(page, "Keyframes")
    assert page.is_checked("#keyframes_animation_mode input[value='3D']")
    subtab(page, "Motion")
    assert page.input_value("#keyframes_translation_z textarea") == preset["translation_z"]


def test_preview_motion_plays_a_video(page):
    small_run(page, 60)
    started = time.monotonic()
    page.click("#keyframes_preview")
    state = video_state(page, timeout_s=60)
    seconds = time.monotonic() - started
    assert state["duration"] == pytest.approx(60 / 15, abs=0.2)
    assert wait_progress(page, r"Preview: 60 frames")
    print(f"preview motion of 60 frames: {seconds:.1f} s in the browser")
    assert page.console.problems == []


@ON_BOTH_SITES
def test_generate_interrupt_then_resume_gives_every_frame(page, site, screenshots):
    small_run(page, 40)
    page.focus("#keyframes_max_frames input")
    page.keyboard.press("Control+Enter")  # the shortcut for Generate (the WebUI's, in it)
    wait_progress(page, r"Frame ([2-9]|[1-3]\d) of 40")
    page.screenshot(path=shot(screenshots, site, "tab-generating-1280.png"), full_page=True)
    page.click("#keyframes_interrupt")
    found = wait_progress(page, r"Interrupted after (\d+) of 40")
    assert 0 < int(found.group(1)) < 40
    page.click("#keyframes_resume")
    wait_progress(page, r"Done: 40 of 40 frames")
    state = video_state(page)
    assert state["duration"] == pytest.approx(40 / 15, abs=0.2)
    folder = page.input_value("#keyframes_folder textarea")
    frames = sorted(p.name for p in __import__("pathlib").Path(folder).glob("frame_*.png"))
    assert len(frames) == 40
    assert page.is_visible("#keyframes_frames")
    assert "flicker" in page.inner_text("#keyframes_report")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.screenshot(path=shot(screenshots, site, f"tab-result-{width}.png"),
                        full_page=True)
    assert page.console.problems == []
    # The last used settings come back on the next visit.
    open_keyframes(page, site)
    section(page, "Keyframes")
    page.wait_for_function(
        "() => document.querySelector('#keyframes_max_frames input').value === '40'")
    # The run is listed with its state.
    page.click("#keyframes_results > .tab-nav button:text-is('Runs')")
    page.wait_for_selector("#keyframes_runs :text('done 40/40')", timeout=10_000)
