"""`symparam diff` output: a table, or JSON."""

from __future__ import annotations

from ..account import PLURAL
from ..diff import Diff
from ..printing import text
from ..symbols import binding_text
from ..totals import readable
from .escape import plain, terminal
from .json import bindings, json_value


def _value(expr) -> str:
    return "—" if expr is None else text(readable(expr))


def _parts(parts: dict) -> str:
    return " + ".join(f"({text(readable(v))}) {PLURAL[c]}" for c, v in parts.items() if v != 0)


def _flops(quantity):
    return None if quantity is None else json_value(quantity.value)


def table(d: Diff, console) -> None:
    from rich import box
    from rich.table import Table

    console.print(f"A = {plain(d.a.net.source)}\nB = {plain(d.b.net.source)}", highlight=False, markup=False)
    t = Table(box=box.SIMPLE_HEAD)
    for column in ("Layer", "A", "B", "B - A"):
        t.add_column(column, justify="left" if column == "Layer" else "right")
    for row in d.layers:
        t.add_row(terminal(row.name), _value(row.a), _value(row.b), _value(row.change))
    t.add_row("[bold]total[/bold]", _value(d.a.total.value), _value(d.b.total.value), _value(d.change))
    flops = [None if q is None else q.value for q in d.flops]
    t.add_row("[bold]FLOPs (forward)[/bold]", _value(flops[0]), _value(flops[1]), _value(d.flops_change))
    console.print(t)
    symbolic = d.symbolic_change
    if not symbolic.is_number or not d.change.is_number:
        console.print(f"B - A in symbols: {text(readable(symbolic))}", highlight=False, markup=False)
    if d.change != 0 and _parts(d.explain()):
        console.print("Where B - A comes from: " + _parts(d.explain()), highlight=False, markup=False)
    if _parts(d.buffers()):
        console.print("Buffers (not parameters), B - A: " + _parts(d.buffers()), highlight=False, markup=False)
    for label, a in (("A", d.a), ("B", d.b)):
        if a.bound:
            console.print(f"{label} bound: " + ", ".join(f"{k} = {binding_text(v)}" for k, v in a.bound.items()),
                          highlight=False, markup=False)


def document(d: Diff) -> dict:
    """`diff --json`: both totals, B - A (in numbers and in symbols), per layer, and by category."""
    return {
        "a": {"source": d.a.net.source, "network": d.a.name, "total": json_value(d.a.total.value),
              "bindings": bindings(d.a)},
        "b": {"source": d.b.net.source, "network": d.b.name, "total": json_value(d.b.total.value),
              "bindings": bindings(d.b)},
        "change": json_value(readable(d.change)),
        "symbolic_change": json_value(readable(d.symbolic_change)),
        "layers": [{"name": r.name, "a": json_value(r.a), "b": json_value(r.b), "change": json_value(readable(r.change))}
                   for r in d.layers],
        "by_category": {c: json_value(v) for c, v in d.explain().items() if v != 0},
        "flops": {"a": _flops(d.flops[0]), "b": _flops(d.flops[1]),
                  "change": None if d.flops_change is None else json_value(readable(d.flops_change))},
        "buffers_by_category": {c: json_value(v) for c, v in d.buffers().items() if v != 0},
    }
