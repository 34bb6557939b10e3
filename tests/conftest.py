"""Shared fixtures: an isolated data directory, the real datasets, the demo corpus."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _data_dir() -> Path:
    override = os.environ.get("CITEWISE_DATA_DIR")
    return Path(override) if override else ROOT.parent / "shared" / "datasets"


DATA = _data_dir()


@pytest.fixture(scope="session", autouse=True)
def citewise_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session writes corpora, caches and records under a new folder."""
    from citewise.cache import clear_caches

    home = tmp_path_factory.mktemp("citewise-home")
    previous = os.environ.get("CITEWISE_HOME")
    os.environ["CITEWISE_HOME"] = str(home)
    os.environ["CITEWISE_DATA_DIR"] = str(DATA)
    clear_caches()
    yield home
    if previous is None:
        os.environ.pop("CITEWISE_HOME", None)
    else:
        os.environ["CITEWISE_HOME"] = previous


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared datasets folder; the suite fails loudly when it is missing."""
    assert (DATA / "clapnq" / "dev_answerable.jsonl").is_file(), (
        f"datasets not at {DATA}"
    )
    return DATA


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope="session")
def clapnq_answerable(data_dir: Path) -> list[dict[str, Any]]:
    """The 300 answerable ClapNQ dev rows."""
    return read_jsonl(data_dir / "clapnq" / "dev_answerable.jsonl")


@pytest.fixture(scope="session")
def wiki(data_dir: Path, citewise_home: Path) -> str:
    """The demo corpus: all 600 ClapNQ passages ingested once per session."""
    from citewise.api import ingest

    report = ingest([data_dir / "clapnq"], corpus="wiki")
    assert report.added + report.unchanged == 600
    return "wiki"


@pytest.fixture
def tagus_docs(tmp_path: Path) -> Path:
    """A folder holding one short text source about the Tagus."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "The Tagus is the longest river of Iberia.\n", "utf-8"
    )
    return folder
