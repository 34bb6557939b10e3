"""Citation marks in an answer: ``[1]``, ``[1][3]``, ``[1, 3]``, ``[1-3]``.

A number that points at no evidence is kept as an invalid citation, never
dropped silently.
"""

from __future__ import annotations

import re

from citewise.types import Sentence
from citewise.verify.sentences import split_spans

__all__ = ["CITATION", "parse_answer", "parse_numbers", "strip_citations"]

CITATION = re.compile(r"\[\s*(\d+(?:\s*(?:[,;]|-|–)\s*\d+)*)\s*\]")
_LEADING = re.compile(r"^(?:\s*\[\s*\d+(?:\s*(?:[,;]|-|–)\s*\d+)*\s*\])+[.,;:]?")


def parse_numbers(group: str) -> list[int]:
    """The numbers of one bracket group, ranges expanded (``1-3`` → 1, 2, 3)."""
    numbers: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = [int(b) for b in re.split(r"\s*[-–]\s*", part)]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds)
    return numbers


def strip_citations(text: str) -> str:
    """The sentence without its citation marks, for scoring."""
    return re.sub(r"\s+([.,;:!?])", r"\1", CITATION.sub("", text)).strip()


def _numbers_in(text: str) -> list[int]:
    found: list[int] = []
    for match in CITATION.finditer(text):
        for number in parse_numbers(match.group(1)):
            if number not in found:
                found.append(number)
    return found


def parse_answer(text: str, evidence_count: int) -> list[Sentence]:
    """Split an answer into sentences, each with its valid and invalid citations.

    Marks a model puts after the full stop (``… name. [2] Then …``) belong to
    the sentence before them, and a piece that is only marks is merged back.
    """
    pieces = [text[start:end] for start, end in split_spans(text)]
    merged: list[str] = []
    for piece in pieces:
        leading = _LEADING.match(piece)
        rest = piece
        if merged and leading:
            merged[-1] = f"{merged[-1]} {leading.group(0).strip()}"
            rest = piece[leading.end() :].strip()
        if rest:
            merged.append(rest)
    sentences: list[Sentence] = []
    for piece in merged:
        numbers = _numbers_in(piece)
        valid = [n for n in numbers if 1 <= n <= evidence_count]
        invalid = [n for n in numbers if not 1 <= n <= evidence_count]
        sentences.append(
            Sentence(text=piece, citations=valid, invalid_citations=invalid)
        )
    return sentences
