"""Input files through the REST API: every path setting is confined to the folders the WebUI's
owner allows, whatever its switches; a path outside gets the same 422 whether it names a file,
nothing or a folder; the API cannot widen the folders; a huge image is one line and leaves
nothing behind; errors show file names, not the server's folders."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from lib_animation.schema import Settings
from lib_animation.settings_files import dumps_settings
from tests.inputs.media_files import png_claiming, write_png, write_test_video, write_wav
from tests.inputs.test_inputs_allowed import CASES, READ_BY
from tests.inputs.test_inputs_urls import RED
from tests.inputs.web_server import web_server
from tests.webui.harness import SMALL, manager, start, wait


def _output_dir() -> Path:
    from lib_animation.webui.options import current_options

    return current_options().output_dir


def _inputs_dir() -> Path:
    from modules import paths_internal

    folder = Path(paths_internal.data_path) / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _inside_files() -> dict[str, str]:
    """A real file inside the allowed folders for every path setting."""
    folder = _inputs_dir()
    image = write_png(folder / "inside.png")
    return {
        "init_image": str(image),
        "mask_file": str(image),
        "color_coherence_image_path": str(image),
        "video_init_path": str(write_test_video(folder / "inside.mp4", count=6)),
        "video_mask_path": str(folder / "inside.mp4"),
        "soundtrack_path": str(write_wav(folder / "inside.wav")),
        "audio_path": str(folder / "inside.wav"),
        # ControlNet units: a control video, a mask image
        **{f"cn_{unit}_vid_path": str(folder / "inside.mp4") for unit in range(1, 6)},
        **{f"cn_{unit}_mask_vid_path": str(image) for unit in range(1, 6)},
    }


def _outside_targets(tmp_path: Path) -> list[Path]:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    secret = write_png(outside / "secret.png", (255, 0, 0))
    return [secret, outside / "gone.png", outside]


def _staged_left() -> list[Path]:
    staged = _output_dir() / ".inputs"
    return list(staged.iterdir()) if staged.exists() else []


def test_every_path_setting_has_api_cases():
    assert {name for name, _ in CASES} == set(READ_BY)


@pytest.mark.parametrize("route", ["/keyframes/v1/jobs", "/keyframes/v1/validate"])
@pytest.mark.parametrize(("name", "switches"), CASES)
def test_a_path_outside_gets_the_same_422_whatever_it_names(fake_webui, tmp_path, route, name,
                                                            switches):
    webui = start(fake_webui)
    client = webui.client()
    inside = _inside_files()
    answers = []
    for target in _outside_targets(tmp_path):
        body = {**SMALL, **inside, **switches, name: str(target)}
        answer = client.post(route, json=body)
        assert answer.status_code == 422, (target, answer.text)
        answers.append(answer.json())
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["detail"]["error"].startswith(f"{name}: ")
    assert str(tmp_path) not in json.dumps(answers[0])
    assert manager().jobs() == [] and _staged_left() == []


@pytest.mark.parametrize(("name", "switches"), CASES)
def test_a_path_inside_is_read(fake_webui, name, switches):
    webui = start(fake_webui, controlnet=name.startswith("cn_"))
    body = {**SMALL, **_inside_files(), **switches}
    answer = webui.client().post("/keyframes/v1/validate", json=body)
    assert answer.status_code == 200, answer.text


def test_a_deforum_hybrid_job_renders_in_the_webui_without_a_warning(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    video = write_test_video(_inputs_dir() / "hybrid.mp4", count=5)
    deforum = {**SMALL, "animation_mode": "3D", "use_depth_warping": False,
               "video_init_path": str(video),
               "hybrid_generate_inputframes": True, "hybrid_generate_human_masks": "None",
               "hybrid_composite": "Before Motion", "hybrid_motion": "Optical Flow",
               "hybrid_flow_method": "DIS Medium", "hybrid_comp_mask_type": "Video Depth"}
    answer = client.post("/keyframes/v1/jobs", json=deforum)
    assert answer.status_code == 202, answer.text
    assert answer.json()["warnings"] == []
    job = client.get(f"/keyframes/v1/jobs/{wait(answer.json()['id']).id}").json()
    assert job["state"] == "done", job["error"]
    assert job["frame"] == job["frames"] == 5


def test_a_one_frame_hybrid_video_is_422_before_any_job(fake_webui):
    webui = start(fake_webui)
    short = write_test_video(_inputs_dir() / "one.mp4", count=1)
    for route in ("/keyframes/v1/jobs", "/keyframes/v1/validate"):
        answer = webui.client().post(route, json={
            **SMALL, "hybrid_motion": "Optical Flow", "video_init_path": str(short)})
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]["error"] == (
            "video_init_path: gives 1 frame; hybrid video needs at least 2 (its composite and "
            "motion start at frame 1)")
    assert manager().jobs() == []


def test_api_clients_cannot_widen_the_allowed_folders_through_the_webuis_options(fake_webui,
                                                                                 tmp_path):
    webui = start(fake_webui)
    client = webui.client()
    widened = {"outdir_samples": "/", "outdir_img2img_samples": "/", "outdir_init_images": "/",
               "outdir_txt2img_samples": "/", "outdir_save": "/", "keyframes_input_dirs": "/"}
    assert client.post("/sdapi/v1/options", json=widened).status_code == 200
    secret = _outside_targets(tmp_path)[0]
    for route in ("/keyframes/v1/jobs", "/keyframes/v1/validate"):
        answer = client.post(route, json={**SMALL, "use_init": True, "init_image": str(secret)})
        assert answer.status_code == 422
        assert answer.json()["detail"]["error"].startswith("init_image: ")
    assert manager().jobs() == []


def test_an_image_claiming_a_huge_size_is_422_and_leaves_no_upload_behind(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    bomb = "data:image/png;base64," + base64.b64encode(png_claiming(100_000, 100_000)).decode()
    for route in ("/keyframes/v1/jobs", "/keyframes/v1/validate"):
        answer = client.post(route, json={**SMALL, "use_init": True, "init_image": bomb})
        assert answer.status_code == 422, answer.text
        error = answer.json()["detail"]["error"]
        assert error.startswith("init_image: ") and "too large" in error
        assert _staged_left() == []
    assert manager().jobs() == []


def test_errors_about_files_inside_name_the_file_not_the_folder(fake_webui):
    webui = start(fake_webui)
    folder = _inputs_dir()
    (folder / "junk.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(30))
    for text in (str(folder / "gone.png"), str(folder / "junk.png"), str(folder)):
        answer = webui.client().post("/keyframes/v1/validate",
                                     json={**SMALL, "use_init": True, "init_image": text})
        assert answer.status_code == 422
        error = answer.json()["detail"]["error"]
        assert error.startswith("init_image: ") and str(folder.parent) not in error, error


@pytest.mark.parametrize("kind", ["file", "flat"])
def test_a_number_sent_as_text_is_read_with_a_warning_naming_the_setting(fake_webui, kind):
    webui = start(fake_webui)
    document = json.loads(dumps_settings(Settings(SMALL)))
    document["settings"]["W"] = "64"
    body = document if kind == "file" else {**SMALL, "W": "64"}
    answer = webui.client().post("/keyframes/v1/validate", json=body)
    assert answer.status_code == 200, answer.text
    assert any(warning.startswith("W: ") for warning in answer.json()["warnings"])


def test_the_api_refuses_urls_unless_the_owner_allows_them(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    from modules import shared

    with web_server({"/red.png": RED}) as base:
        body = {**SMALL, "use_init": True, "init_image": f"{base}/red.png"}
        refused = client.post("/keyframes/v1/validate", json=body)
        assert refused.status_code == 422
        assert refused.json()["detail"]["error"].startswith(
            "init_image: is a URL, and this WebUI does not fetch URLs for API jobs")
        assert client.post("/sdapi/v1/options", json={"keyframes_allow_urls": True})
        assert client.post("/keyframes/v1/validate", json=body).status_code == 422

        shared.opts.set("keyframes_allow_urls", True)  # the owner, in Settings
        assert client.post("/keyframes/v1/validate", json=body).status_code == 200
        answer = client.post("/keyframes/v1/jobs", json=body)
        assert answer.status_code == 202, answer.text
    assert manager().jobs()[0].id == answer.json()["id"]


def test_the_api_refuses_a_manifest_url_unless_allowed_and_a_path_outside_the_folders(
        fake_webui, tmp_path):
    webui = start(fake_webui)
    client = webui.client()
    from modules import shared

    manifest = json.dumps({"rendered_frames": [{"frame": 0, "strength": 0.5}]})
    outside = tmp_path / "m.json"
    outside.write_text(manifest, encoding="utf-8")
    refused = client.post("/keyframes/v1/validate", json={**SMALL, "parseq_manifest": str(outside)})
    assert refused.status_code == 422
    assert refused.json()["detail"]["error"].startswith("parseq_manifest: is outside the folders")
    with web_server({"/m.json": manifest.encode()}) as base:
        body = {**SMALL, "parseq_manifest": f"{base}/m.json"}
        refused = client.post("/keyframes/v1/validate", json=body)
        assert refused.status_code == 422
        assert refused.json()["detail"]["error"].startswith("parseq_manifest: is a URL")
        shared.opts.set("keyframes_allow_urls", True)  # the owner, in Settings
        answer = client.post("/keyframes/v1/plan", json=body)
        assert answer.status_code == 200, answer.text
    inline = client.post("/keyframes/v1/validate",
                         json={**SMALL, "parseq_manifest": '{"rendered_frames": [{"frame": 2}]}'})
    assert inline.status_code == 422 and "frame 0 is missing" in inline.text


def test_a_guide_image_outside_the_allowed_folders_is_422_naming_its_keyframe(fake_webui,
                                                                              tmp_path):
    webui = start(fake_webui)
    inside = str(write_png(_inputs_dir() / "guide.png"))
    secret = _outside_targets(tmp_path)[0]
    images = {"0": inside, "max_f/2": str(secret)}
    for route in ("/keyframes/v1/jobs", "/keyframes/v1/validate"):
        answer = webui.client().post(route, json={**SMALL, "use_looper": True,
                                                  "init_images": images})
        assert answer.status_code == 422, answer.text
        error = answer.json()["detail"]["error"]
        assert error.startswith("init_images, keyframe 2: is outside the folders"), error
        assert str(tmp_path) not in error
    assert manager().jobs() == [] and _staged_left() == []


def test_guide_images_may_be_sent_inline_or_from_an_allowed_folder(fake_webui):
    webui = start(fake_webui)
    inside = str(write_png(_inputs_dir() / "guide.png"))
    inline = "data:image/png;base64," + base64.b64encode(Path(inside).read_bytes()).decode()
    for images in ({"0": inside, "3": inline}, json.dumps({"0": inline})):
        answer = webui.client().post("/keyframes/v1/validate", json={
            **SMALL, "use_looper": True, "init_images": images})
        assert answer.status_code == 200, answer.text


def test_a_guide_image_url_is_refused_when_the_owner_did_not_allow_urls(fake_webui):
    webui = start(fake_webui)
    answer = webui.client().post("/keyframes/v1/validate", json={
        **SMALL, "use_looper": True, "init_images": {"0": "https://deforum.github.io/a1/Gi1.png"}})
    assert answer.status_code == 422
    assert answer.json()["detail"]["error"].startswith("init_images, keyframe 1: is a URL")


def test_a_shipped_preset_reads_the_files_shipped_beside_it(fake_webui):
    webui = start(fake_webui)
    body = {"preset": "audio-reactive",
            "overrides": {"W": 64, "H": 64, "max_frames": 6, "steps": 4}}
    answer = webui.client().post("/keyframes/v1/validate", json=body)
    assert answer.status_code == 200, answer.text
