"""A loaded pipeline as langchain-core Runnables: one named Runnable per step.

The pipeline is their sequence over one state dict. The dict is passed along,
not copied: each step adds its output under its id and its wall time under
``timings``. Batch, stream, retry and callbacks come from langchain-core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from citewise.pipeline.loader import LoadedPipeline, ResolvedStep
from citewise.pipeline.registry import RunContext

__all__ = ["Pipeline", "State", "build"]

State = dict[str, Any]


def _step_function(resolved: ResolvedStep) -> Callable[[State], State]:
    step_id = resolved.spec.id

    def run(state: State) -> State:
        started = time.perf_counter()
        outputs = state["outputs"]
        inputs = {kind: outputs[ref] for kind, ref in resolved.inputs.items()}
        outputs[step_id] = resolved.step.run(inputs, state["context"])
        state["last"] = step_id
        state["timings"][step_id] = time.perf_counter() - started
        return state

    return run


class Pipeline:
    """A runnable pipeline; build it once and run it for many questions."""

    def __init__(self, loaded: LoadedPipeline) -> None:
        from langchain_core.runnables import RunnableLambda, RunnableSequence

        self.loaded = loaded
        runnables = [
            RunnableLambda(_step_function(step), name=step.spec.id)
            for step in loaded.steps
        ]
        self.runnable: Any = (
            runnables[0] if len(runnables) == 1 else RunnableSequence(*runnables)
        )

    @property
    def name(self) -> str:
        """The pipeline's ``name``."""
        return self.loaded.spec.name

    def invoke(self, question: str, *, use_cache: bool = True) -> State:
        """Run every step for one question; return the final state."""
        context = RunContext(
            question=question, base_dir=self.loaded.base_dir, use_cache=use_cache
        )
        state: State = {"context": context, "outputs": {}, "timings": {}, "last": None}
        started = time.perf_counter()
        state = self.runnable.invoke(state)
        state["timings"]["total"] = time.perf_counter() - started
        return state


def build(loaded: LoadedPipeline) -> Pipeline:
    """Build the Runnable form of a loaded pipeline."""
    return Pipeline(loaded)
