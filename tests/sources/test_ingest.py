"""Reading and ingesting sources: every format, exact spans, idempotent re-ingest."""

from __future__ import annotations

import bz2
import json
from pathlib import Path

import pytest

from citewise.api import ingest
from citewise.errors import InputError
from citewise.sources.chunking import chunk_source
from citewise.sources.corpus import get_corpus
from citewise.sources.readers import read_sources


@pytest.fixture(scope="module")
def wikipedia_page(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real Wikipedia page on Office 2019 from the CRAG examples, as HTML."""
    with bz2.open(data_dir / "crag" / "example_dev.jsonl.bz2", "rt") as handle:
        row = json.loads(handle.readline())
    page = next(p for p in row["search_results"] if "wikipedia.org" in p["page_url"])
    path = tmp_path_factory.mktemp("html") / "office_2019.html"
    path.write_text(page["page_result"], encoding="utf-8")
    return path


@pytest.mark.unit
def test_clapnq_rows_become_sources_with_their_passage(data_dir: Path) -> None:
    sources = list(read_sources([data_dir / "clapnq" / "dev_answerable.jsonl"]))
    first = json.loads((data_dir / "clapnq" / "dev_answerable.jsonl").open().readline())
    assert len(sources) == 300
    assert sources[0].id == f"clapnq-{first['id']}"
    assert sources[0].title == first["passages"][0]["title"]
    assert sources[0].text == first["passages"][0]["text"]


@pytest.mark.unit
def test_generic_jsonl_txt_and_md(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "doc-1", "title": "Doc", "text": "Alpha beta.", "url": "u:1"})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.md").write_text(
        "# Field notes\n\nGamma delta.\n", encoding="utf-8"
    )
    (tmp_path / "plain.txt").write_text("Epsilon zeta.\n", encoding="utf-8")
    sources = {s.title: s for s in read_sources([tmp_path])}
    assert sources["Doc"].id == "doc-1"
    assert sources["Doc"].url == "u:1"
    assert "Gamma delta." in sources["Field notes"].text
    assert sources["plain"].text == "Epsilon zeta.\n"


@pytest.mark.unit
def test_html_main_text_through_trafilatura(wikipedia_page: Path) -> None:
    (source,) = read_sources([wikipedia_page])
    assert "Office 2019" in source.title
    assert "Office 2019" in source.text
    assert "<div" not in source.text


@pytest.mark.unit
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1, "text": "ok"}\n{broken\n', ":2: not valid JSON"),
        ('{"title": "no text"}\n', "needs 'id' and 'text'"),
    ],
)
def test_bad_jsonl_names_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(read_sources([path]))


@pytest.mark.unit
def test_unknown_file_kind_lists_readable_kinds(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.jsonl, \.txt, \.md, \.html"):
        list(read_sources([path]))


@pytest.mark.unit
def test_chunks_keep_their_span(data_dir: Path) -> None:
    longest = max(
        read_sources([data_dir / "clapnq" / "dev_unanswerable.jsonl"]),
        key=lambda s: len(s.text),
    )
    chunks = chunk_source(longest)
    assert len(chunks) > 10
    assert all(longest.text[c.start : c.end] == c.text for c in chunks)
    assert all(len(c.text) <= 1000 for c in chunks)


@pytest.mark.integration
def test_reingest_of_unchanged_sources_does_nothing(tagus_docs: Path) -> None:
    folder = tagus_docs
    (folder / "b.txt").write_text(
        "Lisbon lies where the Tagus meets the sea.\n", "utf-8"
    )
    first = ingest([folder], corpus="reingest")
    assert (first.added, first.embedded) == (2, 2)
    again = ingest([folder], corpus="reingest")
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 2, 0)

    (folder / "b.txt").write_text(
        "Porto lies where the Douro meets the sea.\n", "utf-8"
    )
    changed = ingest([folder], corpus="reingest")
    assert (changed.updated, changed.unchanged, changed.chunks) == (1, 1, 2)
    hits = get_corpus("reingest").search_bm25("Douro", 2)
    assert [get_corpus("reingest").chunk(cid).text for cid, _ in hits] == [
        "Porto lies where the Douro meets the sea."
    ]
