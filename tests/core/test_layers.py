"""The layers stay apart: every import of every module of lib_animation/ (function-level ones
included), read with `ast`, against the layer table the README's architecture picture is drawn
from, the faces' allowed imports, and the rules pixels, writers and readers keep."""

from __future__ import annotations

import ast
from pathlib import Path

from lib_animation.docs import GENERATED, architecture_picture
from lib_animation.layers import LAYERS

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lib_animation"
COMMAND_LINE = ("lib_animation.cli", "lib_animation.render_cli", "lib_animation.batch_cli",
                "lib_animation.__main__")
WEBUI = "lib_animation.webui"
# The core as the faces see it: the run service, the declaration (with the docs drawn from it and
# the schedule grammar its fields are checked with), settings files, presets and jobs, plans and
# their curves (what validate, plan, plot and the tab show before a run), the audio variables as
# Deforum schedules, hosts, errors, numbers.
FACES_API = {
    "lib_animation.runs",
    # Batches, and their Ray executor (imported only when asked for).
    "lib_animation.batches", "lib_animation.batches.ray_executor",
    "lib_animation.schema", "lib_animation.setting_kinds", "lib_animation.docs",
    "lib_animation.schedule",
    "lib_animation.settings_files", "lib_animation.presets", "lib_animation.job_settings",
    "lib_animation.plan", "lib_animation.curves", "lib_animation.parseq_import",
    "lib_animation.audio_schedules",
    "lib_animation.host", "lib_animation.http_host", "lib_animation.host_names",
    "lib_animation.generation_fields",
    "lib_animation.controlnet_settings", "lib_animation.control_units",
    "lib_animation.errors", "lib_animation.numbers",
}  # fmt: skip
SETTINGS_SIDE = {"lib_animation.schema", "lib_animation.setting_kinds", "lib_animation.plan",
                 "lib_animation.prompts"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _named(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement names, relative ones made absolute."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".")[: None if path.name == "__init__.py" else -1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _imports(module: str, path: Path) -> set[str]:
    """The lib_animation modules `module` imports anywhere in its file, with the packages each
    import runs first (its own packages run anyway, so they do not count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for name in _named(module, path, node):
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                if target in MODULES and not module.startswith(target + ".") and target != module:
                    found.add(target)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _dotted(entry: str) -> str:
    return "lib_animation." + entry.removesuffix(".py").removesuffix("/")


def _layers_of(module: str) -> list[str]:
    return [layer.name for layer in LAYERS for entry in layer.modules
            if module == _dotted(entry) or (entry.endswith("/") and _under(module, _dotted(entry)))]


def _layer_of(module: str) -> str | None:
    return next(iter(_layers_of(module)), None)


def _edges_out_of(layer_name: str) -> set[str]:
    return {_layer_of(target) for module, targets in GRAPH.items()
            if _layer_of(module) == layer_name for target in targets} - {layer_name}


def _circle() -> list[str]:
    """One import circle as the modules along it (the first again at the end), or []."""
    on_path: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> list[str]:
        on_path.append(module)
        for target in sorted(GRAPH[module]):
            if target in on_path:
                return [*on_path[on_path.index(target):], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        on_path.pop()
        done.add(module)
        return []

    for module in sorted(GRAPH):
        if module not in done:
            found = visit(module)
            if found:
                return found
    return []


def _imported_by(package: str, forbidden) -> list[str]:
    return [f"{module} imports {target}" for module in sorted(GRAPH) if _under(module, package)
            for target in sorted(GRAPH[module]) if forbidden(target)]


def test_no_import_circle():
    assert _circle() == []


def test_pixels_and_writers_get_numbers_not_settings_plans_or_prompts():
    for package in ("lib_animation.motion", "lib_animation.imaging", "lib_animation.output"):
        assert _imported_by(package, SETTINGS_SIDE.__contains__) == []


def test_reading_inputs_depends_on_nothing_the_run_writes_with():
    assert _imported_by("lib_animation.inputs",
                        lambda target: _under(target, "lib_animation.output")) == []


def _face_imports(faces: list[str]) -> list[str]:
    def is_face(module: str) -> bool:
        return module in COMMAND_LINE or _under(module, WEBUI)

    return [f"{face} imports {target}" for face in faces for target in sorted(GRAPH[face])
            if target not in FACES_API and not is_face(target)]


def test_the_command_line_takes_only_the_faces_api_from_the_core():
    assert _face_imports(list(COMMAND_LINE)) == []


def test_the_webui_adapter_takes_only_the_faces_api_from_the_core():
    assert _face_imports([module for module in GRAPH if _under(module, WEBUI)]) == []


def test_every_module_is_in_one_layer_and_every_layer_entry_is_a_module():
    # The package's own __init__ holds only its version; every module runs it anyway.
    layered = [module for module in MODULES if module != "lib_animation"]
    assert [module for module in layered if len(_layers_of(module)) != 1] == []
    entries = [entry for layer in LAYERS for entry in layer.modules]
    assert [entry for entry in entries if _dotted(entry) not in MODULES] == []


def test_layers_import_only_layers_below_them():
    names = [layer.name for layer in LAYERS]
    for position, layer in enumerate(LAYERS):
        assert set(layer.imports) <= set(names[position + 1:]), layer.name


def test_imports_follow_the_layers():
    allowed = {layer.name: {layer.name, *layer.imports} for layer in LAYERS}
    crossing = [f"{module} ({_layer_of(module)}) imports {target} ({_layer_of(target)})"
                for module in sorted(GRAPH) if not _under(module, WEBUI)
                for target in sorted(GRAPH[module])
                if _layer_of(target) not in allowed[_layer_of(module)]]
    assert crossing == [], "keep to the layers, or change lib_animation/layers.py and the README"


def test_every_import_the_picture_shows_is_made():
    unused = [f"{layer.name} -> {name}" for layer in LAYERS for name in layer.imports
              if name not in _edges_out_of(layer.name)]
    assert unused == [], "remove it from lib_animation/layers.py"


def test_readme_shows_the_architecture_picture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"<!-- architecture:start {GENERATED} -->")
    end = readme.index("<!-- architecture:end -->")
    assert architecture_picture() in readme[start:end], (
        "run: python -m lib_animation docs --write README.md")
