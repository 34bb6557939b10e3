"""Cutting a source into chunks of whole sentences, each keeping its span."""

from __future__ import annotations

from citewise.types import Chunk, Source
from citewise.verify.sentences import split_spans

__all__ = ["DEFAULT_MAX_CHARS", "chunk_source"]

# MiniLM reads 256 word pieces; about 1,000 characters of English fit.
DEFAULT_MAX_CHARS = 1000


def _windows(start: int, end: int, text: str, max_chars: int) -> list[tuple[int, int]]:
    """Cut one over-long sentence at whitespace into pieces of at most ``max_chars``."""
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.append((start, cut))
        start = cut + 1 if text[cut : cut + 1] == " " else cut
    out.append((start, end))
    return out


def _spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    for start, end in split_spans(text):
        pieces.extend(_windows(start, end, text, max_chars))
    groups: list[tuple[int, int]] = []
    for start, end in pieces:
        if groups and end - groups[-1][0] <= max_chars:
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def chunk_source(source: Source, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """Chunks of consecutive sentences of ``source``, each ≤ ``max_chars`` long."""
    return [
        Chunk(
            id=f"{source.id}#{start}-{end}",
            source_id=source.id,
            title=source.title,
            url=source.url,
            start=start,
            end=end,
            text=source.text[start:end],
        )
        for start, end in _spans(source.text, max_chars)
    ]
