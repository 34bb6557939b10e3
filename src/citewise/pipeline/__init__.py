"""Pipelines: YAML files → checked specs → langchain-core Runnables."""

from __future__ import annotations

from citewise.pipeline.builder import Pipeline, build
from citewise.pipeline.loader import LoadedPipeline, find_pipeline, load, loads
from citewise.pipeline.registry import RunContext, Step, StepParams, register

__all__ = [
    "LoadedPipeline",
    "Pipeline",
    "RunContext",
    "Step",
    "StepParams",
    "build",
    "find_pipeline",
    "load",
    "loads",
    "register",
]
