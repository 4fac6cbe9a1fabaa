"""The worked derivation as Markdown: `$...$` and `$$...$$` math (LaTeX) and a Markdown table, for GitHub, Jupyter
and MkDocs (with a math extension). Words stay outside math, so no renderer has to read LaTeX text mode."""

from __future__ import annotations


from ..account import Account, of
from ..derivation import Derivation, LayerDerivation, Line, derive
from .escape import markdown as text
from .latex import SHORTHANDS, paragraphs, steps

NAMES = {"keras": "Keras", "torch": "PyTorch"}


def _words(line: Line) -> str:
    return text(line.words + (f" ({line.name})" if line.name else "") + (f", {line.note}" if line.note else ""))


def _item(line: Line) -> str:
    return f"- {_words(line)}: ${line.math}$"


def _display(math: str) -> list[str]:
    return ["$$", math, "$$", ""]


def shorthands_block(d: Derivation) -> list[str]:
    if not d.shorthands:
        return []
    return ["## Shorthands", "", text(SHORTHANDS) + ".", "",
            *(f"- ${line.words} = {line.math}$" for line in d.shorthands), ""]


def table(d: Derivation) -> list[str]:
    out = ["| Layer (type) | Output shape | Parameter formula | Parameters |", "| --- | --- | --- | ---: |"]
    for row in d.rows:
        formula = " ".join(filter(None, [f"${row.formula}$" if row.formula else "",
                                         f"({text(row.note)})" if row.note else ""])) or "—"
        out.append(f"| {text(row.name)} ({text(row.type)}) | ${row.output}$ | {formula} | ${row.params}$ |")
    out += [f"| **Total** | | | ${d.total}$ |", ""]
    return out


def layer_block(layer: LayerDerivation) -> list[str]:
    out = [f"### Layer {layer.index}: {text(layer.name)} ({text(layer.type)})", ""]
    for paragraph in paragraphs(layer, words=text, math=lambda m: f"${m}$"):
        out += [paragraph, ""]
    out += [_item(line) for line in steps(layer)] + [""]
    if layer.buffers:
        out += ["Buffers (not parameters):", ""] + [_item(line) for line in layer.buffers] + [""]
    if layer.macs:
        out += ["Multiply-accumulates (MACs):", ""] + [_item(line) for line in layer.macs] + [""]
    return out


def totals_block(d: Derivation) -> list[str]:
    out = ["## Total", ""]
    for i, line in enumerate(d.totals):      # the total in symbols, then with the numbers: displayed
        if i:
            words = line.words.removeprefix("total ")
            out += [f"{text(words[:1].upper() + words[1:])}:", ""]
        out += _display(line.math)
    out += [_item(line) for line in d.split]
    if d.buffers is not None:
        out.append(_item(d.buffers))
    out.append("")
    if d.free:
        out += ["Free symbols: " + ", ".join(f"${f}$" for f in d.free) + ".", ""]
    if d.assumptions:
        out += ["Valid when:", ""]
        out += [f"- ${a.math}$ ({text(a.where)}: {text(a.why)})" for a in d.assumptions] + [""]
    return out


def share_block(report) -> list[str]:
    """The --share section: each layer's share of the total, and the leading term."""
    from ..sensitivity import percent
    from ..printing import latex

    out = ["## Share of the total", "", "| Layer | Share (symbolic) | Share |", "| --- | --- | ---: |"]
    for s in report.shares:
        share = percent(s.exact) if s.exact is not None else "—"
        out.append(f"| {text(s.layer)} | ${latex(s.fraction)}$ | {share} |")
    out.append("")
    if report.leading is not None:
        out += [f"Leading term: ${latex(report.leading)}$.", ""]
    return out


def document(d: Derivation, share=None) -> str:
    intro = f"Counted by {NAMES.get(d.convention, d.convention)}'s rules."
    if d.bindings:
        intro += " With " + ", ".join(f"${b}$" for b in d.bindings) + "."
    out = [f"# Parameters of {text(d.name)}", "", intro, "", *shorthands_block(d), *table(d), "## Derivation", ""]
    for layer in d.layers:
        out += layer_block(layer)
    out += totals_block(d)
    if share is not None:
        out += share_block(share)
    return "\n".join(out).rstrip("\n") + "\n"


def render(a: Account, share=None, compute=None, memory=None) -> str:
    out = document(derive(of(a), compute), share)
    if memory is not None:
        from .memory import lines
        out += "\n" + "\n".join(lines(memory))
    return out
