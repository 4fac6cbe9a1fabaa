"""`symparam sweep SPEC --over NAME=...`: totals (and per-layer counts) over a grid of symbol values."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from .common import DtypeOption, OptimizerOption, SetOption, bindings, console


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
    flops: Annotated[bool, typer.Option("--flops", help="Add columns flops (forward) and flops_training (forward + "
                                                        "backward), for a batch of --set batch=N (1).")] = False,
    flops_convention: Annotated[str, typer.Option(
        "--flops-convention", metavar="NAME", help="With --flops: torch, all or macs (see derive).")] = "torch",
    memory: Annotated[bool, typer.Option(
        "--memory", help="Add a memory_bytes column: weights and KV cache at --dtype, or with --optimizer the "
                         "training memory (--set batch=N examples, 1 by default).")] = False,
    dtype: DtypeOption = None,
    optimizer: OptimizerOption = None,
) -> None:
    """Evaluate the totals over a grid of symbol values, exactly and fast."""
    from ..fileio import atomic_output, check_outputs, write_atomic
    from ..sweep import check_size, parse_over, plan

    if format_ not in ("table", "csv", "json"):
        raise SymparamError(f"--format must be table, csv or json. Received: --format {format_}.")
    if not over:
        raise SymparamError("sweep needs at least one --over NAME=START:STOP[:STEP] or NAME=v1,v2,...")
    if max_points < 1:
        raise SymparamError(f"--max-points must be a positive integer. Received: --max-points {max_points}.")
    axes = [parse_over(item) for item in over]
    check_size(axes, max_points)
    check_outputs({"--output": output, "--plot": plot}, inputs=[spec])
    if plot:
        from ..render.plot import check as check_plot
        check_plot(axes, plot)
    swept = {a.name for a in axes}
    from ..account import build
    from ..compute import take_batch
    from ..engine import derive, resolved
    from ..spec import load

    unbound = derive(load(spec))
    batch, given = take_batch(bindings(set_), unbound.symbols)   # the FLOPs' and the memory's examples
    for name in swept & set(given):
        raise SymparamError(f"--over {name}: the symbol is also bound by --set; sweep it or set it.")
    net = resolved(unbound, given, free=swept)
    extra = {}
    memory = memory or dtype is not None or optimizer is not None
    account = build(net) if memory or flops else None
    if memory:
        extra["memory_bytes"] = _memory_bytes(account, batch, dtype or "fp32", optimizer)
    if flops:
        from .sweep_compute import flops_columns
        extra.update(flops_columns(account, batch, flops_convention))
    job = plan(net, axes, per_layer=per_layer, max_points=max_points, extra=extra or None)
    docs = {info.symbol.name: info.doc for info in net.symbols}
    with _progress(job) as parts:
        if format_ == "table" and not output:
            from ..render.sweep import table
            drawn = []
            table(_kept(parts, drawn, plot), console())
            _write_plot(plot, drawn, docs, write_atomic)
            return
        from ..render.sweep import stream
        fmt = "json" if format_ == "json" else "csv"
        drawn = []
        if output:
            with atomic_output(output, "--output") as handle:
                stream(_kept(parts, drawn, plot), fmt, handle.write)
                _write_plot(plot, drawn, docs, write_atomic)   # a failing chart leaves the old output in place
        else:
            stream(_kept(parts, drawn, plot), fmt, sys.stdout.write)
            _write_plot(plot, drawn, docs, write_atomic)


def _memory_bytes(account, batch, dtype: str, optimizer):
    """The memory (symparam.memory) in the swept symbols, for `batch` examples."""
    import sympy

    from ..memory import estimate

    m = estimate(account, dtype, optimizer, batch=batch)
    if optimizer is None:
        return sympy.Add(*(p.bytes for p in m.parts))
    if m.training is None:
        raise SymparamError(f"the activations cannot be counted: {m.unknown}.")
    return m.training


def _kept(parts, drawn: list, plot):
    """Pass the chunks on, keeping the rows the chart draws (only those) in `drawn`."""
    from ..render.plot import select
    for part in parts:
        if plot:
            drawn.append(select(part))
        yield part


def _write_plot(plot, drawn, docs, write_atomic) -> None:
    if not plot:
        return
    from ..render.plot import render
    from ..sweep import join
    write_atomic(plot, render(join(drawn), plot, docs), "--plot")


@contextmanager
def _progress(job):
    """The chunks, with a progress bar on a terminal for a large grid."""
    from ..sweep import CHUNK, chunks

    if job.size <= CHUNK or not sys.stderr.isatty():
        yield chunks(job)
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task("sweeping", total=job.size)
        yield chunks(job, lambda done, total: progress.update(task, completed=done))
