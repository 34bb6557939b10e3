"""Core types that travel through a pipeline run.

A *source* is a document; a *chunk* is a span of a source; *evidence* is the
numbered chunks a model sees; an answer's sentences carry *citations* (``[n]``)
and each sentence gets a *check*.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Answer",
    "AskResult",
    "Check",
    "Chunk",
    "EvidenceItem",
    "ScoredChunk",
    "Sentence",
    "Source",
    "Span",
    "Usage",
    "Verdict",
]

Verdict = Literal["supported", "partial", "unsupported", "uncited", "no_claim"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Model):
    """A document as read: where it came from and its full text."""

    id: str
    title: str = ""
    url: str | None = None
    path: str | None = None
    retrieved_at: datetime
    content_hash: str
    text: str


class Chunk(_Model):
    """A span ``[start, end)`` of a source's text."""

    id: str
    source_id: str
    title: str = ""
    url: str | None = None
    start: int
    end: int
    text: str


class ScoredChunk(_Model):
    """A chunk with the score the last ranking step gave it."""

    chunk: Chunk
    score: float
    scores: dict[str, float] = Field(default_factory=dict)


class EvidenceItem(_Model):
    """One numbered chunk shown to the model."""

    n: int
    source_id: str
    chunk_id: str
    title: str
    url: str | None
    start: int
    end: int
    text: str


class Span(_Model):
    """Where in a cited chunk the best support for a sentence was found."""

    n: int
    start: int
    end: int
    text: str


class Check(_Model):
    """The verdict on one sentence against the chunks it cites."""

    verdict: Verdict
    score: float
    span: Span | None = None
    verifier: str
    action: Literal["kept", "dropped"] = "kept"
    invalid_citations: list[int] = Field(default_factory=list)


class Sentence(_Model):
    """A sentence of the answer, its valid citations, and (after verify) its check."""

    text: str
    citations: list[int] = Field(default_factory=list)
    invalid_citations: list[int] = Field(default_factory=list)
    check: Check | None = None


class Usage(_Model):
    """Tokens and cost of the model calls in a run; cost is None when unknown."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None
    cached: bool = False
    calls: int = 0


class Answer(_Model):
    """A model's answer split into sentences, with the evidence it was shown."""

    text: str
    model: str
    sentences: list[Sentence]
    evidence: list[EvidenceItem]
    usage: Usage = Field(default_factory=Usage)


class AskResult(_Model):
    """What ``citewise ask --json`` prints and ``citewise.ask`` returns.

    The schema is stable: fields are added, never renamed or removed, within a
    ``schema_version``.
    """

    schema_version: Literal[1] = 1
    run_id: str
    question: str
    pipeline: str
    model: str
    answer: str
    sentences: list[Sentence]
    evidence: list[EvidenceItem]
    usage: Usage
    timings: dict[str, float] = Field(description="seconds per step, and 'total'")
