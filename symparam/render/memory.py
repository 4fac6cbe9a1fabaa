"""`derive --memory` output: each part of the memory with its bytes and the rule it assumes (symparam.memory)."""

from __future__ import annotations

from ..memory import Memory, readable_bytes
from .escape import markdown, plain
from .json import json_value


def _rows(m: Memory):
    for part in m.parts:
        yield part.name, readable_bytes(part.bytes), part.rule
    if m.unknown:
        yield "activations", "unknown", m.unknown
    if m.training is not None:
        yield "training", readable_bytes(m.training), "weights + gradients + master + optimizer + activations"


def title(m: Memory) -> str:
    under = f", training with {m.optimizer.name}" if m.optimizer is not None else ""
    return f"Memory at {m.dtype}{under}"


def table(m: Memory, console) -> None:
    from rich import box
    from rich.table import Table

    t = Table(title=title(m), box=box.SIMPLE_HEAD, title_justify="left")
    for header in ("Part", "Bytes", "Rule"):
        t.add_column(header, justify="right" if header == "Bytes" else "left")
    for row in _rows(m):
        t.add_row(*(plain(cell).replace("[", r"\[") for cell in row))
    console.print(t)


def lines(m: Memory) -> list[str]:
    """The Markdown section."""
    out = [f"## {markdown(title(m))}", "", "| Part | Bytes | Rule |", "| --- | ---: | --- |"]
    out += [f"| {' | '.join(markdown(cell) for cell in row)} |" for row in _rows(m)]
    return out + [""]


def document(m: Memory) -> dict:
    """The JSON `memory` object: bytes (integers when concrete, else symparam's syntax; int4 weights may be a
    half byte: a fraction in symparam's syntax), the rules, and activations per layer."""
    out = {"dtype": m.dtype, **({"optimizer": m.optimizer.name} if m.optimizer is not None else {})}
    out.update({part.name: json_value(part.bytes) for part in m.parts})
    if m.unknown:
        out["activations"] = None
        out["activations_unknown"] = m.unknown
    if m.training is not None:
        out["training"] = json_value(m.training)
    out["rules"] = {part.name: part.rule for part in m.parts}
    if m.activations_by_layer:
        out["activations_by_layer"] = {name: json_value(b) for name, b in m.activations_by_layer}
    return out





def _pairs(a: Memory, b: Memory):
    """(part, bytes in A, bytes in B) for every part either has, training last."""
    names = [p.name for p in a.parts] + [p.name for p in b.parts if a.part(p.name) is None]
    for name in names:
        pa, pb = a.part(name), b.part(name)
        yield name, None if pa is None else pa.bytes, None if pb is None else pb.bytes
    if a.optimizer is not None:
        yield "training", a.training, b.training


def diff_table(a: Memory, b: Memory, console) -> None:
    """`diff --memory`: each part in A and B and B - A, in bytes."""
    from rich import box
    from rich.table import Table

    t = Table(title=title(a), box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("Part", "A", "B", "B - A"):
        t.add_column(column, justify="left" if column == "Part" else "right")
    for name, x, y in _pairs(a, b):
        change = None if x is None or y is None else y - x
        t.add_row(*(plain(c) for c in (name, *("—" if v is None else readable_bytes(v) for v in (x, y, change)))))
    console.print(t)


def diff_document(a: Memory, b: Memory) -> dict:
    return {"dtype": a.dtype, **({"optimizer": a.optimizer.name} if a.optimizer is not None else {}),
            "parts": {name: {"a": json_value(x), "b": json_value(y),
                             "change": None if x is None or y is None else json_value(y - x)}
                      for name, x, y in _pairs(a, b)}}
