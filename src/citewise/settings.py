"""Where citewise keeps its files, and where it reads datasets from."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = [
    "builtin_pipeline_dirs",
    "cache_dir",
    "data_dir",
    "home",
    "repo_root",
    "runs_dir",
    "write_atomic",
]


def home() -> Path:
    """The data directory: ``$CITEWISE_HOME``, else the platform's user data dir."""
    override = os.environ.get("CITEWISE_HOME")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("citewise", appauthor=False))


def cache_dir() -> Path:
    """The diskcache directory: under ``$CITEWISE_HOME`` if set, else the user cache."""
    override = os.environ.get("CITEWISE_HOME")
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir("citewise", appauthor=False))


def runs_dir() -> Path:
    """Where run records are written."""
    return home() / "runs"


def repo_root() -> Path | None:
    """The source checkout this package runs from, if it runs from one."""
    candidate = Path(__file__).resolve().parents[2]
    return candidate if (candidate / "pipelines").is_dir() else None


def builtin_pipeline_dirs() -> list[Path]:
    """Folders of the shipped pipelines: inside the wheel, and in a source checkout."""
    dirs = [Path(__file__).resolve().parent / "pipelines"]
    root = repo_root()
    if root is not None:
        dirs.append(root / "pipelines")
    return dirs


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def data_dir() -> Path:
    """Datasets: ``$CITEWISE_DATA_DIR``, else ``../shared/datasets`` by the checkout,
    else ``datasets`` under the data directory (where ``citewise data fetch`` writes).
    """
    override = os.environ.get("CITEWISE_DATA_DIR")
    if override:
        return Path(override).expanduser()
    root = repo_root()
    if root is not None and (root.parent / "shared" / "datasets").is_dir():
        return root.parent / "shared" / "datasets"
    return home() / "datasets"
