"""``retrieve.hybrid``: dense (chromadb) and BM25 (bm25s) search fused by RRF."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from citewise.pipeline.registry import RunContext, Step, StepParams, register
from citewise.sources.corpus import get_corpus
from citewise.sources.embed import DEFAULT_EMBEDDER, embedder_problems, get_embedder
from citewise.types import ScoredChunk

__all__ = ["HybridRetrieve", "reciprocal_rank_fusion"]


def reciprocal_rank_fusion(
    rankings: dict[str, list[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: each id scores the sum of ``1 / (k + rank)``.

    Follows Cormack, Clarke and Büttcher (SIGIR 2009); ties keep first-seen order.
    """
    scores: dict[str, float] = {}
    for ranking in rankings.values():
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


class HybridParams(StepParams):
    """Parameters of ``retrieve.hybrid``."""

    corpus: str = "wiki"
    top_k: int = Field(default=20, ge=1, le=500)
    candidates: int = Field(default=50, ge=1, le=2000, description="per retriever")
    rrf_k: int = Field(default=60, ge=1)
    embedder: str = DEFAULT_EMBEDDER


@register
class HybridRetrieve(Step[HybridParams]):
    """Search a corpus with dense vectors and BM25, fuse the two rankings by RRF.

    ::

        - id: retrieve
          use: retrieve.hybrid
          with: {corpus: wiki, top_k: 20}
    """

    name: ClassVar[str] = "retrieve.hybrid"
    Params: ClassVar[type[StepParams]] = HybridParams
    produces: ClassVar[str] = "chunks"

    def check(self) -> list[tuple[str, str, str]]:
        """The embedding model must be the shipped MiniLM or a local folder."""
        return embedder_problems(self.params.embedder)

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> list[ScoredChunk]:
        """The ``top_k`` fused chunks for the run's question."""
        params = self.params
        corpus = get_corpus(params.corpus, params.embedder)
        corpus.require()
        vector = get_embedder(params.embedder).encode([ctx.question])[0]
        dense = corpus.search_dense(vector.tolist(), params.candidates)
        sparse = corpus.search_bm25(ctx.question, params.candidates)
        fused = reciprocal_rank_fusion(
            {"dense": [cid for cid, _ in dense], "bm25": [cid for cid, _ in sparse]},
            params.rrf_k,
        )
        dense_scores, sparse_scores = dict(dense), dict(sparse)
        return [
            ScoredChunk(
                chunk=corpus.chunk(cid),
                score=score,
                scores={
                    "rrf": score,
                    "dense": dense_scores.get(cid, 0.0),
                    "bm25": sparse_scores.get(cid, 0.0),
                },
            )
            for cid, score in fused[: params.top_k]
        ]
