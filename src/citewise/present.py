"""The terminal view of a result: answer, a check per sentence, numbered sources."""

from __future__ import annotations

from typing import Any

from citewise.types import AskResult

__all__ = ["MARKS", "render"]

MARKS = {
    "supported": ("✓", "green"),
    "partial": ("~", "yellow"),
    "unsupported": ("✗", "red"),
    "uncited": ("?", "magenta"),
    "no_claim": ("·", "dim"),
}


def _short(text: str, limit: int = 160) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def render(result: AskResult, console: Any) -> None:
    """Print ``result`` to a rich console."""
    from rich.markup import escape

    console.print(f"[bold]{escape(result.question)}[/bold]")
    console.print(
        f"[dim]{result.pipeline} · {result.model} · run {result.run_id}[/dim]\n"
    )
    console.print(escape(result.answer) or "[dim](empty answer)[/dim]", "\n")

    console.print("[bold]Checks[/bold]")
    for sentence in result.sentences:
        check = sentence.check
        verdict = check.verdict if check else "unchecked"
        mark, style = MARKS.get(verdict, ("-", "dim"))
        score = f" {check.score:.2f}" if check and check.score else ""
        action = " (dropped)" if check and check.action == "dropped" else ""
        invalid = (
            f" [red]invalid citation(s) {sentence.invalid_citations}[/red]"
            if sentence.invalid_citations
            else ""
        )
        console.print(
            f"  [{style}]{mark} {verdict}{score}{action}[/{style}] "
            f"{escape(sentence.text)}{invalid}"
        )
        if check and check.span:
            console.print(
                f"      [dim]support [{check.span.n}]: "
                f"{escape(_short(check.span.text))}[/dim]"
            )

    console.print("\n[bold]Sources[/bold]")
    for item in result.evidence:
        where = item.url or item.source_id
        console.print(
            f"  [{item.n}] {escape(item.title)} — {escape(where)} "
            f"[dim](chars {item.start}–{item.end})[/dim]"
        )

    usage = result.usage
    cost = "unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    steps = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items())
    cached = " (cached)" if usage.cached else ""
    console.print(
        f"\n[dim]tokens {usage.prompt_tokens}+{usage.completion_tokens}{cached} · "
        f"cost {cost} · {steps}[/dim]"
    )
