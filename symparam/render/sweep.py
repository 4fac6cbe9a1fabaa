"""Sweep results as a table (rich), CSV or JSON: one row per grid point.

Each format is written chunk by chunk (`stream`), so a sweep of any size holds one chunk in memory; `csv`,
`render_json` and `table` take a whole SweepResult (one chunk) for the library and small grids.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Callable, Iterable

import numpy as np

from ..sweep import SweepResult
from ..symbols import binding_text
from .escape import csv as csv_field, terminal

TABLE_ROWS = 60   # a terminal table shows the first and last rows of a larger grid


def _names(result: SweepResult) -> list[str]:
    return [a.name for a in result.axes] + ["total", "trainable", "non_trainable"] + result.layer_columns


def _counts(result: SweepResult) -> list[str]:
    return ["total", "trainable", "non_trainable"] + result.layer_columns


def _value(v):
    """An axis value as JSON holds it: an integer, true/false, a choice's word, a rational as "p/q"."""
    return v if isinstance(v, (int, bool, str)) else binding_text(v)


def _axis(column: np.ndarray) -> list[str]:
    """An axis column's cells: integers as digits; rationals (1/2), booleans (true) and words as --set takes
    them, each through the CSV escaping (a word could start a formula)."""
    if column.dtype != object:
        return column.astype(str).tolist()
    return [str(v) if type(v) is int else csv_field(binding_text(v)) for v in column.tolist()]


def csv_header(result: SweepResult) -> str:
    return ",".join(csv_field(n) for n in _names(result) + ["valid"]) + "\n"


def csv_rows(result: SweepResult) -> str:
    if not result.size:
        return ""
    columns = [_axis(result.columns[a.name]) for a in result.axes]
    all_valid = bool(result.valid.all())
    for name in _counts(result):
        column = result.columns[name].astype(str)
        columns.append((column if all_valid else np.where(result.valid, column, "")).tolist())
    columns.append(np.where(result.valid, "true", "false").tolist())
    return "\n".join(map(",".join, zip(*columns))) + "\n"


def csv(result: SweepResult) -> str:
    return csv_header(result) + csv_rows(result)


def document(result: SweepResult) -> list[dict]:
    names = _names(result)
    counts = set(_counts(result))
    lists = {n: result.columns[n].tolist() for n in names}
    for a in result.axes:
        if result.columns[a.name].dtype == object:
            lists[a.name] = [_value(v) for v in lists[a.name]]
    rows = []
    for i, ok in enumerate(result.valid.tolist()):
        row = {n: (lists[n][i] if ok or n not in counts else None) for n in names}
        row["valid"] = ok
        rows.append(row)
    return rows


def _json_rows(result: SweepResult) -> str:
    """The chunk's rows as JSON objects joined by commas (the inside of the array)."""
    return json.dumps(document(result), indent=None, separators=(",", ":"))[1:-1]


def render_json(result: SweepResult) -> str:
    return "[" + _json_rows(result) + "]\n"


def stream(parts: Iterable[SweepResult], fmt: str, write: Callable[[str], object]) -> None:
    """Write a sweep in `fmt` ("csv" or "json") chunk by chunk."""
    first = True
    for part in parts:
        if fmt == "csv":
            write((csv_header(part) if first else "") + csv_rows(part))
        else:
            rows = _json_rows(part)
            write(("[" if first else ("," if rows else "")) + rows)
        first = False
    if fmt == "json":
        write("]\n")


def _cell(v) -> str:
    return f"{int(v):,}" if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else binding_text(v)


class Rows:
    """What a terminal table shows of a sweep fed chunk by chunk: the first and last rows, and the counts."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.head: list[list[str]] = []
        self.tail: deque[list[str]] = deque(maxlen=TABLE_ROWS)
        self.size = 0
        self.invalid = 0

    def add(self, part: SweepResult) -> None:
        self.names = _names(part)
        counts = set(_counts(part))
        wanted = set(range(min(part.size, max(0, TABLE_ROWS - self.size))))
        wanted |= set(range(max(0, part.size - TABLE_ROWS), part.size))
        for i in sorted(wanted):
            ok = bool(part.valid[i])
            row = [_cell(part.columns[n][i]) if ok or n not in counts else "invalid" for n in self.names]
            if self.size + i < TABLE_ROWS:
                self.head.append(row)
            self.tail.append(row)
        self.size += part.size
        self.invalid += int(part.size - part.valid.sum())

    def shown(self) -> list[list[str] | None]:
        if self.size <= TABLE_ROWS:
            return self.head
        half = TABLE_ROWS // 2
        return self.head[:half] + [None] + list(self.tail)[-half:]


def table(result: SweepResult | Iterable[SweepResult], console) -> None:
    from rich import box
    from rich.table import Table

    rows = Rows()
    for part in ([result] if isinstance(result, SweepResult) else result):
        rows.add(part)
    t = Table(box=box.SIMPLE_HEAD)
    for n in rows.names:
        t.add_column(terminal(n), justify="right")
    for row in rows.shown():
        t.add_row(*(["…"] * len(rows.names) if row is None else row))
    console.print(t)
    line = f"{rows.size:,} points"
    if rows.size > TABLE_ROWS:
        line += f" (first and last {TABLE_ROWS // 2} shown; --format csv for all)"
    if rows.invalid:
        line += f", {rows.invalid:,} invalid (an output length or a condition fails there)"
    console.print(line, highlight=False, markup=False)
