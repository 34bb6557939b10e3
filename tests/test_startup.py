"""Start-up stays light: help and pipeline commands import no heavy library."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.unit

HEAVY = (
    "litellm",
    "torch",
    "chromadb",
    "sentence_transformers",
    "deepeval",
    "llama_cpp",
)
PROBE = """
import sys
from citewise.cli import main
sys.argv = ["citewise", *{args!r}]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("HEAVY=" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["pipeline", "show", "pipelines/answer.yaml", "--resolved"],
        ["pipeline", "validate", "pipelines/answer.yaml"],
        ["models"],
    ],
)
def test_command_imports_no_heavy_library(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="
