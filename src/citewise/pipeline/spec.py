"""The shape of a pipeline file, as pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["PipelineSpec", "StepSpec"]


class StepSpec(BaseModel):
    """One entry of ``steps``: which step kind to use and how."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]*$")
    use: str
    in_: list[str] | None = Field(default=None, alias="in")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")

    @field_validator("in_", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class PipelineSpec(BaseModel):
    """A whole pipeline file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    vars: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)

    def dump(self) -> dict[str, Any]:
        """The spec as plain data, keys as written in YAML."""
        return self.model_dump(by_alias=True, exclude_none=True)
