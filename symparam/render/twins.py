"""`derive --convention OTHER`: each layer's count beside its twin's in the other framework."""

from __future__ import annotations

from ..printing import text
from ..totals import readable
from ..twins import Translation
from .escape import plain, terminal
from .json import json_value

NAMES = {"keras": "Keras", "torch": "PyTorch"}


def _value(expr) -> str:
    return "—" if expr is None else text(readable(expr))


def table(tr: Translation, console) -> None:
    from rich import box
    from rich.table import Table

    own, other = NAMES[tr.net.convention], NAMES[tr.convention]
    t = Table(title=terminal(f"{tr.net.name}: {own} counts beside {other}'s"), box=box.SIMPLE_HEAD,
              title_justify="left")
    for column, justify in (("Layer (type)", "left"), (f"{own} params", "right"), (f"{other} twin", "left"),
                            (f"{other} params", "right"), (f"{other} buffers", "right"), ("difference", "right")):
        t.add_column(column, justify=justify)
    notes = []
    for row in tr.rows:
        layer = row.layer
        if row.record is None:
            twin = "no twin" if row.reason else "(no parameters)"
            other_params = "—" if row.reason else "0"
            diff = "—" if row.reason else _value(-layer.params)
        else:
            twin = row.record.type
            other_params = _value(row.params)
            diff = _value(row.params - layer.params)
        t.add_row(terminal(f"{layer.name} ({layer.type})"), terminal(_value(layer.params)), terminal(twin),
                  terminal(other_params), terminal(_value(row.buffers) if row.record is not None else "—"), terminal(diff))
        if row.reason:
            notes.append(f"{layer.name}: {row.reason}.")
        elif row.twin is not None and row.twin.note and row.params is not None and \
                (row.params - layer.params) != 0:
            notes.append(f"{layer.name}: {row.twin.note}.")
    console.print(t)
    console.print(f"{own} total: {_value(tr.net.total)}", highlight=False, markup=False)
    if tr.complete:
        console.print(f"{other} total: {_value(tr.total)} (+ {_value(tr.buffers)} in buffers)", highlight=False,
                      markup=False)
        console.print(f"{other} - {own}: {_value(tr.total - tr.net.total)}", highlight=False, markup=False)
    else:
        console.print(f"{other} total: not comparable (a layer has no twin; see below)", highlight=False,
                      markup=False)
    for note in notes:
        console.print(plain(note), highlight=False, markup=False)


def document(tr: Translation) -> dict:
    return {
        "convention": tr.convention,
        "complete": tr.complete,
        "layers": [{"name": r.layer.name, "twin": None if r.record is None else r.record.type,
                    "params": json_value(None if r.params is None else readable(r.params)),
                    "buffers": json_value(None if r.buffers is None else readable(r.buffers)),
                    "reason": r.reason or None} for r in tr.rows],
        "total": json_value(readable(tr.total)) if tr.complete else None,
        "buffers": json_value(readable(tr.buffers)) if tr.complete else None,
    }
