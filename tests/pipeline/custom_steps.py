"""A third-party step, used as ``py:tests.pipeline.custom_steps:KeepFirst``."""

from __future__ import annotations

from typing import Any, ClassVar

from citewise.pipeline.registry import RunContext, Step, StepParams
from citewise.types import ScoredChunk


class KeepFirstParams(StepParams):
    """Parameters of the custom step."""

    n: int = 1


class KeepFirst(Step[KeepFirstParams]):
    """Keeps the first ``n`` chunks."""

    name: ClassVar[str] = "keep_first"
    Params: ClassVar[type[StepParams]] = KeepFirstParams
    consumes: ClassVar[tuple[str, ...]] = ("chunks",)
    produces: ClassVar[str] = "chunks"

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> list[ScoredChunk]:
        """The first ``n`` incoming chunks."""
        chunks: list[ScoredChunk] = inputs["chunks"]
        return chunks[: self.params.n]
