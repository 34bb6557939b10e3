"""Broken pipeline files fail with clear, located errors, in the loader and the CLI.

Each file under ``tests/fixtures/pipelines/broken/`` is a small variant of
``pipelines/answer.yaml`` with one defect (``two_defects*.yaml`` have more, all
reported at once). For each, the loader must raise :class:`ConfigError` with the
expected issue codes on the expected 1-based lines, and messages that name the
bad value and the valid options; ``citewise pipeline validate`` must exit 2,
print ``file:line`` of every issue, and never a traceback.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import ROOT

from citewise.errors import ConfigError, ConfigIssue
from citewise.models import Completion, ModelRequest
from citewise.pipeline.loader import load, loads
from citewise.types import Chunk, ScoredChunk

pytestmark = pytest.mark.unit

BROKEN = ROOT / "tests" / "fixtures" / "pipelines" / "broken"
ANSWER = ROOT / "pipelines" / "answer.yaml"
STEP_KINDS = "generate.cited, rerank.embedding, retrieve.hybrid, verify.citations"
ANSWER_IDS = "generate, rerank, retrieve, verify"


@dataclass(frozen=True)
class Expected:
    """One issue a broken file must produce: its code, line and message fragments."""

    code: str
    line: int
    fragments: tuple[str, ...] = ()


CASES: dict[str, tuple[Expected, ...]] = {
    "yaml_bad_indent.yaml": (
        Expected("yaml-syntax", 10, ("mapping values are not allowed", "indentation")),
    ),
    "yaml_unclosed_bracket.yaml": (
        Expected(
            "yaml-syntax",
            8,
            ("expected ',' or '}'", "flow mapping opened at line 7", "closing bracket"),
        ),
    ),
    "tab_indent.yaml": (
        Expected("yaml-syntax", 8, ("'\\t'", "cannot be indented with tabs", "spaces")),
    ),
    "python_tag.yaml": (
        Expected("yaml-tag", 8, ("python/object/apply:os.system", "no Python tags")),
    ),
    "top_level_list.yaml": (
        Expected("not-a-mapping", 1, ("must be a mapping", "got a list")),
    ),
    "empty_file.yaml": (
        Expected("not-a-mapping", 1, ("must be a mapping", "got an empty file")),
    ),
    "missing_steps.yaml": (
        Expected("missing-key", 1, ("missing required key 'steps'", "id and a use")),
    ),
    "empty_steps.yaml": (
        Expected("invalid-value", 4, ("'steps' is empty", "got []", STEP_KINDS)),
    ),
    "unknown_top_key.yaml": (
        Expected(
            "unknown-key",
            2,
            (
                "unknown key 'descripton'",
                "did you mean 'description'?",
                "valid: description, name, steps, vars",
            ),
        ),
    ),
    "unknown_step_key.yaml": (
        # Reported once, as the misspelt key, not again as "missing 'use'".
        Expected(
            "unknown-key",
            9,
            ("unknown key 'uses'", "did you mean 'use'?", "valid: id, in, use, with"),
        ),
    ),
    "unknown_step_kind.yaml": (
        # Only the unknown kind: the rerank step after it is not blamed for input.
        Expected(
            "unknown-step",
            6,
            (
                "unknown step 'retrieve.hybird'",
                "did you mean 'retrieve.hybrid'?",
                f"valid: {STEP_KINDS}",
            ),
        ),
    ),
    "unknown_param.yaml": (
        Expected(
            "unknown-key",
            11,
            (
                "unknown key 'topk'",
                "did you mean 'top_k'?",
                "valid: cross_encoder, dedupe_threshold, embedder, retrieval_weight, "
                "top_k",
            ),
        ),
    ),
    "wrong_type.yaml": (Expected("invalid-value", 9, ("valid integer", "got 'many'")),),
    "out_of_range.yaml": (
        Expected("invalid-value", 11, ("greater than or equal to 1", "got 0")),
    ),
    "missing_use.yaml": (
        Expected("missing-key", 8, ("missing required key 'use'", STEP_KINDS)),
    ),
    "duplicate_step_id.yaml": (
        Expected("duplicate-id", 8, ("step id 'retrieve'", "line 5", "must be unique")),
    ),
    "dangling_in.yaml": (
        Expected(
            "dangling-reference",
            10,
            ("'in' names 'retreive'", "did you mean 'retrieve'?", "valid: retrieve"),
        ),
    ),
    "in_later_step.yaml": (
        Expected(
            "dangling-reference",
            10,
            ("'in' names 'more'", "a later step (line 12)", "valid: retrieve"),
        ),
    ),
    "missing_input.yaml": (
        Expected(
            "missing-input",
            6,
            ("step 'verify'", "needs 'answer'", "no earlier step", "generate.cited"),
        ),
    ),
    "unknown_var.yaml": (
        Expected(
            "unknown-var",
            8,
            ("no var 'corpsu'", "did you mean 'corpus'?", "valid: corpus, model"),
        ),
    ),
    "bad_reference.yaml": (
        Expected(
            "bad-reference",
            15,
            (
                "'${var.model}' is not a reference",
                "did you mean '${vars.model}'?",
                "vars: corpus, model",
            ),
        ),
    ),
    "duplicate_yaml_key.yaml": (
        Expected(
            "duplicate-key", 10, ("key 'top_k' is written twice", "first at line 9")
        ),
    ),
    "missing_prompt_file.yaml": (
        Expected(
            "bad-prompt",
            13,
            (
                "prompt file 'prompts/cited_answr.md' not found",
                "did you mean 'prompts/cited_answer.md'?",
            ),
        ),
    ),
    "unknown_placeholder.yaml": (
        Expected(
            "unknown-placeholder",
            13,
            (
                "unknown placeholder {questoin}",
                "did you mean {question}?",
                "valid: {question}, {evidence}",
            ),
        ),
    ),
    "two_defects.yaml": (
        Expected("unknown-step", 6, ("'retrieve.hybird'", "'retrieve.hybrid'")),
        Expected("invalid-value", 10, ("greater than or equal to 1", "got 0")),
    ),
    "two_defects_mixed.yaml": (
        # A malformed step (line 9) does not hide the others' parameter checks.
        Expected("unknown-key", 7, ("'topk'", "did you mean 'top_k'?")),
        Expected("unknown-key", 9, ("'uses'", "did you mean 'use'?")),
        Expected("unknown-placeholder", 13, ("{questoin}", "did you mean {question}?")),
    ),
}


def _load_issues(path: Path, overrides: list[str] | None = None) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load(path, overrides or [])
    return caught.value.issues


def _validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citewise.cli", "pipeline", "validate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_every_broken_file_has_a_case() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(CASES)
    assert len(CASES) >= 18


@pytest.mark.parametrize("name", sorted(CASES))
def test_loader_reports_each_issue_with_line_and_options(name: str) -> None:
    path = BROKEN / name
    issues = _load_issues(path)
    expected = CASES[name]
    got = [(issue.code, issue.line) for issue in issues]
    # Exactly the expected issues, top to bottom: no follow-on noise.
    assert got == [(e.code, e.line) for e in expected], "\n".join(map(str, issues))
    for issue, want in zip(issues, expected, strict=True):
        assert issue.file == str(path)
        assert issue.column is not None and issue.column >= 1
        for fragment in want.fragments:
            assert fragment in issue.message, f"{fragment!r} not in {issue}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_validate_exits_2_with_file_line_and_no_traceback(name: str) -> None:
    path = BROKEN / name
    result = _validate(str(path))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    count = len(CASES[name])
    assert f"pipeline has {count} problem" in result.stderr
    for want in CASES[name]:
        assert f"{path}:{want.line}:" in result.stderr, result.stderr
        assert f"[{want.code}]" in result.stderr


def test_cli_reports_every_file_and_still_exits_2() -> None:
    broken = BROKEN / "unknown_param.yaml"
    result = _validate(str(ANSWER), str(broken))
    assert result.returncode == 2
    assert f"{ANSWER}: ok (4 steps)" in result.stdout
    assert f"{broken}:11:" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_valid_answer_pipeline_validates() -> None:
    loaded = load(ANSWER)
    assert [s.spec.id for s in loaded.steps] == [
        "retrieve",
        "rerank",
        "generate",
        "verify",
    ]
    result = _validate(str(ANSWER))
    assert result.returncode == 0, result.stderr
    assert f"{ANSWER}: ok (4 steps)" in result.stdout
    assert result.stderr == ""


# --set overrides: problems are located at the flag, not at a line of the file.

SET_CASES = {
    "retreive.top_k=5": (
        "unknown-step-id",
        ("no step with id 'retreive'", "did you mean 'retrieve'?", ANSWER_IDS),
    ),
    "retrieve.top_k": (
        "bad-override",
        (
            "expected STEP.PARAM=VALUE or vars.NAME=VALUE",
            "'retrieve.top_k'",
            "step ids: retrieve, rerank, generate, verify",
        ),
    ),
    "retrieve=5": ("bad-override", ("expected STEP.PARAM=VALUE", "'retrieve=5'")),
    ".top_k=5": ("bad-override", ("expected STEP.PARAM=VALUE",)),
    "retrieve.top_k=many": ("invalid-value", ("valid integer", "got 'many'")),
    "retrieve.top_k=[1,": ("invalid-value", ("valid integer", "got '[1,'")),
    "retrieve.topk=5": ("unknown-key", ("'topk'", "did you mean 'top_k'?")),
    "retrieve.top_k.deep=1": (
        "bad-override",
        ("cannot set 'deep'", "with.top_k is 20, not a mapping"),
    ),
}


@pytest.mark.parametrize("flag", sorted(SET_CASES))
def test_bad_set_override_is_reported_at_the_flag(flag: str) -> None:
    code, fragments = SET_CASES[flag]
    issues = _load_issues(ANSWER, [flag])
    assert [(i.code, i.file, i.line) for i in issues] == [(code, f"--set {flag}", None)]
    for fragment in fragments:
        assert fragment in issues[0].message, str(issues[0])

    result = _validate(str(ANSWER), "--set", flag)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"--set {flag}: " in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_good_set_override_validates() -> None:
    loaded = load(ANSWER, ["retrieve.top_k=7", "vars.corpus=other"])
    retrieve = loaded.resolved()["steps"][0]["with"]
    assert (retrieve["top_k"], retrieve["corpus"]) == (7, "other")
    result = _validate(str(ANSWER), "--set", "retrieve.top_k=7")
    assert result.returncode == 0, result.stderr


def test_set_without_a_value_is_a_usage_error_not_a_traceback() -> None:
    result = _validate(str(ANSWER), "--set")
    assert result.returncode == 2
    assert "requires an argument" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# Interpolation is of the pipeline file only: never of what goes into a prompt.

INLINE = """\
name: inline
vars:
  model: local/smollm2-135m
steps:
  - id: retrieve
    use: retrieve.hybrid
  - id: generate
    use: generate.cited
    with:
      model: ${vars.model}
      prompt: |
        Model ${vars.model}; literal {{braces}}.
        {evidence}
        Question: {question}
"""


def test_evidence_and_question_are_never_interpolated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import citewise.steps.generate as generate

    monkeypatch.setenv("CITEWISE_TEST_SECRET", "LEAKED")
    loaded = loads(INLINE, "inline.yaml", ROOT / "pipelines")
    step = loaded.steps[1].step
    # The file's own ${vars.model} is interpolated when loading; {{ }} is a brace.
    assert "Model local/smollm2-135m;" in loaded.steps[1].spec.with_["prompt"]

    hostile = (
        "Price ${vars.model} ${env:CITEWISE_TEST_SECRET} ${{x}} {{question}} "
        "{question} {evidence} {0} {"
    )
    question = "what is ${vars.model} or {evidence} or {{x}}?"
    chunk = Chunk(
        id="c1",
        source_id="s1",
        title="T {question} ${vars.x}",
        start=0,
        end=1,
        text=hostile,
    )
    sent: list[ModelRequest] = []

    def fake_complete(request: ModelRequest, *, use_cache: bool = True) -> Completion:
        sent.append(request)
        return Completion(text="It costs a lot [1].", model=request.model)

    monkeypatch.setattr(generate, "complete", fake_complete)
    from citewise.pipeline.registry import RunContext

    answer = step.run(
        {"chunks": [ScoredChunk(chunk=chunk, score=1.0)]},
        RunContext(question=question, base_dir=ROOT / "pipelines"),
    )
    prompt = sent[0].messages[1]["content"]
    assert prompt == (
        "Model local/smollm2-135m; literal {braces}.\n"
        f"[1] T {{question}} ${{vars.x}}\n{hostile}\n"
        f"Question: {question}\n"
    )
    assert "LEAKED" not in prompt
    assert answer.evidence[0].text == hostile


def test_prompt_file_text_is_not_interpolated(tmp_path: Path) -> None:
    import citewise.steps.generate as generate

    # A prompt file is a template, not part of the pipeline file: ``${{vars.model}}``
    # in it stays literal text (its doubled braces are one brace each).
    written = "Costs ${{vars.model}} ${{env:HOME}}.\n{evidence}\n{question}"
    (tmp_path / "p.md").write_text(written, encoding="utf-8")
    text = INLINE.split("      prompt: |", maxsplit=1)[0] + "      prompt: p.md\n"
    step = loads(text, "inline.yaml", tmp_path).steps[1].step
    assert isinstance(step, generate.CitedGenerate)
    template = step._template
    assert template is not None
    assert template.text == written
    assert template.render({"evidence": "E ${vars.model}", "question": "Q {x}"}) == (
        "Costs ${vars.model} ${env:HOME}.\nE ${vars.model}\nQ {x}"
    )
