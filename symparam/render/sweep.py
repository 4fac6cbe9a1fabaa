"""Sweep results as a table (rich), CSV or JSON: one row per grid point."""

from __future__ import annotations

import json

import numpy as np

from ..sweep import SweepResult
from .escape import plain, terminal

TABLE_ROWS = 60   # a terminal table shows the first and last rows of a larger grid


def _names(result: SweepResult) -> list[str]:
    return [a.name for a in result.axes] + ["total", "trainable", "non_trainable"] + result.layer_columns


def _counts(result: SweepResult) -> list[str]:
    return ["total", "trainable", "non_trainable"] + result.layer_columns


def csv(result: SweepResult) -> str:
    names = _names(result)
    axes = [a.name for a in result.axes]
    header = ",".join(_quote(n) for n in names + ["valid"])
    columns = [result.columns[n].astype(str).tolist() for n in axes]
    all_valid = bool(result.valid.all())
    for name in _counts(result):
        column = result.columns[name].astype(str)
        columns.append((column if all_valid else np.where(result.valid, column, "")).tolist())
    columns.append(np.where(result.valid, "true", "false").tolist())
    return header + "\n" + "\n".join(map(",".join, zip(*columns))) + "\n"


def _quote(name: str) -> str:
    name = plain(name)
    return '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"') else name


def document(result: SweepResult) -> list[dict]:
    names = _names(result)
    counts = set(_counts(result))
    lists = {n: result.columns[n].tolist() for n in names}
    valid = result.valid.tolist()
    rows = []
    for i, ok in enumerate(valid):
        row = {n: (lists[n][i] if ok or n not in counts else None) for n in names}
        row["valid"] = ok
        rows.append(row)
    return rows


def render_json(result: SweepResult) -> str:
    return json.dumps(document(result), indent=None, separators=(",", ":")) + "\n"


def table(result: SweepResult, console) -> None:
    from rich import box
    from rich.table import Table

    names = _names(result)
    counts = set(_counts(result))
    t = Table(box=box.SIMPLE_HEAD)
    for n in names:
        t.add_column(terminal(n), justify="right")
    size = result.size
    shown = range(size) if size <= TABLE_ROWS else [*range(TABLE_ROWS // 2), None, *range(size - TABLE_ROWS // 2, size)]
    for i in shown:
        if i is None:
            t.add_row(*(["…"] * len(names)))
            continue
        ok = bool(result.valid[i])
        t.add_row(*(f"{int(result.columns[n][i]):,}" if ok or n not in counts else "invalid" for n in names))
    console.print(t)
    invalid = int(size - result.valid.sum())
    line = f"{size:,} points"
    if size > TABLE_ROWS:
        line += f" (first and last {TABLE_ROWS // 2} shown; --format csv for all)"
    if invalid:
        line += f", {invalid:,} invalid (an output length or a condition fails there)"
    console.print(line, highlight=False, markup=False)
