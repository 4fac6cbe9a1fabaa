"""`symparam quiz SPEC --vary NAME=... --count K --seed S`: an exercise sheet and its answer key."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from ..render import FORMATS
from .common import SetOption, bindings

SHEET_FORMATS = tuple(f.name for f in FORMATS if f.sheet)   # the formats symparam writes exercise sheets in


def quiz(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    vary: Annotated[Optional[list[str]], typer.Option(
        "--vary", help="A symbol's values across variants: NAME=v1,v2,... or NAME=START:STOP[:STEP] (repeatable).",
        metavar="NAME=VALUES")] = None,
    count: Annotated[int, typer.Option("--count", help="How many variants (K).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="The random seed: the same seed gives the same sheet.")] = 0,
    format_: Annotated[str, typer.Option("--format", help=", ".join(SHEET_FORMATS) + ".", metavar="FORMAT")]
    = "markdown",
    questions: Annotated[str, typer.Option(
        "--questions", help="Question styles: total, layer, shape, largest (comma-separated).")] = "total,layer",
    paper: Annotated[str, typer.Option("--paper", help="The printed paper (LaTeX and HTML): a4 or letter.",
                                       metavar="PAPER")] = "a4",
    set_: SetOption = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the sheet to FILE.",
                                                  metavar="SHEET")] = None,
    answers: Annotated[Optional[str], typer.Option("--answers", help="Write the answer key to FILE.",
                                                   metavar="KEY")] = None,
) -> None:
    """Make K variants of an exercise with different numbers, and an answer key with worked solutions."""
    from ..engine import derive_file
    from ..fileio import check_outputs, write_atomic
    from ..quiz import check_vary, make, parse_styles
    from ..render.quiz import PAPERS, SHEETS
    from ..sweep import parse_over, split, typed

    if format_ not in SHEET_FORMATS:
        raise SymparamError(f"--format must be one of {', '.join(SHEET_FORMATS)}. Received: --format {format_}.")
    if paper not in PAPERS:
        raise SymparamError(f"--paper must be one of {', '.join(PAPERS)}. Received: --paper {paper}.")
    styles = parse_styles(questions)
    if not vary:
        raise SymparamError("quiz needs at least one --vary NAME=v1,v2,...")
    axes = [parse_over(item.replace("--vary", "--over")) for item in vary]
    check_vary(axes)   # before deriving: a grid too large is refused at once
    check_outputs({"--output": output, "--answers": answers}, inputs=[spec])
    given = bindings(set_)
    varied = {a.name for a in axes}
    for name in varied & set(given):
        raise SymparamError(f"--vary {name}: the symbol is also bound by --set; vary it or set it.")
    net = derive_file(spec, given, free=varied)
    axes = typed(axes, net.symbols)   # 0 for a natural symbol; a rational, boolean or choice is --set, not varied
    for axis in split(axes, net.symbols)[0]:
        raise SymparamError(f"--vary takes integer symbols; {axis.name} is {net.symbols.info(axis.name).type}: give "
                            f"it with --set.")
    variants = make(net, axes, count, seed, styles)
    sheet, key = SHEETS[format_]
    options = {"paper": paper} if format_ in ("latex", "html") else {}   # the formats that print
    text = sheet(net.name, variants, **options)
    if output:
        write_atomic(output, text, "--output")
    else:
        typer.echo(text, nl=False)
    if answers:
        write_atomic(answers, key(net.name, variants, **options), "--answers")
