"""The lexical verifier on real data: HaluEval QA pairs, WiCE dev, a hand-made case.

The embedder loads once per session, with its vector cache in the session's
``CITEWISE_HOME`` (tests/conftest.py). The datasets are read from the shared
datasets folder; the suite fails when it is absent.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import DATA as DATASETS

from citewise.verify.calibrate import load_wice, premises_for
from citewise.verify.lexical import (
    THRESHOLDS_FILE,
    LexicalVerifier,
    Thresholds,
    load_thresholds,
)

pytestmark = pytest.mark.integration

HALUEVAL = DATASETS / "halueval" / "qa_one_turn.jsonl"
WICE = DATASETS / "wice" / "claim_dev.jsonl"

# Measured with the shipped thresholds: the right answer outscores the hallucinated
# one in 0.82 of the first 100 HaluEval QA pairs (82/100); the floor is 4 points lower.
HALUEVAL_PAIRS = 100
HALUEVAL_FLOOR = 0.78
WICE_ROWS = 120


def _require(path: Path) -> Path:
    assert path.is_file(), f"dataset not found: {path}"
    return path


@pytest.fixture(scope="session")
def verifier() -> LexicalVerifier:
    """The verifier with the shipped thresholds."""
    return LexicalVerifier(load_thresholds())


def _best_score(verifier: LexicalVerifier, windows: list[Any]) -> float:
    return max((verifier.score_window(w) for w in windows), default=0.0)


def test_right_answers_outscore_hallucinated_ones_on_halueval(
    verifier: LexicalVerifier,
) -> None:
    with _require(HALUEVAL).open(encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, HALUEVAL_PAIRS))
    rows = [json.loads(line) for line in lines]
    items = [
        (row[field], [(1, row["knowledge"])])
        for row in rows
        for field in ("right_answer", "hallucinated_answer")
    ]
    windows = verifier.windows_batch(items)
    scores = [_best_score(verifier, found) for found in windows]
    wins = sum(
        right > wrong for right, wrong in zip(scores[::2], scores[1::2], strict=True)
    )
    share = wins / len(rows)
    print(f"HaluEval QA: right > hallucinated in {share:.2f} ({wins}/{len(rows)})")
    assert len(rows) == HALUEVAL_PAIRS
    assert share >= HALUEVAL_FLOOR


def test_thresholds_file_is_fitted_and_ordered() -> None:
    assert THRESHOLDS_FILE.is_file()
    data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    fitted = Thresholds(**data["thresholds"])
    assert fitted == load_thresholds()
    assert fitted.supported > fitted.partial
    assert 0.0 <= fitted.lexical_weight <= 1.0
    assert data["fitted_on"]["rows"] > 0
    assert 0.0 < data["metrics"]["balanced_accuracy_3class"] <= 1.0


@pytest.mark.slow
def test_supported_wice_claims_outscore_unsupported_ones(
    verifier: LexicalVerifier,
) -> None:
    rows = load_wice(_require(WICE), limit=WICE_ROWS)
    windows = verifier.windows_batch(
        [(row.claim, premises_for(row.sentences)) for row in rows]
    )
    scores = [_best_score(verifier, found) for found in windows]
    by_label: dict[str, list[float]] = {}
    for row, score in zip(rows, scores, strict=True):
        by_label.setdefault(row.label, []).append(score)
    means = {label: sum(v) / len(v) for label, v in by_label.items()}
    # Measured: supported 0.628, partially_supported 0.531, not_supported 0.366.
    print(f"WiCE first {WICE_ROWS}: mean score by label {means}")
    assert set(means) == {"supported", "partially_supported", "not_supported"}
    assert means["supported"] > means["not_supported"]


CLAIM = "The horse latitudes are named after horses thrown overboard."


def test_hand_made_claim_supported_and_unsupported(verifier: LexicalVerifier) -> None:
    premise = (
        "The horse latitudes lie about 30 degrees north and south of the equator. "
        "They are said to be named after the horses that sailors threw overboard "
        "when their ships were becalmed there."
    )
    unrelated = (
        "Photosynthesis converts light energy into chemical energy. "
        "It takes place in the chloroplasts of plant cells."
    )
    supported = verifier.judge(CLAIM, [(1, premise)])
    assert supported.verdict == "supported", supported
    assert supported.best is not None
    assert "overboard" in premise[supported.best.start : supported.best.end]
    unsupported = verifier.judge(CLAIM, [(2, unrelated)])
    assert unsupported.verdict == "unsupported", unsupported
    assert verifier.judge(CLAIM, []).verdict == "unsupported"
