"""The one exception tree of citewise.

::

    CitewiseError
    ├── UserError                 exit code 2: the user can fix it
    │   ├── ConfigError           a pipeline file or override is wrong (all issues)
    │   ├── CorpusError           a corpus is missing, empty or unreadable
    │   ├── InputError            a path, data file or argument is wrong
    │   └── ModelNotFoundError    a model reference names no known model
    ├── ProviderError             exit code 3: a model provider failed
    │   └── ModelUnavailableError a local model's files or runtime are missing
    └── DownloadError             exit code 3: a dataset download failed

Every message says what failed, where, the bad value and the valid options.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CitewiseError",
    "ConfigError",
    "ConfigIssue",
    "CorpusError",
    "DownloadError",
    "InputError",
    "ModelNotFoundError",
    "ModelUnavailableError",
    "ProviderError",
    "UserError",
]


class CitewiseError(Exception):
    """Base of every error citewise raises on purpose."""

    exit_code = 1


class UserError(CitewiseError):
    """A mistake in what the user gave; fixing the input fixes it."""

    exit_code = 2


class InputError(UserError):
    """A path, data file or argument that cannot be used."""


class CorpusError(UserError):
    """A corpus that does not exist, is empty, or cannot be read."""


class ModelNotFoundError(UserError):
    """A model reference that names no known provider or model."""


class ProviderError(CitewiseError):
    """A model provider failed to answer."""

    exit_code = 3


class ModelUnavailableError(ProviderError):
    """A local model whose weights or runtime are not installed."""


class DownloadError(CitewiseError):
    """A public dataset could not be downloaded."""

    exit_code = 3


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a pipeline file, located as precisely as the file allows."""

    code: str
    message: str
    file: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    def location(self) -> str:
        """``file:line:col`` (or as much of it as is known)."""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"{self.location()}: {self.message}{where} [{self.code}]"


class ConfigError(UserError):
    """A pipeline file or override with one or more issues, all reported at once."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        count = len(issues)
        head = "1 problem" if count == 1 else f"{count} problems"
        body = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"pipeline has {head}:\n{body}")
