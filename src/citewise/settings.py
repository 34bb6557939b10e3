"""Where citewise keeps its files, and where it reads datasets from."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "data_dir", "home", "repo_root", "runs_dir"]


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
