"""`symparam sweep SPEC --over NAME=...`: totals (and per-layer counts) over a grid of symbol values."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from .common import SetOption, bindings, console


def sweep(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    over: Annotated[Optional[list[str]], typer.Option(
        "--over", help="A swept symbol: NAME=START:STOP[:STEP] (STOP included) or NAME=v1,v2,... (repeatable; "
                       "the grid is their product).", metavar="NAME=RANGE")] = None,
    set_: SetOption = None,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="Add a column per layer.")] = False,
    format_: Annotated[str, typer.Option("--format", help="table, csv or json.", metavar="FORMAT")] = "table",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write to FILE instead of stdout.",
                                                  metavar="FILE")] = None,
    plot: Annotated[Optional[str], typer.Option("--plot", help="Chart the total: FILE.png or FILE.svg.",
                                                metavar="FILE")] = None,
    max_points: Annotated[int, typer.Option("--max-points", help="Allow grids larger than 10,000,000 points.")]
    = 10_000_000,
) -> None:
    """Evaluate the totals over a grid of symbol values, exactly and fast."""
    from ..engine import derive_file
    from ..fileio import check_outputs, write_atomic
    from ..sweep import parse_over, run

    if format_ not in ("table", "csv", "json"):
        raise SymparamError(f"--format must be table, csv or json. Received: --format {format_}.")
    if not over:
        raise SymparamError("sweep needs at least one --over NAME=START:STOP[:STEP] or NAME=v1,v2,...")
    if max_points < 1:
        raise SymparamError(f"--max-points must be a positive integer. Received: --max-points {max_points}.")
    axes = [parse_over(item) for item in over]
    check_outputs({"--output": output, "--plot": plot}, inputs=[spec])
    if plot:
        if not plot.lower().endswith((".png", ".svg")):
            raise SymparamError(f"--plot {plot}: the file must end in .png or .svg.")
    swept = {a.name for a in axes}
    given = bindings(set_)
    for name in swept & set(given):
        raise SymparamError(f"--over {name}: the symbol is also bound by --set; sweep it or set it.")
    net = derive_file(spec, given, free=swept)
    result = _run_with_progress(run, net, axes, per_layer, max_points)
    if plot:
        from ..render.plot import render as render_plot
        docs = {info.symbol.name: info.doc for info in net.symbols}
        write_atomic(plot, render_plot(result, plot, docs), "--plot")
    from ..render import sweep as out
    if format_ == "table" and not output:
        out.table(result, console())
        return
    text = out.csv(result) if format_ in ("csv", "table") else out.render_json(result)
    if output:
        write_atomic(output, text, "--output")
    else:
        sys.stdout.write(text)


def _run_with_progress(run, net, axes, per_layer, max_points):
    from ..sweep import CHUNK, grid_size

    if grid_size(axes) <= CHUNK or not sys.stderr.isatty():
        return run(net, axes, per_layer=per_layer, max_points=max_points)
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("sweeping", total=grid_size(axes))
        return run(net, axes, per_layer=per_layer, max_points=max_points,
                   progress=lambda done, total: progress.update(task, completed=done))
