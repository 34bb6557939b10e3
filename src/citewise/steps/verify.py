"""``verify.citations``: a check for every sentence against the chunks it cites."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Literal

from pydantic import Field

from citewise.pipeline.registry import RunContext, Step, StepParams, register
from citewise.text import content_tokens
from citewise.types import Answer, Check, Sentence, Span
from citewise.verify.citations import strip_citations
from citewise.verify.lexical import LexicalVerifier, Thresholds, load_thresholds

__all__ = ["VerifyCitations", "is_claim"]

logger = logging.getLogger(__name__)
_NO_CLAIM = re.compile(
    r"^(the sources? (do|does) not (say|contain|mention)|i (do not|don't) know|"
    r"(sure|okay|ok)\b|here (is|are)\b|based on the (sources|evidence)[,:]?$)",
    re.IGNORECASE,
)


def is_claim(sentence: str) -> bool:
    """Whether a sentence states something checkable (not an abstention or filler)."""
    clean = strip_citations(sentence)
    if _NO_CLAIM.match(clean):
        return False
    return len(content_tokens(clean)) >= 2


class VerifyParams(StepParams):
    """Parameters of ``verify.citations``."""

    verifier: Literal["lexical"] = "lexical"
    on_unsupported: Literal["flag", "drop"] = "flag"
    on_uncited: Literal["flag", "drop"] = "flag"
    supported: float | None = Field(
        default=None, description="override the fitted threshold"
    )
    partial: float | None = Field(
        default=None, description="override the fitted threshold"
    )


@register
class VerifyCitations(Step[VerifyParams]):
    """Check each sentence against its cited chunks; flag or drop unsupported ones.

    Verdicts: ``supported``, ``partial``, ``unsupported`` (scored against the
    cited chunks), ``uncited`` (a claim with no valid citation) and
    ``no_claim`` (abstentions, filler). ``on_unsupported`` and ``on_uncited``
    say whether such sentences are only flagged or also left out of the text
    (they stay in ``sentences``, with ``action: dropped``). Follows the
    citation-support framing of ALCE (Gao et al., 2023), with a lexical +
    embedding verifier.

    ::

        - id: verify
          use: verify.citations
          with: {verifier: lexical, on_unsupported: flag}
    """

    name: ClassVar[str] = "verify.citations"
    Params: ClassVar[type[StepParams]] = VerifyParams
    consumes: ClassVar[tuple[str, ...]] = ("answer",)
    produces: ClassVar[str] = "answer"

    def _verifier(self) -> LexicalVerifier:
        fitted = load_thresholds()
        p = self.params
        thresholds = Thresholds(
            lexical_weight=fitted.lexical_weight,
            number_penalty=fitted.number_penalty,
            supported=fitted.supported if p.supported is None else p.supported,
            partial=fitted.partial if p.partial is None else p.partial,
        )
        return LexicalVerifier(thresholds)

    def _check(
        self, verifier: LexicalVerifier, sentence: Sentence, answer: Answer
    ) -> Check:
        if not is_claim(sentence.text):
            return Check(
                verdict="no_claim",
                score=0.0,
                verifier=verifier.name,
                invalid_citations=sentence.invalid_citations,
            )
        if not sentence.citations:
            dropped = self.params.on_uncited == "drop"
            return Check(
                action="dropped" if dropped else "kept",
                verdict="uncited",
                score=0.0,
                verifier=verifier.name,
                invalid_citations=sentence.invalid_citations,
            )
        texts = {item.n: item.text for item in answer.evidence}
        premises = [(n, texts[n]) for n in sentence.citations]
        judgement = verifier.judge(strip_citations(sentence.text), premises)
        best = judgement.best
        span = (
            None
            if best is None
            else Span(
                n=best.n,
                start=best.start,
                end=best.end,
                text=texts[best.n][best.start : best.end],
            )
        )
        verdict: Any = judgement.verdict
        dropped = verdict == "unsupported" and self.params.on_unsupported == "drop"
        return Check(
            verdict=verdict,
            score=judgement.score,
            span=span,
            verifier=verifier.name,
            action="dropped" if dropped else "kept",
            invalid_citations=sentence.invalid_citations,
        )

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> Answer:
        """The answer, a check on every sentence; dropped ones left out of its text."""
        answer: Answer = inputs["answer"]
        verifier = self._verifier()
        sentences = [
            sentence.model_copy(
                update={"check": self._check(verifier, sentence, answer)}
            )
            for sentence in answer.sentences
        ]
        kept = [
            s.text for s in sentences if s.check is None or s.check.action == "kept"
        ]
        text = answer.text if len(kept) == len(sentences) else " ".join(kept)
        return answer.model_copy(update={"sentences": sentences, "text": text})
