"""``rerank.embedding``: similarity order, near-duplicates, a local cross-encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from citewise.errors import ConfigError
from citewise.pipeline.loader import loads
from citewise.pipeline.registry import RunContext
from citewise.sources.embed import resolve_model_path
from citewise.steps.rerank import (
    EmbeddingRerank,
    EmbeddingRerankParams,
    collapse_near_duplicates,
)
from citewise.types import Chunk, ScoredChunk

QUESTION = "how did the horse latitudes get their name"
TEXTS = [
    "Mustangs are free-roaming horses of the American west.",
    "The horse latitudes got their name from sailors who threw horses overboard "
    "when ships were becalmed in the subtropics.",
    "The horse latitudes got their name from sailors who threw horses overboard "
    "when ships were becalmed in the subtropics!",
    "A horseshoe is a fabricated product designed to protect a horse hoof.",
]


def _chunks() -> list[ScoredChunk]:
    return [
        ScoredChunk(
            chunk=Chunk(
                id=f"s{i}#0-{len(t)}", source_id=f"s{i}", start=0, end=len(t), text=t
            ),
            score=1.0 / (i + 1),
        )
        for i, t in enumerate(TEXTS)
    ]


@pytest.mark.unit
def test_near_duplicates_collapse_to_the_first() -> None:
    kept = collapse_near_duplicates(_chunks(), threshold=0.8)
    assert [item.chunk.source_id for item in kept] == ["s0", "s1", "s3"]


@pytest.mark.integration
def test_similarity_puts_the_answering_chunk_first(tmp_path: Path) -> None:
    step = EmbeddingRerank(
        EmbeddingRerankParams(top_k=2, retrieval_weight=0.0), tmp_path
    )
    top = step.run({"chunks": _chunks()}, RunContext(QUESTION, tmp_path))
    assert top[0].chunk.source_id == "s1"
    assert len(top) == 2


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-layer BERT cross-encoder built here, with MiniLM's shipped tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(str(resolve_model_path("minilm")))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.integration
def test_a_local_cross_encoder_orders_by_its_own_scores(
    tiny_cross_encoder: Path, tmp_path: Path
) -> None:
    from sentence_transformers import CrossEncoder

    params = EmbeddingRerankParams(
        top_k=3, cross_encoder=str(tiny_cross_encoder), retrieval_weight=0.0
    )
    top = EmbeddingRerank(params, tmp_path).run(
        {"chunks": _chunks()}, RunContext(QUESTION, tmp_path)
    )
    kept = collapse_near_duplicates(_chunks(), 0.8)
    scores = CrossEncoder(str(tiny_cross_encoder)).predict(
        [(QUESTION, item.chunk.text) for item in kept]
    )
    expected = [kept[i].chunk.id for i in sorted(range(3), key=lambda i: -scores[i])]
    assert [item.chunk.id for item in top] == expected
    assert [item.scores["similarity"] for item in top] == pytest.approx(
        sorted((float(s) for s in scores), reverse=True)
    )


@pytest.mark.unit
def test_a_missing_cross_encoder_folder_is_a_config_error(tmp_path: Path) -> None:
    text = (
        "name: x\nsteps:\n  - id: retrieve\n    use: retrieve.hybrid\n"
        "  - id: rerank\n    use: rerank.embedding\n"
        f"    with: {{cross_encoder: {tmp_path / 'nope'}}}\n"
    )
    with pytest.raises(ConfigError) as caught:
        loads(text, "p.yaml", tmp_path)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line) == ("model-not-found", 7)
    assert "nope" in issue.message
