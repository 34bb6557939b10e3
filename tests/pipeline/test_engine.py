"""The engine: Runnables per step, input wiring, overrides, a custom ``py:`` step."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import ROOT

from citewise.errors import ConfigError
from citewise.pipeline.builder import build
from citewise.pipeline.loader import load, loads
from citewise.types import Chunk, ScoredChunk

pytestmark = pytest.mark.unit

ANSWER = ROOT / "pipelines" / "answer.yaml"


def test_each_step_is_one_named_runnable() -> None:
    pipeline = build(load(ANSWER))
    names = [step.name for step in pipeline.runnable.steps]
    assert names == ["retrieve", "rerank", "generate", "verify"]


def test_inputs_follow_the_latest_producer_of_each_kind() -> None:
    loaded = load(ANSWER)
    assert [step.inputs for step in loaded.steps] == [
        {},
        {"chunks": "retrieve"},
        {"chunks": "rerank"},
        {"answer": "generate"},
    ]


def test_in_names_an_earlier_step_explicitly() -> None:
    text = ANSWER.read_text().replace(
        "    use: generate.cited\n", "    use: generate.cited\n    in: retrieve\n"
    )
    loaded = loads(text, "p.yaml", ANSWER.parent)
    assert loaded.steps[2].inputs == {"chunks": "retrieve"}


def test_overrides_keep_yaml_types_and_vars_flow_into_steps() -> None:
    loaded = load(
        ANSWER,
        ["rerank.top_k=3", "vars.model=local/extractive", "vars.corpus=notes"],
    )
    params = {step.spec.id: step.params.model_dump() for step in loaded.steps}
    assert params["rerank"]["top_k"] == 3
    assert params["generate"]["model"] == "local/extractive"
    assert params["retrieve"]["corpus"] == "notes"


def test_an_override_with_the_wrong_type_points_at_the_flag() -> None:
    with pytest.raises(ConfigError) as caught:
        load(ANSWER, ["rerank.top_k=many"])
    (issue,) = caught.value.issues
    assert issue.file == "--set rerank.top_k=many"
    assert "'many'" in issue.message


def test_env_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CW_TEST_CORPUS", "from-env")
    text = ANSWER.read_text().replace("corpus: wiki", "corpus: ${env:CW_TEST_CORPUS}")
    loaded = loads(text, "p.yaml", ANSWER.parent)
    assert loaded.steps[0].params.model_dump()["corpus"] == "from-env"


def test_a_custom_step_by_import_path_runs_in_the_chain(tmp_path: Path) -> None:
    text = (
        "name: custom\nsteps:\n"
        "  - id: first\n    use: py:tests.pipeline.custom_steps:KeepFirst\n"
        "    with: {n: 2}\n    in: []\n"
    )
    with pytest.raises(ConfigError) as caught:
        loads(text, "p.yaml", tmp_path)
    assert caught.value.issues[0].code == "missing-input"

    text = (
        "name: custom\nsteps:\n  - id: retrieve\n    use: retrieve.hybrid\n"
        "  - id: first\n    use: py:tests.pipeline.custom_steps:KeepFirst\n"
        "    with: {n: 2}\n"
    )
    loaded = loads(text, "p.yaml", tmp_path)
    step = loaded.steps[1].step
    chunks = [
        ScoredChunk(
            chunk=Chunk(id=f"c{i}", source_id="s", start=0, end=1, text="x"), score=1.0
        )
        for i in range(4)
    ]
    out = step.run({"chunks": chunks}, None)  # type: ignore[arg-type]
    assert [c.chunk.id for c in out] == ["c0", "c1"]


def test_a_template_given_with_set_stays_text() -> None:
    prompt = "{evidence} Q: {question}"
    loaded = load(ANSWER, [f"generate.prompt={prompt}"])
    assert loaded.steps[2].params.model_dump()["prompt"] == prompt
