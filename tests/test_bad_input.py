"""Regressions from trying to break citewise: each bad input gets a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from citewise.api import ask, ingest
from citewise.errors import ConfigError, InputError
from citewise.pipeline.loader import loads
from citewise.sources.corpus import Corpus, get_corpus
from citewise.sources.readers import read_sources
from tests.conftest import ROOT

ANSWER = (ROOT / "pipelines" / "answer.yaml").read_text(encoding="utf-8")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citewise.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.unit
@pytest.mark.parametrize("name", ["wiki-", "-wiki", "nl\n", "Wiki", "a" * 42, ""])
def test_invalid_corpus_names(name: str) -> None:
    with pytest.raises(InputError, match="corpus name"):
        Corpus(name)


@pytest.mark.unit
def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        loads("name: x\nvars: &a [*a]\nsteps: []\n", "p.yaml", tmp_path)
    (issue,) = caught.value.issues
    assert (issue.code, issue.line) == ("yaml-alias", 2)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("model", "hint"),
    [("local/nope", "local/extractive"), ("xai/grok-4", "connected key")],
)
def test_unknown_models_fail_validation_with_their_line(model: str, hint: str) -> None:
    text = ANSWER.replace("model: ${vars.model}", f"model: {model}")
    with pytest.raises(ConfigError) as caught:
        loads(text, "p.yaml", ROOT / "pipelines")
    (issue,) = caught.value.issues
    assert issue.code == "model-not-found"
    assert issue.line == text.splitlines().index(f"      model: {model}") + 1
    assert hint in issue.message


@pytest.mark.unit
@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('{"id": "a", "text": 5}', "needs 'id' and 'text'"),
        ('{"id": "a", "passages": [{"text": 7}]}', "must be a string"),
        ('{"id": 1, "text": "' + "[" * 0 + 'x", "n": ' + "1" * 5000 + "}", "too large"),
    ],
)
def test_malformed_jsonl_rows(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(row + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=message):
        list(read_sources([path]))


@pytest.mark.unit
def test_numeric_title_and_url_become_text(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"id": 3, "title": 1999, "url": 42, "text": "A year."}\n', "utf-8")
    (source,) = read_sources([path])
    assert (source.id, source.title, source.url) == ("3", "1999", "42")


@pytest.mark.unit
def test_non_utf8_jsonl_and_nul_text(tmp_path: Path) -> None:
    (tmp_path / "latin.jsonl").write_bytes(
        '{"id": "a", "text": "café"}\n'.encode("latin-1")
    )
    with pytest.raises(InputError, match="not UTF-8"):
        list(read_sources([tmp_path / "latin.jsonl"]))
    (tmp_path / "zeros.txt").write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match="NUL"):
        list(read_sources([tmp_path / "zeros.txt"]))


@pytest.mark.integration
def test_orphan_vectors_from_an_interrupted_ingest_are_harmless(
    tagus_docs: Path,
) -> None:
    folder = tagus_docs
    ingest([folder], corpus="orphans")
    corpus = get_corpus("orphans")
    # What an ingest killed between writing vectors and writing the manifest leaves.
    corpus._collection().upsert(
        ids=["ghost#0-5"], embeddings=[[0.1] * 384], metadatas=[{"source_id": "ghost"}]
    )
    result = ask("longest river of Iberia", corpus="orphans", model="local/extractive")
    assert [e.source_id for e in result.evidence] == [f"file:{folder / 'a.txt'}"]

    (folder / "b.txt").write_text("The Douro flows through Porto.\n", "utf-8")
    ingest([folder], corpus="orphans")
    assert "ghost#0-5" not in corpus._collection().get(include=[])["ids"]


@pytest.mark.integration
def test_stop_words_only_corpus_still_ingests(tmp_path: Path) -> None:
    (tmp_path / "stop.txt").write_text("the of and to a in it is\n", "utf-8")
    report = ingest([tmp_path / "stop.txt"], corpus="stopwords")
    assert report.added == 1
    assert get_corpus("stopwords").search_bm25("the river", 3) == []


@pytest.mark.integration
def test_a_numeric_corpus_name_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Notes\n\nThe Tagus is a river.\n", "utf-8")
    ingest([tmp_path], corpus="2024")
    result = ask("which river", corpus="2024", model="local/extractive", record=False)
    assert result.evidence[0].title == "Notes"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   ", "--model", "local/extractive"], "question is empty"),
        (["ask", "x" * 2001, "--model", "local/extractive"], "at most 2000"),
        (["ask", "q", "--model", "local/nope"], "no local model"),
    ],
)
def test_bad_questions_and_models_exit_2(args: list[str], message: str) -> None:
    done = _cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
