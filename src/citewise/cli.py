"""The ``citewise`` command line.

Commands import what they need when they run, so ``citewise --help`` stays fast
and loads none of litellm, torch, chromadb or sentence-transformers.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from citewise.errors import CitewiseError, ConfigError, InputError

__all__ = ["app", "main"]

app = typer.Typer(
    name="citewise",
    help="Answers with numbered citations; every citation checked against its source.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
pipeline_app = typer.Typer(
    help="Inspect and check pipeline files.", no_args_is_help=True
)
data_app = typer.Typer(
    help="Datasets for the demo corpus and evals.", no_args_is_help=True
)
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(data_app, name="data")

Sets = Annotated[
    list[str] | None,
    typer.Option(
        "--set", help="Override a parameter: STEP.PARAM=VALUE or vars.NAME=VALUE."
    ),
]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Log each external call.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # citewise logs one line per external call; these libraries log their internals
    # (litellm twice, through a handler of its own), so they stay at WARNING.
    for noisy in (
        "LiteLLM",
        "LiteLLM Router",
        "litellm",
        "httpx",
        "chromadb",
        "bm25s",
        "sentence_transformers",
        "trafilatura",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders: .jsonl .txt .md .html")
    ],
    corpus: Annotated[str, typer.Option(help="Corpus name.")] = "wiki",
) -> None:
    """Read sources into a corpus; unchanged sources are skipped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from citewise.api import ingest as run_ingest

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console(True),
        transient=True,
    ) as bar:
        task = bar.add_task("embedding chunks", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = run_ingest(paths, corpus=corpus, progress=update)
    _console().print(
        f"corpus {corpus!r}: {report.added} sources added, {report.updated} updated, "
        f"{report.unchanged} unchanged; {report.embedded} chunks embedded, "
        f"{report.chunks} chunks in total"
    )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    corpus: Annotated[
        str | None, typer.Option(help="Corpus for every retrieve step.")
    ] = None,
    pipeline: Annotated[str, typer.Option(help="Pipeline file or name.")] = "answer",
    model: Annotated[
        str | None, typer.Option(help="Model for every generate step.")
    ] = None,
    set_: Sets = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON.")
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Bypass the model cache.")
    ] = False,
) -> None:
    """Answer a question with checked citations."""
    from citewise.api import ask as run_ask

    result = run_ask(
        question,
        pipeline=pipeline,
        corpus=corpus,
        model=model,
        overrides=set_ or [],
        use_cache=not no_cache,
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    from citewise.present import render

    render(result, _console())


@app.command()
def schema() -> None:
    """Print the JSON schema of the output of ask --json."""
    from citewise.types import AskResult

    typer.echo(json.dumps(AskResult.model_json_schema(), indent=2))


@app.command()
def models() -> None:
    """List the usable models."""
    from citewise.models import local_models

    for name, description in local_models().items():
        typer.echo(f"{name:22} local  {description}")


@app.command()
def corpora() -> None:
    """List the corpora in the data directory."""
    from citewise.sources.corpus import list_corpora

    for name in list_corpora():
        typer.echo(name)


@pipeline_app.command("show")
def pipeline_show(
    file: Annotated[str, typer.Argument(help="Pipeline file or name.")] = "answer",
    resolved: Annotated[
        bool, typer.Option(help="Vars and defaults filled in.")
    ] = False,
    set_: Sets = None,
) -> None:
    """Print a pipeline, as written or as it will run."""
    import yaml

    from citewise.pipeline.loader import find_pipeline, load

    if not resolved:
        path = find_pipeline(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read pipeline file {str(path)!r}: {exc}"
            ) from None
        typer.echo(text, nl=False)
        return
    loaded = load(file, set_ or [])
    typer.echo(f"# {loaded.file}")
    typer.echo(
        yaml.safe_dump(loaded.resolved(), sort_keys=False, allow_unicode=True), nl=False
    )


@pipeline_app.command("validate")
def pipeline_validate(
    files: Annotated[list[str], typer.Argument(help="Pipeline files.")],
    set_: Sets = None,
) -> None:
    """Check pipeline files; print every problem with file:line:col."""
    from citewise.pipeline.loader import load

    failed: list[ConfigError] = []
    for file in files:
        try:
            loaded = load(file, set_ or [])
        except ConfigError as exc:
            failed.append(exc)
            continue
        typer.echo(f"{loaded.file}: ok ({len(loaded.steps)} steps)")
    if failed:
        for problem in failed:
            _console(True).print(str(problem), markup=False)
        raise typer.Exit(2)


@data_app.command("fetch")
def data_fetch(
    name: Annotated[str, typer.Argument(help="Dataset name: clapnq.")],
    dest: Annotated[Path | None, typer.Option(help="Folder to write to.")] = None,
) -> None:
    """Download a dataset's public files (nothing when they are already there)."""
    from citewise.data import fetch

    typer.echo(str(fetch(name, dest)))


@data_app.command("path")
def data_path(
    name: Annotated[str, typer.Argument(help="Dataset name: clapnq.")],
) -> None:
    """Print where a dataset is read from."""
    from citewise.data import dataset_path

    typer.echo(str(dataset_path(name)))


def main() -> None:
    """Entry point: user errors exit 2, provider errors 3; no tracebacks."""
    try:
        # Without standalone mode, click returns the code of a ``typer.Exit``.
        code = app(standalone_mode=False)
    except CitewiseError as exc:
        _console(True).print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors from typer's bundled click
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
