"""Safe YAML loading that remembers where every key and value was written."""

from __future__ import annotations

from typing import Any

import yaml

from citewise.errors import ConfigIssue

__all__ = ["KeyPath", "Positions", "load_with_positions", "parse_scalar"]

KeyPath = tuple[str | int, ...]
# Each path maps to (line, column), 1-based, of the value; keys get a
# ("key",) suffix entry so "unknown key" can point at the key itself.
Positions = dict[KeyPath, tuple[int, int]]


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _walk(
    node: yaml.Node, path: KeyPath, positions: Positions, issues: list[ConfigIssue]
) -> None:
    positions[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                line, col = _mark(key_node)
                issues.append(
                    ConfigIssue(
                        "duplicate-key",
                        f"key {key!r} is written twice in this mapping (first at "
                        f"line {seen[key]}); YAML would silently keep the last one",
                        "",
                        line,
                        col,
                        dotted((*path, key)),
                    )
                )
            seen.setdefault(key, _mark(key_node)[0])
            positions[(*path, key, "key")] = _mark(key_node)
            _walk(value_node, (*path, key), positions, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), positions, issues)


def dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def load_with_positions(
    text: str, file: str
) -> tuple[Any, Positions, list[ConfigIssue]]:
    """Parse YAML safely; return the data, the position of every path, and issues.

    Python-specific tags (``!!python/object``) are refused, as are duplicate
    keys, which plain YAML loaders silently resolve to the last one, and
    anchors/aliases (``&a`` / ``*a``), which allow self-reference and
    exponential expansion ("billion laughs").
    """
    issues: list[ConfigIssue] = []
    positions: Positions = {}
    try:
        alias = next(
            (
                e
                for e in yaml.parse(text, Loader=yaml.SafeLoader)
                if isinstance(e, yaml.AliasEvent)
            ),
            None,
        )
        if alias is not None:
            mark = alias.start_mark
            message = (
                f"YAML alias *{alias.anchor} is not allowed in pipeline files "
                "(anchors and aliases): write the value out"
            )
            line = mark.line + 1 if mark else None
            col = mark.column + 1 if mark else None
            return (
                None,
                positions,
                [ConfigIssue("yaml-alias", message, file, line, col)],
            )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        code, message = _explain(exc)
        issues.append(ConfigIssue(code, message, file, line, col))
        return None, positions, issues
    except yaml.YAMLError as exc:
        issues.append(ConfigIssue("yaml-syntax", f"YAML error: {exc}", file))
        return None, positions, issues
    if node is not None:
        _walk(node, (), positions, issues)
    issues = [
        ConfigIssue(i.code, i.message, file, i.line, i.column, i.path) for i in issues
    ]
    return data, positions, issues


def _explain(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    """An issue code and a message for a YAML error, with a hint at the usual cause."""
    problem = exc.problem or "invalid YAML"
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in problem:
        return "yaml-tag", (
            f"YAML tag error: {problem} (only plain YAML is allowed: no Python tags)"
        )
    message = f"YAML syntax error: {problem}"
    context = exc.context or ""
    opened = exc.context_mark
    if "\t" in problem or "'\\t'" in problem:  # PyYAML writes its repr
        message += " (YAML cannot be indented with tabs: indent with spaces)"
    elif "flow" in context and opened is not None:
        message += (
            f" ({context} opened at line {opened.line + 1}: is a closing bracket "
            "or a comma missing?)"
        )
    elif "mapping values are not allowed" in problem:
        message += (
            " (check this line's indentation, or quote a value that contains ': ')"
        )
    elif context and opened is not None:
        message += f" ({context} at line {opened.line + 1})"
    return "yaml-syntax", message


def parse_scalar(raw: str) -> Any:
    """A ``--set`` value as YAML reads it: ``20`` is an int, ``true`` a bool.

    ``{question}`` stays text: YAML would read it as a mapping with no values,
    which is never a useful parameter but is a prompt placeholder.
    """
    try:
        value = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError:
        return raw
    if isinstance(value, dict) and value and all(v is None for v in value.values()):
        return raw
    return value
