"""Run records: what ran, on what, and what came out, written once per run."""

from __future__ import annotations

import hashlib
import platform
import secrets
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from citewise.settings import runs_dir, write_atomic
from citewise.types import AskResult

__all__ = ["RunRecord", "new_run_id", "package_versions", "read_record", "write_record"]

_PACKAGES = (
    "citewise",
    "litellm",
    "langchain-core",
    "chromadb",
    "sentence-transformers",
    "bm25s",
    "llama-cpp-python",
    "pydantic",
    "trafilatura",
)


class RunRecord(BaseModel):
    """Everything needed to understand (and later replay) one run."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    created_at: datetime
    pipeline_file: str
    pipeline: dict[str, Any]
    versions: dict[str, str]
    models: list[str]
    evidence_hashes: dict[int, str]
    result: AskResult


def new_run_id() -> str:
    """A sortable, unique run id: UTC time and random hex."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def write_record(
    result: AskResult, pipeline_file: str, pipeline: dict[str, Any], models: list[str]
) -> Path:
    """Write the run record of ``result``; return its path."""
    record = RunRecord(
        run_id=result.run_id,
        created_at=datetime.now(UTC),
        pipeline_file=pipeline_file,
        pipeline=pipeline,
        versions=package_versions(),
        models=models,
        evidence_hashes={
            e.n: "sha256:" + hashlib.sha256(e.text.encode("utf-8")).hexdigest()
            for e in result.evidence
        },
        result=result,
    )
    target = runs_dir() / f"{result.run_id}.json"
    write_atomic(target, record.model_dump_json(indent=1))
    return target


def read_record(run_id: str) -> RunRecord:
    """The run record with this id."""
    path = runs_dir() / f"{run_id}.json"
    return RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
