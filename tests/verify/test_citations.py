"""Citation parsing: every written form, invalid numbers kept, marks after the stop."""

from __future__ import annotations

import pytest

from citewise.verify.citations import parse_answer, parse_numbers, strip_citations

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("1", [1]),
        ("1, 3", [1, 3]),
        ("2;4", [2, 4]),
        ("1-3", [1, 2, 3]),
        ("3 – 4", [3, 4]),
    ],
)
def test_parse_numbers(group: str, expected: list[int]) -> None:
    assert parse_numbers(group) == expected


def test_forms_and_invalid_numbers_are_kept() -> None:
    text = (
        "The horse latitudes are in the subtropics [1][3]. "
        "Sailors threw horses overboard [2, 4]. "
        "Nobody knows for sure [9]."
    )
    sentences = parse_answer(text, evidence_count=3)
    assert [s.citations for s in sentences] == [[1, 3], [2], []]
    assert [s.invalid_citations for s in sentences] == [[], [4], [9]]
    assert sentences[2].text == "Nobody knows for sure [9]."


def test_marks_after_the_full_stop_belong_to_the_sentence_before() -> None:
    sentences = parse_answer(
        "Horses were thrown overboard. [2] Ships were becalmed. [1]", 2
    )
    assert [s.citations for s in sentences] == [[2], [1]]
    assert sentences[0].text.startswith("Horses were thrown overboard.")


def test_uncited_answer_has_no_citations() -> None:
    sentences = parse_answer("The sources do not say.", 5)
    assert len(sentences) == 1
    assert sentences[0].citations == []
    assert sentences[0].invalid_citations == []


def test_strip_citations() -> None:
    assert strip_citations("Ships were becalmed [1, 2].") == "Ships were becalmed."
