"""``generate.cited``: one model call over numbered evidence, citations parsed back."""

from __future__ import annotations

import difflib
import string
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from citewise.models import ModelRequest, complete
from citewise.pipeline.registry import RunContext, Step, StepParams, register
from citewise.settings import builtin_pipeline_dirs
from citewise.types import Answer, EvidenceItem, ScoredChunk, Usage
from citewise.verify.citations import parse_answer

__all__ = ["CitedGenerate", "PromptTemplate", "format_evidence"]

PLACEHOLDERS = ("question", "evidence")
DEFAULT_SYSTEM = (
    "You answer questions using only the numbered sources you are given. After each "
    "sentence, write the number of the source it comes from in square brackets, "
    "like [1]. If the sources do not contain the answer, reply exactly: The sources "
    "do not say."
)


class PromptTemplate:
    """A prompt with ``{question}`` and ``{evidence}`` placeholders, parsed once.

    Only the template is parsed: the values put into it (questions, source
    text full of ``{`` and ``${``) are inserted as they are.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[tuple[str, str | None]] = [
            (literal, field) for literal, field, _, _ in string.Formatter().parse(text)
        ]

    def fields(self) -> set[str]:
        """The placeholder names the template uses."""
        return {field for _, field in self.parts if field is not None}

    def render(self, values: dict[str, str]) -> str:
        """The template with each placeholder replaced by its value."""
        return "".join(
            literal + (values[field] if field else "") for literal, field in self.parts
        )


def format_evidence(items: list[EvidenceItem]) -> str:
    """Evidence as the model sees it: ``[n] Title`` then the chunk text."""
    return "\n\n".join(f"[{item.n}] {item.title}\n{item.text}" for item in items)


def _evidence(chunks: list[ScoredChunk], max_chars: int) -> list[EvidenceItem]:
    return [
        EvidenceItem(
            n=n,
            source_id=item.chunk.source_id,
            chunk_id=item.chunk.id,
            title=item.chunk.title,
            url=item.chunk.url,
            start=item.chunk.start,
            end=item.chunk.end,
            text=item.chunk.text[:max_chars],
        )
        for n, item in enumerate(chunks, start=1)
    ]


class CitedGenerateParams(StepParams):
    """Parameters of ``generate.cited``."""

    model: str = "local/smollm2-135m"
    max_tokens: int = Field(default=300, ge=1, le=32768)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    seed: int | None = 0
    system: str = DEFAULT_SYSTEM
    prompt: str = Field(
        default="prompts/cited_answer.md",
        description="a template inline (with {question} and {evidence}) or a file next "
        "to the pipeline file",
    )
    evidence_chars: int = Field(default=1000, ge=50)


@register
class CitedGenerate(Step[CitedGenerateParams]):
    """Ask one model for an answer with ``[n]`` citations to numbered evidence.

    Citations are parsed in the forms ``[1]``, ``[1][3]``, ``[1, 3]``; numbers
    that point at no evidence are kept as invalid citations.

    ::

        - id: generate
          use: generate.cited
          with:
            model: local/smollm2-135m
            max_tokens: 300
            prompt: prompts/cited_answer.md
    """

    name: ClassVar[str] = "generate.cited"
    Params: ClassVar[type[StepParams]] = CitedGenerateParams
    consumes: ClassVar[tuple[str, ...]] = ("chunks",)
    produces: ClassVar[str] = "answer"

    def __init__(self, params: CitedGenerateParams, base_dir: Path) -> None:
        super().__init__(params, base_dir)
        self._template: PromptTemplate | None = None
        self._problem: tuple[str, str, str] | None = None
        try:
            text = self._prompt_text()
        except (OSError, ValueError) as exc:
            self._problem = ("bad-prompt", "prompt", str(exc))
            return
        try:
            self._template = PromptTemplate(text)
        except ValueError as exc:
            self._problem = (
                "bad-prompt",
                "prompt",
                f"prompt is not a valid template: {exc}; placeholders are {{question}} "
                "and {evidence}, and a literal brace is written twice: {{ or }}",
            )

    def _prompt_file(self) -> Path | None:
        prompt = self.params.prompt
        if "\n" in prompt or "{" in prompt:
            return None
        folders = [self.base_dir, *builtin_pipeline_dirs()]
        for folder in folders:
            if (folder / prompt).is_file():
                return folder / prompt
        raise OSError(
            f"prompt file {prompt!r} not found next to the pipeline file "
            f"({self.base_dir}); {_nearby_files(prompt, folders)}give a path relative "
            "to it, or an inline template with {question} and {evidence}"
        )

    def _prompt_text(self) -> str:
        path = self._prompt_file()
        return self.params.prompt if path is None else path.read_text(encoding="utf-8")

    def check(self) -> list[tuple[str, str, str]]:
        """The model must be known; the prompt must exist and use known placeholders."""
        from citewise.errors import ModelNotFoundError
        from citewise.models import check_model

        try:
            check_model(self.params.model)
        except ModelNotFoundError as exc:
            return [("model-not-found", "model", str(exc))]
        if self._problem is not None:
            return [self._problem]
        assert self._template is not None
        unknown = sorted(self._template.fields() - set(PLACEHOLDERS))
        if unknown:
            written = ", ".join("{" + name + "}" for name in unknown)
            close = difflib.get_close_matches(unknown[0], PLACEHOLDERS, n=1, cutoff=0.5)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            valid = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            return [
                (
                    "unknown-placeholder",
                    "prompt",
                    f"prompt uses unknown placeholder {written}; {hint}valid: {valid} "
                    "(write {{ or }} for a literal brace)",
                )
            ]
        if "evidence" not in self._template.fields():
            return [
                (
                    "missing-placeholder",
                    "prompt",
                    "prompt never shows the evidence: add {evidence}",
                )
            ]
        return []

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> Answer:
        """Call the model once and parse its answer's citations."""
        params = self.params
        assert self._template is not None
        evidence = _evidence(inputs["chunks"], params.evidence_chars)
        prompt = self._template.render(
            {"question": ctx.question, "evidence": format_evidence(evidence)}
        )
        request = ModelRequest(
            model=params.model,
            messages=[
                {"role": "system", "content": params.system},
                {"role": "user", "content": prompt},
            ],
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            seed=params.seed,
            metadata=_local_metadata(params.model, ctx.question, evidence),
        )
        completion = complete(request, use_cache=ctx.use_cache)
        text = completion.text.strip()
        return Answer(
            text=text,
            model=params.model,
            sentences=parse_answer(text, len(evidence)),
            evidence=evidence,
            usage=Usage(
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
                total_tokens=completion.prompt_tokens + completion.completion_tokens,
                cost_usd=completion.cost_usd,
                cached=completion.cached,
                calls=1,
            ),
        )


def _local_metadata(
    model: str, question: str, evidence: list[EvidenceItem]
) -> dict[str, Any]:
    # Only embedded models read it; providers never receive evidence twice.
    if not model.startswith("local/"):
        return {}
    return {
        "citewise_question": question,
        "citewise_evidence": [{"n": e.n, "text": e.text} for e in evidence],
    }


def _nearby_files(prompt: str, folders: list[Path]) -> str:
    """``did you mean 'prompts/x.md'? `` for a near miss among the prompt files."""
    parent = Path(prompt).parent
    found: set[str] = set()
    for folder in folders:
        if (folder / parent).is_dir():
            found.update(
                (parent / p.name).as_posix()
                for p in (folder / parent).iterdir()
                if p.is_file()
            )
    close = difflib.get_close_matches(prompt, sorted(found), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""
