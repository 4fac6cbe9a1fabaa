"""`sweep --plot`: the total against the first swept symbol, one line per value of a second (matplotlib)."""

from __future__ import annotations

import io
import textwrap
import warnings
from pathlib import Path

import numpy as np

from ..errors import SymparamError
from ..sweep import SweepResult
from .escape import plain

MAX_LINES = 12


def _words(text: str, width: int) -> str:
    """A label of plain words (a doc may be long): control characters shown as escapes, lines of `width`."""
    return "\n".join(textwrap.wrap(plain(text), width)) or plain(text)


def render(result: SweepResult, path: str, docs: dict[str, str] | None = None) -> bytes:
    """The chart's bytes; `docs` gives a symbol's one-line description for its axis label."""
    docs = docs or {}
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise SymparamError(f"--plot {path}: the file must end in .png or .svg.")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SymparamError("--plot needs matplotlib: pip install 'symparam[plot]'.") from None
    first = result.axes[0]
    x_all = result.columns[first.name]
    totals = result.columns["total"]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    if len(result.axes) > 1:
        second = result.axes[1]
        levels = list(second.values)
        if len(levels) > MAX_LINES:
            levels = [levels[i] for i in np.linspace(0, len(levels) - 1, MAX_LINES).round().astype(int)]
        groups = [(f"{second.name} = {v:,}", result.columns[second.name] == v) for v in levels]
    else:
        groups = [(None, np.ones(result.size, dtype=bool))]
    fixed = [a for a in result.axes[2:]]
    if fixed:  # further axes: plot at their first value
        for a in fixed:
            groups = [(label, mask & (result.columns[a.name] == a.values[0])) for label, mask in groups]
    plotted = False
    for label, mask in groups:
        mask = mask & result.valid
        if mask.any():
            ax.plot(x_all[mask].astype(float), totals[mask].astype(float), marker="." if mask.sum() < 60 else None,
                    label=label)
            plotted = True
    if not plotted:
        plt.close(fig)
        raise SymparamError("--plot: no grid point is valid, nothing to plot.")
    xs = np.array(first.values, dtype=float)
    if xs.min() > 0 and xs.max() / xs.min() >= 100:
        ax.set_xscale("log")
    valid_totals = totals[result.valid].astype(float)
    if valid_totals.min() > 0 and valid_totals.max() / valid_totals.min() >= 100:
        ax.set_yscale("log")
    # A doc is plain words: matplotlib must not read $...$ in it as mathtext (parse_math=False).
    ax.set_xlabel(_words(first.name + (f" ({docs[first.name]})" if docs.get(first.name) else ""), 70),
                  parse_math=False)
    ax.set_ylabel("total parameters (count)")
    title = "Total parameters vs " + first.name
    if fixed:
        title += " (" + ", ".join(f"{a.name} = {a.values[0]}" for a in fixed) + ")"
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
