"""`sweep --plot`: the total against the first swept symbol, one line per value of a second (matplotlib).

A chart draws at most MAX_POINTS points (refused before the sweep runs). Totals are exact integers of any size:
they become floats for drawing, and past FLOAT_TOTAL the chart shows log10 of the total (exact to a float's
precision, however many digits the total has) instead of the total itself.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import SymparamError
from ..sweep import Axis, SweepResult
from .escape import plain

MAX_LINES = 12
MAX_POINTS = 1_000_000
FLOAT_TOTAL = 10**300


def check(axes: Sequence[Axis], path: str) -> None:
    """Refuse, before any work, a file type the chart cannot be or a chart with too many points."""
    if Path(path).suffix.lower() not in (".png", ".svg"):
        raise SymparamError(f"--plot {path}: the file must end in .png or .svg.")
    points = axes[0].size * (min(axes[1].size, MAX_LINES) if len(axes) > 1 else 1)
    if points > MAX_POINTS:
        raise SymparamError(f"--plot draws at most {MAX_POINTS:,} points; this grid puts {points:,} on its lines. "
                            f"Sweep {axes[0].name} with a STEP (START:STOP:STEP).")


def levels(axes: Sequence[Axis]) -> list[int]:
    """The second axis's values that get a line (at most MAX_LINES, spread evenly)."""
    second = axes[1]
    if second.size <= MAX_LINES:
        return list(second.values)
    return [second.values[int(i)] for i in np.linspace(0, second.size - 1, MAX_LINES).round().astype(int)]


def _groups(result: SweepResult) -> list[tuple[str | None, np.ndarray]]:
    if len(result.axes) > 1:
        second = result.axes[1]
        groups = [(f"{second.name} = {v:,}", result.columns[second.name] == v) for v in levels(result.axes)]
    else:
        groups = [(None, np.ones(result.size, dtype=bool))]
    for a in result.axes[2:]:   # further axes: plot at their first value
        groups = [(label, mask & (result.columns[a.name] == a.values[0])) for label, mask in groups]
    return [(label, np.asarray(mask, dtype=bool) & result.valid) for label, mask in groups]


def select(part: SweepResult) -> SweepResult:
    """The rows of a chunk the chart draws (the rest need not be kept)."""
    keep = np.logical_or.reduce([mask for _, mask in _groups(part)])
    names = [a.name for a in part.axes] + ["total"]
    return SweepResult(part.axes, {n: part.columns[n][keep] for n in names}, part.valid[keep])


def _floats(column: np.ndarray) -> np.ndarray:
    return np.array([float(v) for v in column.tolist()], dtype=float) if column.dtype == object \
        else column.astype(float)


def _words(text: str, width: int) -> str:
    """A label of plain words (a doc may be long): control characters shown as escapes, lines of `width`."""
    return "\n".join(textwrap.wrap(plain(text), width)) or plain(text)


def render(result: SweepResult, path: str, docs: dict[str, str] | None = None) -> bytes:
    """The chart's bytes; `docs` gives a symbol's one-line description for its axis label."""
    docs = docs or {}
    check(result.axes, path)
    suffix = Path(path).suffix.lower()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SymparamError("--plot needs matplotlib: pip install 'symparam[plot]'.") from None
    first = result.axes[0]
    groups = [(label, mask) for label, mask in _groups(result) if mask.any()]
    if not groups:
        raise SymparamError("--plot: no grid point is valid, nothing to plot.")
    drawn = np.logical_or.reduce([mask for _, mask in groups])
    huge = max(int(v) for v in result.columns["total"][drawn].tolist()) >= FLOAT_TOTAL
    if huge:
        totals = np.array([math.log10(v) if v > 0 else -np.inf for v in result.columns["total"].tolist()])
    else:
        totals = _floats(result.columns["total"])
    x_all = _floats(result.columns[first.name])
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for label, mask in groups:
        ax.plot(x_all[mask], totals[mask], marker="." if mask.sum() < 60 else None, label=label)
    if first.largest / first.smallest >= 100:
        ax.set_xscale("log")
    shown = totals[drawn]
    if not huge and shown.min() > 0 and shown.max() / shown.min() >= 100:
        ax.set_yscale("log")
    # A doc is plain words: matplotlib must not read $...$ in it as mathtext (parse_math=False).
    ax.set_xlabel(_words(first.name + (f" ({docs[first.name]})" if docs.get(first.name) else ""), 70),
                  parse_math=False)
    ax.set_ylabel("log10 of the total parameters" if huge else "total parameters (count)")
    title = "Total parameters vs " + first.name
    if len(result.axes) > 2:
        title += " (" + ", ".join(f"{a.name} = {a.values[0]}" for a in result.axes[2:]) + ")"
    ax.set_title(title, parse_math=False)
    ax.grid(True, which="both", alpha=0.3)
    if len(result.axes) > 1:
        second = result.axes[1]
        legend = ax.legend(fontsize="small", title_fontsize="small",
                           title=_words(f"{second.name}: {docs[second.name]}", 40) if docs.get(second.name) else None)
        legend.get_title().set_parse_math(False)
    buffer = io.BytesIO()
    with warnings.catch_warnings():   # a letter the font lacks (CJK in a doc) is drawn as a box, not told on stderr
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.tight_layout()
        fig.savefig(buffer, format=suffix[1:])
    plt.close(fig)
    return buffer.getvalue()
