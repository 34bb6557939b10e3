"""Fit the lexical verifier's weight, number penalty and thresholds on WiCE dev.

Each claim's window features are computed once (the embedder runs over all
article sentences in a few batched calls); the grid search then only rescores
those features. It maximises 3-class balanced accuracy (supported / partial /
unsupported against WiCE's supported / partially_supported / not_supported)
and writes the fitted values, with the figures they reach, to
``lexical_thresholds.json`` beside :mod:`citewise.verify.lexical`::

    CITEWISE_HOME=/tmp/cw-calib python -m citewise.verify.calibrate \\
        --wice ../shared/datasets/wice/claim_dev.jsonl

WiCE (Kamoi et al., 2023) is at https://github.com/ryokamoi/wice; the file used
is ``data/entailment_retrieval/claim/dev.jsonl``.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citewise.verify.lexical import THRESHOLDS_FILE, LexicalVerifier, Thresholds

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "LABELS",
    "ClaimFeatures",
    "Fit",
    "WiceRow",
    "claim_features",
    "claim_scores",
    "fit",
    "load_wice",
    "main",
    "measure",
    "premises_for",
]

logger = logging.getLogger(__name__)

# WiCE label -> verifier verdict, in the order used for confusion matrices.
LABELS: dict[str, str] = {
    "supported": "supported",
    "partially_supported": "partial",
    "not_supported": "unsupported",
}
VERDICTS = tuple(LABELS.values())
WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))
PENALTIES = (0.0, 0.1, 0.2)
THRESHOLD_STEP = 0.005
BLOCK = 30
CHUNK = 25


@dataclass(frozen=True)
class WiceRow:
    """One WiCE claim: its text, gold label and the sentences of the cited article."""

    claim: str
    label: str
    sentences: list[str]


@dataclass(frozen=True)
class ClaimFeatures:
    """The window features of one claim as arrays (one entry per window)."""

    recall: NDArray[np.float64]
    cosine: NDArray[np.float64]
    numbers_missing: NDArray[np.float64]


@dataclass(frozen=True)
class Fit:
    """The best parameters found and the 3-class balanced accuracy they reach."""

    thresholds: Thresholds
    balanced_accuracy: float


def _literal_list(value: Any) -> list[Any]:
    """A list field, given either as a list or as a Python-literal string of one."""
    if isinstance(value, str):
        value = ast.literal_eval(value)
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


def load_wice(path: Path, limit: int | None = None) -> list[WiceRow]:
    """Read WiCE claim rows (JSON lines with ``claim``, ``label``, ``evidence``).

    Args:
        path: A WiCE ``claim/*.jsonl`` file.
        limit: Read only the first ``limit`` rows.

    Returns:
        The rows, in file order.
    """
    rows: list[WiceRow] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            if limit is not None and len(rows) >= limit:
                break
            record = json.loads(line)
            label = record["label"]
            if label not in LABELS:
                raise ValueError(f"unknown WiCE label {label!r} in {path}")
            sentences = [str(s).strip() for s in _literal_list(record["evidence"])]
            rows.append(WiceRow(record["claim"], label, [s for s in sentences if s]))
    return rows


def premises_for(sentences: Sequence[str], block: int = BLOCK) -> list[tuple[int, str]]:
    """Article sentences as numbered premises of ``block`` sentences, one a line.

    One sentence a line keeps the spans the verifier finds equal to the article's
    sentences; windows do not cross block boundaries.
    """
    return [
        (index, "\n".join(sentences[start : start + block]))
        for index, start in enumerate(range(0, len(sentences), block))
    ]


def claim_features(
    rows: Sequence[WiceRow],
    verifier: LexicalVerifier | None = None,
    chunk: int = CHUNK,
) -> list[ClaimFeatures]:
    """The window features of every claim, embedding ``chunk`` claims per call.

    Args:
        rows: WiCE rows.
        verifier: The verifier whose features to use (a default one if omitted).
        chunk: Claims whose sentences are embedded in one encode call.

    Returns:
        One :class:`ClaimFeatures` per row.
    """
    import numpy as np

    verifier = verifier or LexicalVerifier(Thresholds())
    out: list[ClaimFeatures] = []
    started = time.perf_counter()
    for first in range(0, len(rows), chunk):
        part = rows[first : first + chunk]
        batch = verifier.windows_batch(
            [(row.claim, premises_for(row.sentences)) for row in part]
        )
        for windows in batch:
            out.append(
                ClaimFeatures(
                    recall=np.array([w.recall for w in windows], dtype=np.float64),
                    cosine=np.array([w.cosine for w in windows], dtype=np.float64),
                    numbers_missing=np.array(
                        [w.numbers_missing for w in windows], dtype=np.float64
                    ),
                )
            )
        logger.info(
            "features: %d/%d claims, %.0f s",
            len(out),
            len(rows),
            time.perf_counter() - started,
        )
    return out


class _Stacked:
    """All claims' window features concatenated, for vectorised rescoring."""

    def __init__(self, features: Sequence[ClaimFeatures]) -> None:
        import numpy as np

        sizes = np.array([len(f.recall) for f in features])
        self.has_windows = sizes > 0
        kept = [f for f in features if len(f.recall)]
        self.starts = np.concatenate([[0], np.cumsum(sizes[self.has_windows])[:-1]])
        self.recall = np.concatenate([f.recall for f in kept] or [np.zeros(0)])
        self.cosine = np.concatenate([f.cosine for f in kept] or [np.zeros(0)])
        self.missing = np.concatenate(
            [f.numbers_missing for f in kept] or [np.zeros(0)]
        )

    def scores(self, weight: float, penalty: float) -> NDArray[np.float64]:
        """Each claim's best-window score (0 for a claim without windows)."""
        import numpy as np

        out = np.zeros(len(self.has_windows))
        if not self.has_windows.any():
            return out
        window = weight * self.recall + (1 - weight) * self.cosine
        window = window - penalty * self.missing
        out[self.has_windows] = np.maximum.reduceat(window, self.starts)
        return out


def claim_scores(
    features: Sequence[ClaimFeatures], thresholds: Thresholds
) -> NDArray[np.float64]:
    """Each claim's score (its best window's) under the given parameters."""
    return _Stacked(features).scores(
        thresholds.lexical_weight, thresholds.number_penalty
    )


def _best_cutoffs(
    scores: NDArray[np.float64], gold: NDArray[np.int64]
) -> tuple[float, float, float]:
    """The ``partial < supported`` pair maximising 3-class balanced accuracy.

    Args:
        scores: Claim scores.
        gold: Gold classes as indices into :data:`VERDICTS`.

    Returns:
        ``(partial, supported, balanced_accuracy)``.
    """
    import numpy as np

    low = np.floor(scores.min() / THRESHOLD_STEP) * THRESHOLD_STEP
    high = np.ceil(scores.max() / THRESHOLD_STEP) * THRESHOLD_STEP + THRESHOLD_STEP
    cuts = np.round(np.arange(low, high + THRESHOLD_STEP / 2, THRESHOLD_STEP), 6)
    # below[c][k]: claims of class c scoring under cuts[k].
    below = np.stack(
        [np.searchsorted(np.sort(scores[gold == c]), cuts, "left") for c in range(3)]
    ).astype(np.float64)
    totals = np.array([max(int((gold == c).sum()), 1) for c in range(3)])
    supported, partial, unsupported = 0, 1, 2
    recall_sup = (totals[supported] - below[supported]) / totals[supported]  # by j
    recall_uns = below[unsupported] / totals[unsupported]  # by i
    recall_par = (below[partial][None, :] - below[partial][:, None]) / totals[partial]
    accuracy = (recall_uns[:, None] + recall_par + recall_sup[None, :]) / 3
    accuracy[np.tril_indices(len(cuts))] = -1.0  # keep partial < supported
    i, j = np.unravel_index(int(np.argmax(accuracy)), accuracy.shape)
    return float(cuts[i]), float(cuts[j]), float(accuracy[i, j])


def _gold(rows: Sequence[WiceRow]) -> NDArray[np.int64]:
    import numpy as np

    return np.array([VERDICTS.index(LABELS[row.label]) for row in rows], dtype=np.int64)


def fit(features: Sequence[ClaimFeatures], rows: Sequence[WiceRow]) -> Fit:
    """Grid-search weight, penalty and cut-offs for 3-class balanced accuracy.

    Ties go to the higher binary balanced accuracy, then to the first found.

    Args:
        features: Window features, one per row.
        rows: The WiCE rows with their gold labels.

    Returns:
        The best parameters and their 3-class balanced accuracy.
    """
    stacked = _Stacked(features)
    gold = _gold(rows)
    best: tuple[float, float] = (-1.0, -1.0)
    chosen = Thresholds()
    for weight in WEIGHTS:
        for penalty in PENALTIES:
            scores = stacked.scores(weight, penalty)
            partial, supported, accuracy = _best_cutoffs(scores, gold)
            binary = _binary_balanced_accuracy(scores >= supported, gold == 0)
            if (round(accuracy, 9), round(binary, 9)) > best:
                best = (round(accuracy, 9), round(binary, 9))
                chosen = Thresholds(
                    lexical_weight=weight,
                    number_penalty=penalty,
                    supported=round(supported, 4),
                    partial=round(partial, 4),
                )
    return Fit(chosen, best[0])


def _binary_balanced_accuracy(
    predicted: NDArray[np.bool_], actual: NDArray[np.bool_]
) -> float:
    from sklearn.metrics import balanced_accuracy_score  # type: ignore[import-untyped]

    return float(balanced_accuracy_score(actual, predicted))


def measure(
    features: Sequence[ClaimFeatures],
    rows: Sequence[WiceRow],
    thresholds: Thresholds,
) -> dict[str, Any]:
    """The figures reached by ``thresholds`` on the rows.

    Args:
        features: Window features, one per row.
        rows: The WiCE rows with their gold labels.
        thresholds: The parameters to measure.

    Returns:
        Balanced accuracies (3-class and supported-vs-not), precision and recall
        of ``supported``, label counts and the confusion matrix (gold label ->
        predicted verdict -> count).
    """
    import numpy as np
    from sklearn.metrics import (
        balanced_accuracy_score,
        confusion_matrix,
        precision_score,
        recall_score,
    )

    verifier = LexicalVerifier(thresholds)
    scores = claim_scores(features, thresholds)
    predicted = [verifier.verdict(float(s), thresholds) for s in scores]
    gold = [LABELS[row.label] for row in rows]
    is_supported = np.array([g == "supported" for g in gold])
    said_supported = np.array([p == "supported" for p in predicted])
    matrix = confusion_matrix(gold, predicted, labels=list(VERDICTS))
    wice_labels = list(LABELS)
    by_class = {
        verdict: [float(s) for s, g in zip(scores, gold, strict=True) if g == verdict]
        for verdict in VERDICTS
    }
    return {
        "balanced_accuracy_3class": round(
            float(balanced_accuracy_score(gold, predicted)), 4
        ),
        "balanced_accuracy_binary": round(
            _binary_balanced_accuracy(said_supported, is_supported), 4
        ),
        "precision_supported": round(
            float(precision_score(is_supported, said_supported, zero_division=0)), 4
        ),
        "recall_supported": round(
            float(recall_score(is_supported, said_supported, zero_division=0)), 4
        ),
        "label_counts": {
            label: sum(row.label == label for row in rows) for label in wice_labels
        },
        "predicted_counts": {v: predicted.count(v) for v in VERDICTS},
        "mean_score": {
            label: round(float(np.mean(by_class[LABELS[label]])), 4)
            if by_class[LABELS[label]]
            else None
            for label in wice_labels
        },
        "confusion": {
            label: {v: int(matrix[i, k]) for k, v in enumerate(VERDICTS)}
            for i, label in enumerate(wice_labels)
        },
    }


def _table(thresholds: Thresholds, metrics: dict[str, Any], rows: int) -> str:
    """The fitted values and figures as a small text table."""
    lines = [
        f"lexical verifier fitted on WiCE ({rows} claims)",
        "",
        f"{'parameter':<28}{'value':>10}",
    ]
    lines += [f"{key:<28}{value:>10.4g}" for key, value in asdict(thresholds).items()]
    lines += ["", f"{'metric':<28}{'value':>10}"]
    for key in (
        "balanced_accuracy_3class",
        "balanced_accuracy_binary",
        "precision_supported",
        "recall_supported",
    ):
        lines.append(f"{key:<28}{metrics[key]:>10.4f}")
    corner = "gold / predicted"
    lines += ["", f"{corner:<22}" + "".join(f"{v:>13}" for v in VERDICTS)]
    for label, row in metrics["confusion"].items():
        counts = "".join(f"{row[v]:>13}" for v in VERDICTS)
        lines.append(f"{label:<22}{counts}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on a WiCE file, write the thresholds file and print the figures.

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` if omitted).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(
        prog="python -m citewise.verify.calibrate",
        description="Fit the lexical verifier's parameters on WiCE dev.",
    )
    parser.add_argument("--wice", type=Path, required=True, help="WiCE claim jsonl")
    parser.add_argument(
        "--out",
        type=Path,
        default=THRESHOLDS_FILE,
        help=f"thresholds file to write (default: {THRESHOLDS_FILE})",
    )
    parser.add_argument("--limit", type=int, default=None, help="first N rows only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)

    started = time.perf_counter()
    rows = load_wice(args.wice, args.limit)
    features = claim_features(rows)
    fitted = fit(features, rows)
    metrics = measure(features, rows, fitted.thresholds)
    elapsed = time.perf_counter() - started
    payload = {
        "thresholds": asdict(fitted.thresholds),
        "fitted_on": {
            "dataset": f"{args.wice.parent.name}/{args.wice.name}",
            "rows": len(rows),
            "date": dt.date.today().isoformat(),
        },
        "metrics": metrics,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(_table(fitted.thresholds, metrics, len(rows)))
    print(f"\nwrote {args.out} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
