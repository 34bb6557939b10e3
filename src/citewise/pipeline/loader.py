"""Pipeline files: YAML text to a validated, resolved pipeline, or every problem at once.

Loading runs in phases, each adding to one list of issues: parse (safe YAML,
positions kept), overrides (``--set``), interpolation (``${vars.NAME}``,
``${env:NAME}``), the file's shape, then each step (its ``use``, its ``with``
against the step's own parameter model, and the outputs it reads).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from citewise.errors import ConfigError, ConfigIssue, InputError
from citewise.pipeline._yaml import (
    KeyPath,
    Positions,
    dotted,
    load_with_positions,
    parse_scalar,
)
from citewise.pipeline.registry import Step, StepParams, available, lookup
from citewise.pipeline.spec import PipelineSpec, StepSpec
from citewise.settings import repo_root

__all__ = ["LoadedPipeline", "ResolvedStep", "find_pipeline", "load", "loads"]

_INTERPOLATION = re.compile(r"\$\{(vars\.|env:)([A-Za-z_][A-Za-z0-9_]*)\}")
_BUILTIN_DIR = Path(__file__).resolve().parents[1] / "pipelines"


@dataclass
class ResolvedStep:
    """A step entry with its class, validated parameters and resolved inputs."""

    spec: StepSpec
    step: Step[Any]
    inputs: dict[str, str]

    @property
    def params(self) -> StepParams:
        """The step's validated ``with:`` parameters."""
        return self.step.params


@dataclass
class LoadedPipeline:
    """A pipeline file that passed every check, ready to build."""

    spec: PipelineSpec
    file: str
    base_dir: Path
    steps: list[ResolvedStep]

    def resolved(self) -> dict[str, Any]:
        """What will run: vars resolved, every parameter with its default filled in."""
        data = self.spec.dump()
        for entry, step in zip(data["steps"], self.steps, strict=True):
            entry["in"] = sorted(set(step.inputs.values()))
            entry["with"] = step.params.model_dump(mode="json")
        return data


def _nearest(value: str, options: Iterable[str]) -> str:
    options = sorted(options)
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}valid: {', '.join(options) if options else '(none)'}"


class _Issues:
    """Collects issues, locating each key path in the file or in ``--set``."""

    def __init__(self, file: str, positions: Positions) -> None:
        self.file = file
        self.positions = positions
        self.overridden: dict[KeyPath, str] = {}
        self.items: list[ConfigIssue] = []

    def add(self, code: str, message: str, path: KeyPath, *, at_key: bool = False) -> None:
        for prefix, flag in self.overridden.items():
            if path[: len(prefix)] == prefix:
                self.items.append(ConfigIssue(code, message, flag, path=dotted(path)))
                return
        line, col = self._locate(path, at_key)
        self.items.append(ConfigIssue(code, message, self.file, line, col, dotted(path)))

    def _locate(self, path: KeyPath, at_key: bool) -> tuple[int | None, int | None]:
        if at_key and (*path, "key") in self.positions:
            return self.positions[(*path, "key")]
        while path:
            if path in self.positions:
                return self.positions[path]
            if (*path, "key") in self.positions:
                return self.positions[(*path, "key")]
            path = path[:-1]
        return self.positions.get((), (None, None))

    def pydantic(self, exc: ValidationError, base: KeyPath, model: type[BaseModel]) -> None:
        for error in exc.errors():
            loc: KeyPath = tuple(error["loc"])
            path = (*base, *loc)
            kind = error["type"]
            if kind == "extra_forbidden":
                owner = _owner_fields(model, loc[:-1])
                message = f"unknown key {str(loc[-1])!r}; {_nearest(str(loc[-1]), owner)}"
                self.add("unknown-key", message, path, at_key=True)
            elif kind == "missing":
                self.add("missing-key", f"missing required key {str(loc[-1])!r}", path)
            else:
                got = error.get("input")
                self.add("invalid-value", f"{error['msg']}, got {got!r}", path)


def _owner_fields(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The keys valid at ``loc`` inside ``model`` (following nested models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        nested = [a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            return []
        current = nested[0]
    return [info.alias or name for name, info in current.model_fields.items()]


def find_pipeline(name: str) -> Path:
    """A pipeline path, or a bare name looked up in ``./pipelines`` and the built-ins."""
    path = Path(name)
    if path.suffix in {".yaml", ".yml"} or len(path.parts) > 1:
        if path.is_file():
            return path
        raise InputError(f"pipeline file {name!r} does not exist")
    dirs = [Path.cwd() / "pipelines", _BUILTIN_DIR]
    root = repo_root()
    if root is not None:
        dirs.append(root / "pipelines")
    names: set[str] = set()
    for folder in dirs:
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
        names.update(p.stem for p in folder.glob("*.yaml"))
    raise InputError(f"no pipeline named {name!r}; {_nearest(name, names)}")


def load(name: str | Path, overrides: Iterable[str] = ()) -> LoadedPipeline:
    """Load and check a pipeline file (path or built-in name), with ``--set`` overrides."""
    path = find_pipeline(str(name))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read pipeline file {str(path)!r}: {exc}") from None
    return loads(text, str(path), path.parent, overrides)


def loads(
    text: str, file: str = "<string>", base_dir: Path | None = None,
    overrides: Iterable[str] = (),
) -> LoadedPipeline:
    """Load and check pipeline YAML text; ``file`` names it in messages."""
    data, positions, parse_issues = load_with_positions(text, file)
    if data is None and parse_issues:
        raise ConfigError(parse_issues)
    issues = _Issues(file, positions)
    issues.items.extend(parse_issues)
    if not isinstance(data, dict):
        issues.add("not-a-mapping", "a pipeline file must be a mapping with name and steps", ())
        raise ConfigError(issues.items)

    _apply_overrides(data, list(overrides), issues)
    _interpolate_all(data, issues)
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        issues.pydantic(exc, (), PipelineSpec)
        raise ConfigError(issues.items) from None

    steps = _resolve_steps(spec, base_dir or Path.cwd(), issues)
    if issues.items:
        raise ConfigError(issues.items)
    return LoadedPipeline(spec, file, base_dir or Path.cwd(), steps)


def _apply_overrides(data: dict[str, Any], overrides: list[str], issues: _Issues) -> None:
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    ids = [s.get("id") for s in steps if isinstance(s, dict)]
    for raw in overrides:
        flag = f"--set {raw}"
        target, sep, value = raw.partition("=")
        head, _, rest = target.strip().partition(".")
        if not sep or not rest:
            issues.items.append(ConfigIssue(
                "bad-override", "expected STEP.PARAM=VALUE or vars.NAME=VALUE", flag))
            continue
        if head == "vars":
            data.setdefault("vars", {})[rest] = parse_scalar(value)
            issues.overridden[("vars", rest)] = flag
            continue
        if head not in ids:
            issues.items.append(ConfigIssue(
                "unknown-step-id", f"no step with id {head!r}; {_nearest(head, map(str, ids))}", flag))
            continue
        index = ids.index(head)
        container = steps[index].setdefault("with", {})
        keys = rest.split(".")
        for key in keys[:-1]:
            container = container.setdefault(key, {})
        container[keys[-1]] = parse_scalar(value)
        issues.overridden[("steps", index, "with", *keys)] = flag


def _interpolate_all(data: dict[str, Any], issues: _Issues) -> None:
    raw_vars = data.get("vars")
    variables: dict[str, Any] = {}
    if isinstance(raw_vars, dict):
        for key, value in raw_vars.items():
            variables[key] = _interpolate(value, {}, ("vars", key), issues)
        data["vars"] = variables
    for key in list(data):
        if key != "vars":
            data[key] = _interpolate(data[key], variables, (key,), issues)


def _interpolate(value: Any, variables: Mapping[str, Any], path: KeyPath, issues: _Issues) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, variables, (*path, k), issues) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, variables, (*path, i), issues) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def lookup_one(match: re.Match[str]) -> Any:
        kind, name = match.groups()
        if kind == "env:":
            if name not in os.environ:
                issues.add("unknown-env", f"environment variable {name!r} is not set", path)
                return ""
            return os.environ[name]
        if name not in variables:
            issues.add("unknown-var", f"no var {name!r}; {_nearest(name, variables)}", path)
            return ""
        return variables[name]

    whole = _INTERPOLATION.fullmatch(value)
    if whole:
        # A value that is exactly one reference keeps the referenced type (int, list).
        return lookup_one(whole)
    return _INTERPOLATION.sub(lambda m: str(lookup_one(m)), value)


def _resolve_steps(spec: PipelineSpec, base_dir: Path, issues: _Issues) -> list[ResolvedStep]:
    resolved: list[ResolvedStep] = []
    produced: dict[str, str] = {}
    for index, step in enumerate(spec.steps):
        base: KeyPath = ("steps", index)
        if step.id in produced:
            issues.add("duplicate-id", f"step id {step.id!r} is used by an earlier step", (*base, "id"))
        cls = lookup(step.use)
        if cls is None:
            issues.add("unknown-step", f"unknown step {step.use!r}; {_nearest(step.use, available())}",
                       (*base, "use"))
            continue
        try:
            params = cls.Params.model_validate(step.with_)
        except ValidationError as exc:
            issues.pydantic(exc, (*base, "with"), cls.Params)
            produced.setdefault(step.id, cls.produces)
            continue
        inputs = _resolve_inputs(step, cls, produced, base, issues)
        instance = cls(params, base_dir)
        for code, key, message in instance.check():
            issues.add(code, message, (*base, "with", key))
        resolved.append(ResolvedStep(step, instance, inputs))
        produced.setdefault(step.id, cls.produces)
    return resolved


def _resolve_inputs(
    step: StepSpec, cls: type[Step[Any]], produced: dict[str, str], base: KeyPath,
    issues: _Issues,
) -> dict[str, str]:
    """Map each kind the step consumes to the id of the step that provides it."""
    sources = list(produced)
    if step.in_ is not None:
        for position, ref in enumerate(step.in_):
            if ref not in produced:
                issues.add("dangling-reference",
                           f"'in' names {ref!r}, which no earlier step produces; "
                           f"{_nearest(ref, produced)}", (*base, "in", position))
        sources = [ref for ref in step.in_ if ref in produced]
    inputs: dict[str, str] = {}
    for kind in cls.consumes:
        providers = [ref for ref in sources if produced[ref] == kind]
        if providers:
            inputs[kind] = providers[-1]
            continue
        makers = [n for n, c in sorted(_kinds().items()) if c == kind]
        issues.add("missing-input",
                   f"step {step.id!r} ({cls.name}) needs {kind!r} from an earlier step, "
                   f"but {('in ' + str(step.in_)) if step.in_ else 'no earlier step'} "
                   f"produces it; steps that produce {kind!r}: {', '.join(makers)}",
                   (*base, "in") if step.in_ else (*base, "use"))
    return inputs


def _kinds() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in available():
        cls = lookup(name)
        if cls is not None:
            out[name] = cls.produces
    return out
