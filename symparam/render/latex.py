"""The worked derivation as a LaTeX fragment (symparam.derivation laid out): per layer the formula in letters, the
same with the spec's sizes, the numbers, the value; layers without parameters say why; then the totals.

The fragment compiles inside a plain `article` with amsmath. latex_document.py wraps the same blocks into a whole
document; `summary` is the math-only form a notebook shows (Network._repr_latex_).
"""

from __future__ import annotations

import re

from ..derivation import Derivation, LayerDerivation, Line, derive
from ..model import Network
from .latex_printer import text as _escape

LIMIT = 62   # roughly how many characters of math fit on one line of a plain article, words included


def text(words: str) -> str:
    """Plain words for LaTeX's text mode (or \\text{}): every special character escaped."""
    marked = words.replace("\\", "\0")
    escaped = _escape(marked).replace("<", r"\textless{}").replace(">", r"\textgreater{}").replace("|", r"\textbar{}")
    return escaped.replace("\0", r"\textbackslash{}")


def words(line: Line) -> str:
    out = line.words + (f" ({line.name})" if line.name else "") + (f", {line.note}" if line.note else "")
    return text(out)


def _width(tex: str) -> float:
    """A rough count of the characters a formula takes on the page."""
    s = re.sub(r"\\(mathrm|text|left|right)\b", "", tex)
    s = re.sub(r"\\[a-zA-Z]+", "x", s)
    s = re.sub(r"[{}\s]|\\,", "", s)
    return len(s) + 1.5 * len(re.findall(r"[=+]|\\cdot|\\times", tex))


def _rows(line: Line, limit: int = LIMIT) -> list[str]:
    """One row of an align*, or several when the chain is long: each form on its own row, long sums split."""
    head = rf"\text{{{words(line)}}}"
    if _width(line.words) + _width(line.math) <= limit:
        return [f"{head} &= {line.math}"]
    rows = []
    for form in line.forms:
        chunks: list[list[str]] = [[]]
        for term in form:
            if chunks[-1] and _width(" + ".join([*chunks[-1], term])) > limit - 10:
                chunks.append([])
            chunks[-1].append(term)
        rows.append("&= " + " + ".join(chunks[0]))
        rows.extend(r"&\quad + " + " + ".join(chunk) for chunk in chunks[1:])
    rows[0] = f"{head} {rows[0]}"
    return rows


def align(lines, limit: int = LIMIT) -> str:
    rows = [row for line in lines for row in _rows(line, limit)]
    return r"\begin{align*}" + "\n" + " \\\\\n".join(rows) + "\n" + r"\end{align*}"


def shapes(items) -> str:
    return ", ".join(f"${s}$" for s in items)


def layer_block(layer: LayerDerivation, heading: str = r"\subsection*", limit: int = LIMIT) -> list[str]:
    out = [rf"{heading}{{Layer {layer.index}: {text(layer.name)} ({text(layer.type)})}}"]
    sentence = [text(layer.summary) + "."] if layer.summary else []
    facts = []
    if layer.inputs:
        facts.append(("Input shape " if len(layer.inputs) == 1 else "Input shapes ") + shapes(layer.inputs))
    if layer.window is not None:
        facts.append(f"{layer.window.words} ${layer.window.math}$")
    if facts:
        joined = ", ".join(facts)
        sentence.append(joined[:1].upper() + joined[1:] + ".")
    if not layer.params:
        sentence.append(f"No parameters: {text(layer.no_params)}.")
    out.append(" ".join(sentence))
    out.append(align((*layer.params, *((layer.total,) if layer.total else ()), layer.output), limit))
    if layer.buffers:
        out.append("Buffers (not parameters):")
        out.append(align(layer.buffers, limit))
    return out


def bindings(d: Derivation) -> list[str]:
    return ["With " + ", ".join(f"${b}$" for b in d.bindings) + "."] if d.bindings else []


def totals_block(d: Derivation, heading: str = r"\subsection*", limit: int = LIMIT) -> list[str]:
    out = [rf"{heading}{{Total}}", align((*d.totals, *d.split, *((d.buffers,) if d.buffers else ())), limit)]
    if d.free:
        out.append("Free symbols: " + ", ".join(f"${f}$" for f in d.free) + ".")
    if d.assumptions:
        out.append("Valid when " + "; ".join(f"${a.math}$ ({text(a.where)}: {text(a.why)})"
                                             for a in d.assumptions) + ".")
    return out


def fragment(d: Derivation) -> str:
    out = [rf"\section*{{Parameters of {text(d.name)}}}", *bindings(d)]
    for layer in d.layers:
        out.extend(layer_block(layer))
    out.extend(totals_block(d))
    return "\n".join(out) + "\n"


def render(net: Network) -> str:
    return fragment(derive(net))


def summary(net: Network) -> str:
    """Math only, for a notebook (Network._repr_latex_): each layer's formula and count, then the total."""
    d = derive(net)
    rows = []
    for row in d.rows:
        value = row.params if row.formula in ("", row.params) else f"{row.formula} = {row.params}"
        rows.append(rf"\text{{{text(row.name)} ({text(row.type)})}} &: {value}")
    rows.append(rf"\text{{total}} &: {d.total}")
    return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"
