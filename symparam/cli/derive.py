"""`symparam derive SPEC`: every layer's variables, output shape and count, and the network's totals, in the format
a course needs: a table, LaTeX (a fragment or a whole document), Markdown, an HTML page, or JSON."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from ..render import NAMES as FORMATS, help_text
from .common import DtypeOption, OptimizerOption, SetOption, SymbolicOption, bindings, console

ALIASES = {"--latex": "latex", "--json": "json", "--document": "latex-document"}


def _format(given: str | None, flags: dict[str, bool]) -> str:
    """The one output format asked for by --format and its aliases; two different ones are a mistake."""
    asked = [(flag, fmt) for flag, fmt in ALIASES.items() if flags[flag]]
    if given is not None:
        if given not in FORMATS:
            raise SymparamError(f"--format must be one of {', '.join(FORMATS)}. Received: --format {given}.")
        asked.append((f"--format {given}", given))
    for flag, fmt in asked[1:]:
        if fmt != asked[0][1]:
            raise SymparamError(f"{asked[0][0]} and {flag} cannot be combined; choose one output format.")
    return asked[0][1] if asked else "table"


def derive(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    set_: SetOption = None,
    symbolic: SymbolicOption = False,
    format_: Annotated[Optional[str], typer.Option(
        "--format", "-f", metavar="FORMAT", show_default=False,
        help=help_text() + ".")] = None,
    latex: Annotated[bool, typer.Option("--latex", help="Same as --format latex.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    document: Annotated[bool, typer.Option("--document", help="Same as --format latex-document.")] = False,
    output: Annotated[Optional[str], typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write the result to FILE (whole or not at all) instead of printing it.")] = None,
    share: Annotated[bool, typer.Option(
        "--share", help="Add each layer's share of the total, degrees, the leading term, the dominant layers.")] = False,
    leading: Annotated[bool, typer.Option(
        "--leading", help="The dominant term of the non-embedding parameters, and what it leaves out.")] = False,
    convention: Annotated[Optional[str], typer.Option(
        "--convention", help="Also count under the other framework's rules: keras or torch.")] = None,
    compute: Annotated[bool, typer.Option(
        "--compute", help="Add MACs and FLOPs columns and totals to the table (JSON always has them); the batch is "
                          "--set batch=N (1 by default).")] = False,
    flops_convention: Annotated[str, typer.Option(
        "--flops-convention", metavar="NAME", help="What a FLOP is: torch (as PyTorch's FlopCounterMode: 2 per "
                                                   "multiply-add), all (every operation too) or macs.")] = "torch",
    causal: Annotated[bool, typer.Option(
        "--causal", help="Count attention under a causal mask: only the query-key pairs it keeps.")] = False,
    memory: Annotated[bool, typer.Option(
        "--memory", help="Add the memory in bytes: weights at --dtype; with --optimizer the training parts and the "
                         "activations saved for backward (--set batch=N examples, 1 by default).")] = False,
    dtype: DtypeOption = None,
    optimizer: OptimizerOption = None,
    recompute: Annotated[bool, typer.Option(
        "--recompute", help="Activations with recomputation: each repeated block copy keeps only its input.")] = False,
) -> None:
    """Derive each layer's parameters and output shape, and the network's totals."""
    fmt = _format(format_, {"--latex": latex, "--json": json, "--document": document})
    if convention is not None and convention not in ("keras", "torch"):
        raise SymparamError(f"--convention must be keras or torch. Received: --convention {convention}.")
    for flag, given in (("--convention", convention), ("--leading", leading or None)):
        if given is not None and fmt not in ("table", "json"):
            raise SymparamError(f"{flag} is shown in the table and JSON formats only. Received: {flag} with "
                                f"--format {fmt}.")
    if output is not None:
        from ..fileio import check_outputs
        check_outputs({"--output": output}, inputs=[spec])
    memory = memory or dtype is not None or optimizer is not None or recompute
    if memory and fmt not in ("table", "json", "markdown"):
        raise SymparamError(f"--memory is shown in the table, JSON and Markdown formats only. Received: --memory "
                            f"with --format {fmt}.")
    from ..compute import Options, convention as find_convention, report, take_batch
    from ..engine import derive as derive_spec, resolved
    from ..spec import load

    find_convention(flops_convention)
    unbound = derive_spec(load(spec))
    batch, values = take_batch(bindings(set_), unbound.symbols, symbolic)   # compute's and memory's batch
    net = resolved(unbound, values, defaults=not symbolic)
    from ..account import build
    account = build(net)
    for warning in account.warnings:   # one line each on stderr; the result still follows (exit 0)
        from ..render.escape import plain
        typer.echo(f"warning: {plain(spec)}: {plain(warning)}", err=True)
    options = {}
    if compute or fmt == "json":
        options["compute"] = report(account, Options(flops_convention, batch, causal))
    if memory or fmt == "json":   # JSON always has the memory: weights at --dtype (fp32), training under --optimizer
        from ..memory import estimate
        options["memory"] = estimate(account, dtype or "fp32", optimizer, recompute, batch=batch)
    if convention is not None and convention != net.convention:
        from ..twins import translate
        options["translation"] = translate(net, convention)
    if leading:
        from ..sensitivity import leading as find_leading
        options["leading"] = find_leading(account)
    if share:
        from ..sensitivity import analyse
        options["share"] = analyse(account)

    if fmt == "table" and output is None:
        from ..render.table import show
        show(account, console(), **options)
        return
    from ..render import render
    text = render(account, fmt, **options)
    if output is None:
        typer.echo(text, nl=False)
    else:
        from ..fileio import write_atomic
        write_atomic(output, text)
        from ..render.escape import plain
        typer.echo(f"Wrote {plain(output)}.")
