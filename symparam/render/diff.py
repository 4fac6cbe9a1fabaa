"""`symparam diff` output."""

from __future__ import annotations

from ..diff import Diff, explain
from ..totals import readable, text


def _value(expr) -> str:
    return "—" if expr is None else text(readable(expr))


def table(d: Diff, console) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    console.print(f"A = {d.a.source}\nB = {d.b.source}", highlight=False, markup=False)
    t = Table(box=box.SIMPLE_HEAD)
    for column in ("Layer", "A", "B", "B - A"):
        t.add_column(column, justify="left" if column == "Layer" else "right")
    for row in d.layers:
        t.add_row(escape(row.name), escape(_value(row.a)), escape(_value(row.b)), escape(_value(row.change)))
    t.add_row("[bold]total[/bold]", escape(_value(d.a.total)), escape(_value(d.b.total)),
              escape(_value(d.change)))
    console.print(t)
    symbolic = d.symbolic_change
    if not symbolic.is_number or not d.change.is_number:
        console.print(f"B - A in symbols: {text(readable(symbolic))}", highlight=False, markup=False)
    parts = {c: v for c, v in explain(d).items() if v != 0}
    buffers = parts.pop("buffers", None)
    if parts and d.change != 0:
        console.print("Where B - A comes from: " + " + ".join(f"({text(readable(v))}) {c}" for c, v in parts.items()),
                      highlight=False, markup=False)
    if buffers is not None:
        console.print(f"Buffers (not parameters), B - A: {text(readable(buffers))}", highlight=False, markup=False)
    for label, net in (("A", d.a), ("B", d.b)):
        if net.bindings:
            console.print(f"{label} bound: " + ", ".join(f"{k} = {v}" for k, v in net.bindings.items()),
                          highlight=False, markup=False)
