"""``rerank.embedding``: rerank by query similarity, collapse near-duplicates."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from citewise.errors import InputError
from citewise.pipeline.registry import RunContext, Step, StepParams, register
from citewise.sources.embed import DEFAULT_EMBEDDER, embedder_problems, get_embedder
from citewise.text import content_tokens
from citewise.types import ScoredChunk

__all__ = ["EmbeddingRerank", "collapse_near_duplicates"]

_CROSS_LOCK = threading.Lock()


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def collapse_near_duplicates(
    chunks: list[ScoredChunk], threshold: float
) -> list[ScoredChunk]:
    """Keep the first of each group of chunks whose words overlap ≥ ``threshold``."""
    kept: list[tuple[ScoredChunk, set[str]]] = []
    for item in chunks:
        words = set(content_tokens(item.chunk.text))
        if all(_jaccard(words, other) < threshold for _, other in kept):
            kept.append((item, words))
    return [item for item, _ in kept]


@lru_cache(maxsize=2)
def _cross_encoder(name: str) -> Any:
    path = Path(name).expanduser()
    if not path.is_dir():
        raise InputError(
            f"cross-encoder {name!r} is not a local folder; citewise does not download "
            "models at run time (give a sentence-transformers CrossEncoder folder)"
        )
    from sentence_transformers import CrossEncoder

    try:
        return CrossEncoder(str(path), device="cpu")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot load cross-encoder from {name!r}: {exc}") from None


class EmbeddingRerankParams(StepParams):
    """Parameters of ``rerank.embedding``."""

    top_k: int = Field(default=5, ge=1, le=100)
    embedder: str = DEFAULT_EMBEDDER
    cross_encoder: str | None = Field(
        default=None,
        description="folder of a CrossEncoder; replaces embedding similarity",
    )
    retrieval_weight: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="how much the incoming order counts, fused by RRF with the new one",
    )
    dedupe_threshold: float = Field(default=0.8, gt=0.0, le=1.0)


@register
class EmbeddingRerank(Step[EmbeddingRerankParams]):
    """Rerank by query–chunk cosine similarity (or a local cross-encoder).

    The new order is fused with the incoming one by weighted reciprocal rank,
    so a chunk that BM25 found but the embedder misjudges is not thrown away.
    Near-duplicate chunks (Jaccard of content words) are collapsed first.

    ::

        - id: rerank
          use: rerank.embedding
          with: {top_k: 5}
    """

    name: ClassVar[str] = "rerank.embedding"
    Params: ClassVar[type[StepParams]] = EmbeddingRerankParams
    consumes: ClassVar[tuple[str, ...]] = ("chunks",)
    produces: ClassVar[str] = "chunks"

    def check(self) -> list[tuple[str, str, str]]:
        """A cross-encoder must be a local folder: nothing is downloaded at run time."""
        name = self.params.cross_encoder
        if not name:
            return embedder_problems(self.params.embedder)
        if not Path(name).expanduser().is_dir():
            message = (
                f"cross-encoder {name!r} is not a local folder; give the folder of a "
                "sentence-transformers CrossEncoder (nothing is downloaded at run time)"
            )
            return [("model-not-found", "cross_encoder", message)]
        return []

    def _similarities(self, question: str, chunks: list[ScoredChunk]) -> list[float]:
        params = self.params
        texts = [item.chunk.text for item in chunks]
        if params.cross_encoder:
            with _CROSS_LOCK:
                model = _cross_encoder(params.cross_encoder)
                scores = model.predict([(question, text) for text in texts])
            return [float(s) for s in scores]
        embedder = get_embedder(params.embedder)
        query = embedder.encode([question])[0]
        return [float(v) for v in embedder.encode(texts) @ query]

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> list[ScoredChunk]:
        """The ``top_k`` best chunks, best first."""
        params = self.params
        chunks = collapse_near_duplicates(inputs["chunks"], params.dedupe_threshold)
        if not chunks:
            return []
        similarity = self._similarities(ctx.question, chunks)
        by_similarity = sorted(range(len(chunks)), key=lambda i: -similarity[i])
        fused = [0.0] * len(chunks)
        for rank, index in enumerate(by_similarity, start=1):
            fused[index] += (1 - params.retrieval_weight) / (60 + rank)
        for rank in range(1, len(chunks) + 1):
            fused[rank - 1] += params.retrieval_weight / (60 + rank)
        order = sorted(range(len(chunks)), key=lambda i: -fused[i])[: params.top_k]
        return [
            ScoredChunk(
                chunk=chunks[i].chunk,
                score=fused[i],
                scores={
                    **chunks[i].scores,
                    "similarity": similarity[i],
                    "rerank": fused[i],
                },
            )
            for i in order
        ]
