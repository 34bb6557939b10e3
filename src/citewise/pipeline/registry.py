"""The step registry: the names a pipeline's ``use:`` may take.

Built-in steps register themselves when :mod:`citewise.steps` is imported.
Third-party steps register through the ``citewise.steps`` entry-point group, or
are named directly as ``py:package.module:ClassName``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = [
    "RunContext",
    "Step",
    "StepParams",
    "available",
    "lookup",
    "register",
]

P = TypeVar("P", bound="StepParams")
_REGISTRY: dict[str, type[Step[Any]]] = {}
_ENTRY_POINT_GROUP = "citewise.steps"


class StepParams(BaseModel):
    """Base of every step's ``with:`` parameters: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


@dataclass
class RunContext:
    """What a step may know about the run it is part of."""

    question: str
    base_dir: Path
    use_cache: bool = True
    extras: dict[str, Any] = field(default_factory=dict)


class Step(Generic[P]):
    """A pipeline step: validated parameters in, one output kind out.

    Subclasses set ``name`` (the ``use:`` value), ``Params``, the output kinds
    they ``consumes`` from earlier steps and the kind they ``produces``, and
    implement :meth:`run`. A step instance lives as long as its pipeline, so it
    may keep warm state (indexes, compiled templates) between runs.
    """

    name: ClassVar[str]
    Params: ClassVar[type[StepParams]]
    consumes: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[str]

    def __init__(self, params: P, base_dir: Path) -> None:
        self.params = params
        self.base_dir = base_dir

    def check(self) -> list[tuple[str, str, str]]:
        """Problems visible before running, as ``(code, key, message)``."""
        return []

    def run(self, inputs: dict[str, Any], ctx: RunContext) -> Any:
        """Produce this step's output from the outputs of earlier steps."""
        raise NotImplementedError


def register(cls: type[Step[Any]]) -> type[Step[Any]]:
    """Class decorator that makes a step usable by its ``name``."""
    _REGISTRY[cls.name] = cls
    return cls


def _load_builtins() -> None:
    importlib.import_module("citewise.steps")
    for point in entry_points(group=_ENTRY_POINT_GROUP):
        if point.name not in _REGISTRY:
            _REGISTRY[point.name] = point.load()


def available() -> list[str]:
    """Every registered step name, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)


def lookup(name: str) -> type[Step[Any]] | None:
    """The step class for a ``use:`` value, or None when nothing has that name."""
    if name.startswith("py:"):
        return _import_path(name[3:])
    _load_builtins()
    return _REGISTRY.get(name)


def _import_path(target: str) -> type[Step[Any]] | None:
    module_name, _, attr = target.partition(":")
    if not module_name or module_name.startswith("."):
        return None
    try:
        module = importlib.import_module(module_name)
    except (ImportError, ValueError, TypeError):
        return None
    found = getattr(module, attr, None)
    complete = all(hasattr(found, name) for name in ("name", "Params", "produces"))
    if isinstance(found, type) and issubclass(found, Step) and complete:
        return found
    return None
