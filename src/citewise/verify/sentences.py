"""Sentence splitting (pysbd) that keeps each sentence's character span."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

__all__ = ["split_sentences", "split_spans"]

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text``, whitespace trimmed."""
    if not text.strip():
        return []
    with _LOCK:
        pieces = _segmenter().segment(text)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        stripped = piece.strip()
        if not stripped:
            continue
        start = text.find(stripped, cursor)
        if start < 0:
            # pysbd normalised something; fall back to its length from the cursor.
            start = cursor
        end = start + len(stripped)
        spans.append((start, end))
        cursor = end
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``."""
    return [text[start:end] for start, end in split_spans(text)]
