"""The public Python API: ``citewise.ask`` and ``citewise.ingest``.

A built pipeline is kept per (file, modification time, overrides), so asking
many questions from a notebook reuses warm indexes and compiled prompts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from citewise.errors import InputError
from citewise.pipeline.builder import Pipeline, build
from citewise.pipeline.loader import LoadedPipeline, load
from citewise.records import new_run_id, write_record
from citewise.sources.corpus import Corpus, IngestReport, Progress, get_corpus
from citewise.sources.readers import read_sources
from citewise.types import Answer, AskResult, Usage

__all__ = ["DEFAULT_PIPELINE", "ask", "ingest", "load_pipeline", "result_from_state"]

DEFAULT_PIPELINE = "answer"
MAX_QUESTION_CHARS = 2000
_BUILT: dict[tuple[str, float, tuple[str, ...]], Pipeline] = {}
_LOCK = threading.Lock()


def _overrides(
    loaded: LoadedPipeline, corpus: str | None, model: str | None, extra: list[str]
) -> list[str]:
    """``--corpus`` and ``--model`` as overrides of every step that has such a field."""
    out: list[str] = []
    for option, value in (("corpus", corpus), ("model", model)):
        if value is None:
            continue
        # JSON-quoted, so a corpus named 2024 or yes stays a string.
        targets = [
            s.spec.id for s in loaded.steps if option in type(s.params).model_fields
        ]
        if not targets:
            raise InputError(
                f"--{option} {value!r}: no step of pipeline {loaded.spec.name!r} "
                f"({loaded.file}) has a {option!r} parameter"
            )
        out.extend(f"{step_id}.{option}={json.dumps(value)}" for step_id in targets)
    return out + extra


def load_pipeline(
    pipeline: str | Path = DEFAULT_PIPELINE,
    *,
    corpus: str | None = None,
    model: str | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
) -> LoadedPipeline:
    """Load a pipeline with the same options ``citewise ask`` takes."""
    extra = _as_list(overrides)
    if corpus is None and model is None:
        return load(pipeline, extra)
    first = load(pipeline, extra)
    return load(pipeline, _overrides(first, corpus, model, extra))


def _pipeline(loaded: LoadedPipeline, key_overrides: tuple[str, ...]) -> Pipeline:
    path = Path(loaded.file)
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    key = (str(path.resolve()), stamp, key_overrides)
    with _LOCK:
        if key not in _BUILT:
            _BUILT[key] = build(loaded)
        return _BUILT[key]


def result_from_state(
    state: dict[str, Any], pipeline: Pipeline, run_id: str
) -> AskResult:
    """The ``AskResult`` of a finished run: the last answer and every step's timing."""
    answers = [v for v in state["outputs"].values() if isinstance(v, Answer)]
    answer = answers[-1] if answers else None
    return AskResult(
        run_id=run_id,
        question=state["context"].question,
        pipeline=pipeline.name,
        model=answer.model if answer else "",
        answer=answer.text if answer else "",
        sentences=answer.sentences if answer else [],
        evidence=answer.evidence if answer else [],
        usage=answer.usage if answer else Usage(),
        timings={k: round(v, 6) for k, v in state["timings"].items()},
    )


def ask(
    question: str,
    *,
    pipeline: str | Path = DEFAULT_PIPELINE,
    corpus: str | None = None,
    model: str | None = None,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    use_cache: bool = True,
    record: bool = True,
) -> AskResult:
    """Answer ``question`` through a pipeline; the result is what ``ask --json`` prints.

    Args:
        question: the question.
        pipeline: a pipeline file, or the name of one (``answer``).
        corpus: sets ``corpus`` on every step that has it.
        model: sets ``model`` on every step that has it.
        overrides: ``{"generate.max_tokens": 200}`` or ``["generate.max_tokens=200"]``.
        use_cache: False bypasses the model-call cache.
        record: write a run record.
    """
    question = question.strip()
    if not question:
        raise InputError("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"the question is {len(question)} characters long; at most "
            f"{MAX_QUESTION_CHARS} are accepted"
        )
    extra = _as_list(overrides)
    loaded = load_pipeline(pipeline, corpus=corpus, model=model, overrides=extra)
    key = (*sorted(extra), f"corpus={corpus}", f"model={model}")
    built = _pipeline(loaded, key)
    state = built.invoke(question, use_cache=use_cache)
    result = result_from_state(state, built, new_run_id())
    if record:
        models = sorted(
            {a.model for a in state["outputs"].values() if isinstance(a, Answer)}
        )
        write_record(result, loaded.file, loaded.resolved(), models)
    return result


def _as_list(overrides: Mapping[str, Any] | Iterable[str]) -> list[str]:
    if isinstance(overrides, Mapping):
        return [f"{k}={v}" for k, v in overrides.items()]
    return list(overrides)


def ingest(
    paths: Iterable[str | Path], corpus: str = "wiki", progress: Progress | None = None
) -> IngestReport:
    """Read sources from files and folders into a corpus; unchanged ones are skipped."""
    target: Corpus = get_corpus(corpus)
    return target.ingest(read_sources([Path(p) for p in paths]), progress)
