"""Hosts Keyframes does not support say so; the depth model is released after a run unless kept."""

from __future__ import annotations

from tests.webui.harness import start


def test_sdnext_and_gradio_4_are_named_as_unsupported(fake_webui, monkeypatch):
    start(fake_webui)
    import gradio
    from modules import shared

    from lib_animation.webui import compat

    assert compat.problems() == [] and compat.flavour() == "a1111"
    monkeypatch.setattr(shared, "native", True, raising=False)
    assert compat.flavour() == "sdnext"
    assert any("SD.Next" in problem.what for problem in compat.problems())
    monkeypatch.delattr(shared, "native")
    monkeypatch.setattr(gradio, "__version__", "4.40.0")
    [problem] = compat.problems()
    assert "gradio 4.40.0" in problem.what and "--host webui" in problem.fix


def test_the_depth_model_is_released_after_a_run_unless_kept(fake_webui):
    start(fake_webui)
    from modules import shared

    from lib_animation.webui.host import WebUISession

    session = WebUISession()
    released = []
    session.depth_cache.unload = lambda: released.append(True)
    session.after_run()
    assert released == [True]
    shared.opts.set("keyframes_keep_depth_model", True)
    session.after_run()
    assert released == [True]
    options = session.render_options()
    assert options.depth_cache is session.depth_cache
    assert options.models_dir.name == "Keyframes" and options.models_dir.parent.name == "models"
