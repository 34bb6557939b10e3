"""Pipeline files: YAML text to a validated, resolved pipeline, or every problem.

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
from citewise.settings import builtin_pipeline_dirs

__all__ = ["LoadedPipeline", "ResolvedStep", "find_pipeline", "load", "loads"]

_INTERPOLATION = re.compile(r"\$\{(vars\.|env:)([A-Za-z_][A-Za-z0-9_]*)\}")
# Anything written like a reference; those that are not exactly ``${vars.NAME}`` or
# ``${env:NAME}`` but look meant as one (``${var.x}``, ``${env.X}``, ``${corpus}``)
# are reported instead of being left in the value as literal text.
_LOOSE_REFERENCE = re.compile(r"\$\{([^{}]*)\}")
_MEANT_AS_REFERENCE = re.compile(r"\s*(vars?|env)\b", re.IGNORECASE)


@dataclass
class ResolvedStep:
    """A step entry with its class, validated parameters and resolved inputs."""

    spec: StepSpec
    step: Step[Any]
    inputs: dict[str, str]

    @property
    def params(self) -> StepParams:
        """The step's validated ``with:`` parameters."""
        params: StepParams = self.step.params
        return params


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

    def add(
        self, code: str, message: str, path: KeyPath, *, at_key: bool = False
    ) -> None:
        for prefix, flag in self.overridden.items():
            if path[: len(prefix)] == prefix:
                self.items.append(ConfigIssue(code, message, flag, path=dotted(path)))
                return
        line, col = self._locate(path, at_key)
        self.items.append(
            ConfigIssue(code, message, self.file, line, col, dotted(path))
        )

    def in_order(self) -> list[ConfigIssue]:
        """The issues top to bottom: ``--set`` ones first, then by line and column."""
        return sorted(
            self.items,
            key=lambda i: (i.line is not None, i.line or 0, i.column or 0),
        )

    def line(self, path: KeyPath) -> int | None:
        """The line a key path was written on, if it was written in the file."""
        return self._locate(path, False)[0]

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

    def pydantic(
        self, exc: ValidationError, base: KeyPath, model: type[BaseModel]
    ) -> None:
        errors = exc.errors()
        # A misspelt key ("uses") also leaves the key it was meant to be ("use")
        # missing: one problem, so it is reported once, as the unknown key.
        suggested: set[KeyPath] = set()
        for error in errors:
            loc: KeyPath = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                owner = _owner_fields(model, loc[:-1])
                close = difflib.get_close_matches(str(loc[-1]), owner, n=1, cutoff=0.5)
                suggested.update((*loc[:-1], name) for name in close)
        for error in errors:
            loc = tuple(error["loc"])
            path = (*base, *loc)
            kind = error["type"]
            got = error.get("input")
            if kind == "extra_forbidden":
                owner = _owner_fields(model, loc[:-1])
                message = (
                    f"unknown key {str(loc[-1])!r}; {_nearest(str(loc[-1]), owner)}"
                )
                self.add("unknown-key", message, path, at_key=True)
            elif kind == "missing" and loc in suggested:
                continue
            elif kind == "missing":
                message = f"missing required key {str(loc[-1])!r}"
                if loc[0] == "steps" and loc[-1] == "use":
                    message += f" (the step kind); valid: {', '.join(available())}"
                elif loc == ("steps",):
                    message += " (the list of steps, each with an id and a use)"
                self.add("missing-key", message, path)
            elif kind == "too_short" and loc == ("steps",):
                message = (
                    f"'steps' is empty, got {got!r}; a pipeline needs at least one "
                    f"step (step kinds: {', '.join(available())})"
                )
                self.add("invalid-value", message, path)
            else:
                self.add("invalid-value", f"{error['msg']}, got {got!r}", path)


def _owner_fields(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The keys valid at ``loc`` inside ``model`` (following nested models)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = (
            current.model_fields.get(part) if hasattr(current, "model_fields") else None
        )
        if info is None:
            return []
        annotation = info.annotation
        args = getattr(annotation, "__args__", ())
        nested = [
            a
            for a in (annotation, *args)
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return []
        current = nested[0]
    return [info.alias or name for name, info in current.model_fields.items()]


def find_pipeline(name: str) -> Path:
    """A pipeline path, or a bare name looked up in ``./pipelines`` and built-ins."""
    path = Path(name)
    if path.suffix in {".yaml", ".yml"} or len(path.parts) > 1:
        if path.is_file():
            return path
        raise InputError(f"pipeline file {name!r} does not exist")
    dirs = [Path.cwd() / "pipelines", *builtin_pipeline_dirs()]
    names: set[str] = set()
    for folder in dirs:
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
        names.update(p.stem for p in folder.glob("*.yaml"))
    raise InputError(f"no pipeline named {name!r}; {_nearest(name, names)}")


def load(name: str | Path, overrides: Iterable[str] = ()) -> LoadedPipeline:
    """Load and check a pipeline file (a path or built-in name), with ``--set``."""
    path = find_pipeline(str(name))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read pipeline file {str(path)!r}: {exc}") from None
    return loads(text, str(path), path.parent, overrides)


def loads(
    text: str,
    file: str = "<string>",
    base_dir: Path | None = None,
    overrides: Iterable[str] = (),
) -> LoadedPipeline:
    """Load and check pipeline YAML text; ``file`` names it in messages."""
    data, positions, parse_issues = load_with_positions(text, file)
    if data is None and parse_issues:
        raise ConfigError(parse_issues)
    issues = _Issues(file, positions)
    issues.items.extend(parse_issues)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {_kind_of(data)}"
        if not positions:
            issues.positions[()] = (1, 1)
        issues.add(
            "not-a-mapping",
            f"a pipeline file must be a mapping with name and steps, got {got}",
            (),
        )
        raise ConfigError(issues.in_order())

    folder = base_dir or Path.cwd()
    _apply_overrides(data, list(overrides), issues)
    _interpolate_all(data, issues)
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        issues.pydantic(exc, (), PipelineSpec)
        # Every problem at once: the steps that are well-formed are still checked.
        valid, all_valid = _valid_steps(data.get("steps"))
        _resolve_steps(valid, folder, issues, check_inputs=all_valid)
        raise ConfigError(issues.in_order()) from None

    steps = _resolve_steps(list(enumerate(spec.steps)), folder, issues)
    if issues.items:
        raise ConfigError(issues.in_order())
    return LoadedPipeline(spec, file, folder, steps)


def _kind_of(value: Any) -> str:
    names = {
        list: "list",
        str: "string",
        int: "number",
        float: "number",
        bool: "boolean",
    }
    return names.get(type(value), type(value).__name__)


def _valid_steps(entries: Any) -> tuple[list[tuple[int, StepSpec]], bool]:
    """The step entries that are well-formed on their own, and whether all are."""
    if not isinstance(entries, list):
        return [], False
    valid: list[tuple[int, StepSpec]] = []
    for index, entry in enumerate(entries):
        try:
            valid.append((index, StepSpec.model_validate(entry)))
        except ValidationError:
            continue
    return valid, len(valid) == len(entries)


def _apply_overrides(
    data: dict[str, Any], overrides: list[str], issues: _Issues
) -> None:
    raw_steps = data.get("steps")
    steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
    ids = [s.get("id") if isinstance(s, dict) else None for s in steps]
    known = [str(i) for i in ids if i is not None]
    for raw in overrides:
        flag = f"--set {raw}"
        target, sep, value = raw.partition("=")
        head, _, rest = target.strip().partition(".")
        keys = rest.split(".")
        if not sep or not head or not all(keys):
            message = (
                f"expected STEP.PARAM=VALUE or vars.NAME=VALUE, got {raw!r}; "
                f"step ids: {', '.join(known) if known else '(none)'}"
            )
            issues.items.append(ConfigIssue("bad-override", message, flag))
            continue
        if head == "vars":
            container: Any = data
            keys = ["vars", *keys]
            base: KeyPath = ()
        elif head in ids:
            index = ids.index(head)
            container = steps[index]
            keys = ["with", *keys]
            base = ("steps", index)
        else:
            message = f"no step with id {head!r}; {_nearest(head, known)}"
            issues.items.append(ConfigIssue("unknown-step-id", message, flag))
            continue
        problem = _set_path(container, keys, parse_scalar(value))
        if problem is not None:
            issues.items.append(ConfigIssue("bad-override", problem, flag))
            continue
        issues.overridden[(*base, *keys)] = flag


def _set_path(container: Any, keys: list[str], value: Any) -> str | None:
    """Set ``value`` at ``keys`` inside nested mappings; the problem, if it cannot."""
    for depth, key in enumerate(keys):
        if not isinstance(container, dict):
            where = ".".join(keys[:depth]) or "the target"
            return f"cannot set {key!r}: {where} is {container!r}, not a mapping"
        if depth == len(keys) - 1:
            container[key] = value
            return None
        if container.get(key) is None:
            container[key] = {}
        container = container[key]
    return None


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


def _interpolate(
    value: Any, variables: Mapping[str, Any], path: KeyPath, issues: _Issues
) -> Any:
    if isinstance(value, dict):
        return {
            k: _interpolate(v, variables, (*path, k), issues) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, variables, (*path, i), issues) for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "${" not in value:
        return value

    def lookup_one(match: re.Match[str]) -> Any:
        kind, name = match.groups()
        if kind == "env:":
            if name not in os.environ:
                issues.add(
                    "unknown-env", f"environment variable {name!r} is not set", path
                )
                return ""
            return os.environ[name]
        if name not in variables:
            issues.add(
                "unknown-var", f"no var {name!r}; {_nearest(name, variables)}", path
            )
            return ""
        return variables[name]

    for loose in _LOOSE_REFERENCE.finditer(value):
        inner = loose.group(1)
        if _INTERPOLATION.fullmatch(loose.group(0)):
            continue
        if _MEANT_AS_REFERENCE.match(inner) or inner.strip() in variables:
            name = re.split(r"[.:]", inner, maxsplit=1)[-1].strip()
            close = difflib.get_close_matches(name, sorted(variables), n=1, cutoff=0.5)
            hint = f"did you mean '${{vars.{close[0]}}}'? " if close else ""
            message = (
                f"{loose.group(0)!r} is not a reference; {hint}write ${{vars.NAME}} "
                f"(vars: {', '.join(sorted(variables)) or '(none)'}) or ${{env:NAME}}"
            )
            issues.add("bad-reference", message, path)

    whole = _INTERPOLATION.fullmatch(value)
    if whole:
        # A value that is exactly one reference keeps the referenced type (int, list).
        return lookup_one(whole)
    return _INTERPOLATION.sub(lambda m: str(lookup_one(m)), value)


def _resolve_steps(
    steps: list[tuple[int, StepSpec]],
    base_dir: Path,
    issues: _Issues,
    *,
    check_inputs: bool = True,
) -> list[ResolvedStep]:
    """Check each step; ``check_inputs`` is off when some entries could not be read."""
    resolved: list[ResolvedStep] = []
    # What each earlier step id produces; None for a step of unknown kind.
    produced: dict[str, str | None] = {}
    first: dict[str, int] = {}
    order = {step.id: index for index, step in reversed(steps)}
    for index, step in steps:
        base: KeyPath = ("steps", index)
        if step.id in first:
            line = issues.line(("steps", first[step.id]))
            issues.add(
                "duplicate-id",
                f"step id {step.id!r} is already used by the step at line {line}; "
                "step ids must be unique",
                (*base, "id"),
            )
        first.setdefault(step.id, index)
        cls = lookup(step.use)
        if cls is None:
            issues.add("unknown-step", _unknown_step(step.use), (*base, "use"))
            produced.setdefault(step.id, None)
            continue
        inputs: dict[str, str] = {}
        if check_inputs:
            inputs = _resolve_inputs(
                step, cls, base, issues, produced=produced, order=order
            )
        produced.setdefault(step.id, cls.produces)
        try:
            params = cls.Params.model_validate(step.with_)
        except ValidationError as exc:
            issues.pydantic(exc, (*base, "with"), cls.Params)
            continue
        instance = cls(params, base_dir)
        reported = {issue.path for issue in issues.items}
        for code, key, message in instance.check():
            # A value already reported (say, a bad ${...}) needs no second issue.
            if dotted((*base, "with", key)) not in reported:
                issues.add(code, message, (*base, "with", key))
        resolved.append(ResolvedStep(step, instance, inputs))
    return resolved


def _unknown_step(use: str) -> str:
    if use.startswith("py:"):
        return (
            f"cannot import step {use!r}: write py:package.module:ClassName, naming "
            "an importable subclass of citewise.pipeline.Step"
        )
    return f"unknown step {use!r}; {_nearest(use, available())}"


def _resolve_inputs(
    step: StepSpec,
    cls: type[Step[Any]],
    base: KeyPath,
    issues: _Issues,
    *,
    produced: dict[str, str | None],
    order: dict[str, int],
) -> dict[str, str]:
    """Map each kind the step consumes to the id of the step that provides it."""
    sources = list(produced)
    if step.in_ is not None:
        dangling = False
        for position, ref in enumerate(step.in_):
            if ref in produced:
                continue
            dangling = True
            earlier = _nearest(ref, produced)
            if ref == step.id:
                message = f"'in' names {ref!r}, this step itself; earlier steps: "
                message += ", ".join(produced) if produced else "(none)"
            elif ref in order:
                line = issues.line(("steps", order[ref]))
                message = (
                    f"'in' names {ref!r}, a later step (line {line}); steps run in "
                    f"order, so 'in' can only name earlier ones; {earlier}"
                )
            else:
                message = f"'in' names {ref!r}, which is no earlier step; {earlier}"
            issues.add("dangling-reference", message, (*base, "in", position))
        if dangling:
            # The reference is the problem to fix; what it fails to provide follows.
            return {}
        sources = list(step.in_)
    inputs: dict[str, str] = {}
    for kind in cls.consumes:
        providers = [ref for ref in sources if produced[ref] == kind]
        if providers:
            inputs[kind] = providers[-1]
            continue
        if any(produced[ref] is None for ref in sources):
            continue  # a step of unknown kind, already reported, might provide it
        issues.add(
            "missing-input",
            f"step {step.id!r} ({cls.name}) needs {kind!r} from an earlier step, "
            f"but {('in ' + str(step.in_)) if step.in_ else 'no earlier step'} "
            f"produces it; put one of these steps before it: "
            f"{', '.join(_makers(kind))}",
            (*base, "in") if step.in_ else (*base, "use"),
        )
    return inputs


def _makers(kind: str) -> list[str]:
    """The step kinds that produce ``kind`` without needing it themselves."""
    out: list[str] = []
    for name in available():
        cls = lookup(name)
        if cls is not None and cls.produces == kind and kind not in cls.consumes:
            out.append(name)
    return out
