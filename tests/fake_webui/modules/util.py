"""Small helpers of the host's ``modules/util.py``."""

from pathlib import Path


def _absolute(path) -> Path:
    """``path`` made absolute against the working directory; symlinks are kept."""
    path = Path(path)
    return path if path.is_absolute() else Path.cwd() / path


def truncate_path(target_path, base_path=Path.cwd()):  # noqa: B008  (the host's default)
    """``target_path`` relative to ``base_path`` (the working directory the WebUI started in)
    when it lies inside it, else absolute."""
    target, base = _absolute(target_path), _absolute(base_path)
    if target.is_relative_to(base):
        return str(target.relative_to(base))
    return str(target)
