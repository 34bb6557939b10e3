"""The offline verifier: lexical and embedding overlap between a claim and its sources.

For each window of one to three consecutive sentences of a cited chunk, the
score is ``w · recall + (1 − w) · cosine``: the share of the claim's content
words found in the window, and the MiniLM cosine between claim and window,
less a penalty when the claim states a number the window does not. The best
window is the supporting span. ``w`` and the two verdict thresholds are fitted
on WiCE dev (``citewise.verify.calibrate``) and read from
``lexical_thresholds.json`` beside this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from citewise.sources.embed import DEFAULT_EMBEDDER, get_embedder
from citewise.text import content_tokens, numbers_in
from citewise.verify.sentences import split_spans

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "Judgement",
    "LexicalVerifier",
    "Thresholds",
    "WindowFeatures",
    "load_thresholds",
]

THRESHOLDS_FILE = Path(__file__).with_name("lexical_thresholds.json")
MAX_WINDOW = 3

# A premise text with its sentence spans: ``(n, text, [(start, end), ...])``.
_Split = tuple[int, str, list[tuple[int, int]]]


@dataclass(frozen=True)
class Thresholds:
    """Fitted parameters: the lexical weight and the two verdict cut-offs."""

    lexical_weight: float = 0.5
    number_penalty: float = 0.15
    supported: float = 0.7
    partial: float = 0.5


@lru_cache(maxsize=1)
def load_thresholds() -> Thresholds:
    """The fitted thresholds shipped with the package (defaults if never fitted)."""
    if not THRESHOLDS_FILE.is_file():
        return Thresholds()
    data = json.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    return Thresholds(**data["thresholds"])


@dataclass(frozen=True)
class WindowFeatures:
    """What the score of one window is made of."""

    n: int
    start: int
    end: int
    recall: float
    cosine: float
    numbers_missing: bool


@dataclass(frozen=True)
class Judgement:
    """A verifier's verdict on one claim."""

    verdict: str
    score: float
    best: WindowFeatures | None


class LexicalVerifier:
    """Scores a claim against premise texts by word recall and embedding similarity."""

    name = "lexical"

    def __init__(
        self, thresholds: Thresholds | None = None, embedder: str = DEFAULT_EMBEDDER
    ) -> None:
        self.thresholds = thresholds or load_thresholds()
        self.embedder_name = embedder

    def windows(
        self, claim: str, premises: list[tuple[int, str]]
    ) -> list[WindowFeatures]:
        """Features of every window of every premise."""
        return self.windows_batch([(claim, premises)])[0]

    def windows_batch(
        self, items: list[tuple[str, list[tuple[int, str]]]]
    ) -> list[list[WindowFeatures]]:
        """Window features of many ``(claim, premises)`` pairs, in one encode call.

        Args:
            items: Claims, each with its numbered premise texts.

        Returns:
            For each item, the features of every window of every premise (empty
            when the premises hold no sentence).
        """
        splits: list[list[_Split]] = [
            [(n, text, split_spans(text)) for n, text in premises]
            for _, premises in items
        ]
        texts: list[str] = []
        for (claim, _), split in zip(items, splits, strict=True):
            sentences = [text[s:e] for _, text, found in split for s, e in found]
            if sentences:
                texts.extend([claim, *sentences])
        if not texts:
            return [[] for _ in items]
        vectors = get_embedder(self.embedder_name).encode(texts)
        out: list[list[WindowFeatures]] = []
        offset = 0
        for (claim, _), split in zip(items, splits, strict=True):
            count = sum(len(found) for _, _, found in split)
            if not count:
                out.append([])
                continue
            block = vectors[offset : offset + 1 + count]
            out.append(_features(claim, split, block[0], block[1:]))
            offset += 1 + count
        return out

    def score_window(
        self, window: WindowFeatures, thresholds: Thresholds | None = None
    ) -> float:
        """One window's score under the given (or the fitted) parameters."""
        t = thresholds or self.thresholds
        w = t.lexical_weight
        score = w * window.recall + (1 - w) * window.cosine
        return score - (t.number_penalty if window.numbers_missing else 0.0)

    def verdict(self, score: float, thresholds: Thresholds | None = None) -> str:
        """``supported``, ``partial`` or ``unsupported`` for a score."""
        t = thresholds or self.thresholds
        if score >= t.supported:
            return "supported"
        return "partial" if score >= t.partial else "unsupported"

    def judge(self, claim: str, premises: list[tuple[int, str]]) -> Judgement:
        """The verdict on ``claim`` given numbered premises, with the best window."""
        windows = self.windows(claim, premises)
        if not windows:
            return Judgement("unsupported", 0.0, None)
        best = max(windows, key=self.score_window)
        score = self.score_window(best)
        return Judgement(self.verdict(score), round(score, 4), best)


def _features(
    claim: str,
    split: list[_Split],
    claim_vector: NDArray[np.float32],
    sentence_vectors: NDArray[np.float32],
) -> list[WindowFeatures]:
    """The features of every window of the split premises of one claim."""
    import numpy as np

    claim_words = set(content_tokens(claim))
    claim_numbers = numbers_in(claim)
    out: list[WindowFeatures] = []
    offset = 0
    for n, text, found in split:
        words = [set(content_tokens(text[s:e])) for s, e in found]
        for first in range(len(found)):
            for last in range(first, min(first + MAX_WINDOW, len(found))):
                union = set().union(*words[first : last + 1])
                total = sentence_vectors[offset + first : offset + last + 1].sum(axis=0)
                norm = float(np.linalg.norm(total)) or 1.0
                start, end = found[first][0], found[last][1]
                recall = (
                    len(claim_words & union) / len(claim_words) if claim_words else 0.0
                )
                out.append(
                    WindowFeatures(
                        n=n,
                        start=start,
                        end=end,
                        recall=recall,
                        cosine=float(claim_vector @ total) / norm,
                        numbers_missing=not claim_numbers
                        <= numbers_in(text[start:end]),
                    )
                )
        offset += len(found)
    return out
