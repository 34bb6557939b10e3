"""Content words: lowercased, stop words removed, Snowball-stemmed.

One tokenizer serves BM25-free lexical scoring everywhere (the extractive
model, the lexical verifier), so "overlap" means the same thing in both.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

__all__ = ["content_tokens", "numbers_in"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    # Question words carry no content: "how did X get its name" is about X.
    extra = {
        "also",
        "would",
        "could",
        "may",
        "one",
        "how",
        "did",
        "does",
        "do",
        "what",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "why",
        "which",
        "get",
        "got",
        "many",
        "much",
    }
    return frozenset(STOPWORDS_EN) | extra


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def content_tokens(text: str) -> list[str]:
    """The stemmed content words of ``text``, in order."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    with _LOCK:
        return list(_stemmer().stemWords(words))


def numbers_in(text: str) -> set[str]:
    """The numbers written in ``text`` (years, counts, amounts), commas removed."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}
