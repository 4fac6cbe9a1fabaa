"""The worked derivation as one self-contained HTML page: no script, no font or style from the network; the math
is MathML (converted from the derivation's LaTeX by latex2mathml), which browsers render natively."""

from __future__ import annotations

import re
from html import unescape

from ..account import Account, of
from ..derivation import Derivation, LayerDerivation, Line, derive
from ..errors import SymparamError
from .escape import html as escape
from .latex import SHORTHANDS, chunks, paragraphs, pieces, steps, terms, width

STEPS = 400   # points (as pdflatex would set the formula) that a derivation line may take before it is broken
CELL = 220    # the same for a formula in the network table

NAMES = {"keras": "Keras", "torch": "PyTorch"}

STYLE = """
body { font-family: "Liberation Serif", "Times New Roman", serif; line-height: 1.5; margin: 0; color: #1b1b1b;
       background: #fff; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.9rem; margin-bottom: 0.2rem; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2rem; }
h3 { margin: 1.6rem 0 0.4rem; }
table { border-collapse: collapse; }
table.network { width: 100%; }
table.network th, table.network td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left;
                                     vertical-align: top; }
table.network td.count, table.network th.count { text-align: right; white-space: nowrap; }
table.network tfoot td { font-weight: bold; border-top: 2px solid #888; border-bottom: none; }
table.steps th { font-weight: normal; text-align: right; padding: 0.15rem 0.8rem 0.15rem 0; white-space: nowrap;
                 vertical-align: baseline; color: #444; }
table.steps td { padding: 0.15rem 0; vertical-align: baseline; }
.scroll { overflow-x: auto; }
math { font-size: 1.1em; }
p.note { color: #444; }
"""


def _converter():
    try:
        from latex2mathml.converter import convert
    except ImportError:
        raise SymparamError("--format html needs latex2mathml: pip install latex2mathml") from None
    return convert


_LETTER = r'<mi mathvariant="normal">([^<]+)</mi>'
_THOUSANDS = re.compile(r"<mn>([\d,]+)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>(\d{3})</mn>")


def _tidy(mathml: str) -> str:
    """No namespace URL (HTML needs none); \\mathrm{img\\_size} as one identifier; 128{,}952 as one number."""
    mathml = mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")
    mathml = re.sub(r'<mo stretchy="true" fence="true" form="(prefix|postfix)">',
                    r'<mo stretchy="true" fence="true" form="\1" lspace="0" rspace="0">', mathml)
    mathml = mathml.replace("<mo>&#x0002F;</mo>", '<mo lspace="0" rspace="0">/</mo>')
    mathml = mathml.replace('<mtd columnalign="left">', '<mtd columnalign="left" style="text-align: left">')
    mathml = re.sub(f"(?:{_LETTER}){{2,}}", lambda m: '<mi mathvariant="normal">'
                    + escape(unescape("".join(re.findall(_LETTER, m.group(0))))) + "</mi>",
                    mathml)
    while True:
        merged = _THOUSANDS.sub(r"<mn>\1,\2</mn>", mathml)
        if merged == mathml:
            return mathml
        mathml = merged


def _plain_brackets(tex: str) -> str:
    """Formulas here stay one line high: plain brackets space better than stretchy ones in browsers' MathML."""
    return re.sub(r"\\(left|right)(?=[()]|\\[lr](floor|ceil))", "", tex)


class _Page:
    def __init__(self) -> None:
        self.convert = _converter()
        self._memo: dict[str, str] = {}

    def math(self, tex: str) -> str:
        """MathML for a formula (converted once: a deep network repeats its formulas)."""
        if tex not in self._memo:
            self._memo[tex] = _tidy(self.convert(_plain_brackets(tex)))
        return self._memo[tex]

    def rows(self, rows: list[str]) -> str:
        """Several rows as one formula (MathML does not break lines by itself)."""
        return self.math(r"\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}") if len(rows) > 1 \
            else self.math(rows[0])

    def cell(self, tex: str) -> str:
        """A table cell's formula, broken between its terms when it is wide."""
        tex = _plain_brackets(tex)
        if width(tex) <= CELL:
            return self.math(tex)
        return self.rows([("{} " if i else "") + part for i, part in enumerate(chunks(terms(tex), CELL))])

    def steps(self, lines) -> str:
        """Words beside each line's chain; a long chain takes one row per form ('= ...'), still one formula."""
        rows = []
        for line in lines:
            words = line.words + (f" ({line.name})" if line.name else "") + (f", {line.note}" if line.note else "")
            cut = pieces(Line(line.words, tuple(tuple(map(_plain_brackets, f)) for f in line.forms)), STEPS)
            cell = self.rows([("" if i == 0 else "= " if kind == "=" else r"\quad ") + math
                              for i, (kind, math) in enumerate(cut)])
            rows.append(f'<tr><th scope="row">{escape(words)}</th><td>{cell}</td></tr>')
        return '<div class="scroll"><table class="steps">' + "".join(rows) + "</table></div>"

    def table(self, d: Derivation) -> str:
        head = ('<thead><tr><th>Layer (type)</th><th>Output shape</th><th>Parameter formula</th>'
                '<th class="count">Parameters</th></tr></thead>')
        rows = []
        for row in d.rows:
            formula = " ".join(filter(None, [self.cell(row.formula) if row.formula else "",
                                             f"({escape(row.note)})" if row.note else ""])) or "—"
            rows.append(f"<tr><td>{escape(row.name)} ({escape(row.type)})</td><td>{self.math(row.output)}"
                        f'</td><td>{formula}</td><td class="count">{self.cell(row.params)}</td></tr>')
        foot = f'<tfoot><tr><td colspan="3">Total</td><td class="count">{self.cell(d.total)}</td></tr></tfoot>'
        return f'<div class="scroll"><table class="network">{head}<tbody>{"".join(rows)}</tbody>{foot}</table></div>'

    def layer(self, layer: LayerDerivation) -> str:
        out = [f"<section><h3>Layer {layer.index}: {escape(layer.name)} ({escape(layer.type)})</h3>",
               *(f"<p>{p}</p>" for p in paragraphs(layer, words=escape, math=self.math)), self.steps(steps(layer))]
        if layer.buffers:
            out.append('<p class="note">Buffers (not parameters):</p>')
            out.append(self.steps(layer.buffers))
        if layer.macs:
            out.append('<p class="note">Multiply-accumulates (MACs):</p>')
            out.append(self.steps(layer.macs))
        out.append("</section>")
        return "\n".join(out)

    def shorthands(self, d: Derivation) -> str:
        """The shorthand letters the formulas use, defined before the table that uses them; '' when none."""
        if not d.shorthands:
            return ""
        items = "".join(f"<li>{self.math(f'{line.words} = {line.math}')}</li>" for line in d.shorthands)
        return f'<h2>Shorthands</h2>\n<p>{escape(SHORTHANDS)}.</p>\n<ul class="scroll">{items}</ul>'

    def totals(self, d: Derivation) -> str:
        out = ["<h2>Total</h2>", self.steps((*d.totals, *d.split, *((d.buffers,) if d.buffers else ())))]
        if d.free:
            out.append("<p>Free symbols: " + ", ".join(self.math(f) for f in d.free) + ".</p>")
        if d.assumptions:
            items = "".join(f"<li>{self.math(a.math)} ({escape(a.where)}: {escape(a.why)})</li>"
                            for a in d.assumptions)
            out.append(f"<p>Valid when:</p><ul>{items}</ul>")
        return "\n".join(out)

    def share(self, report) -> str:
        from ..sensitivity import percent
        from ..printing import latex

        rows = "".join(f"<tr><td>{escape(s.layer)}</td><td>{self.math(latex(s.fraction))}</td>"
                       f'<td class="count">{percent(s.exact) if s.exact is not None else "—"}</td></tr>'
                       for s in report.shares)
        out = ["<h2>Share of the total</h2>",
               '<div class="scroll"><table class="network"><thead><tr><th>Layer</th><th>Share (symbolic)</th>'
               f'<th class="count">Share</th></tr></thead><tbody>{rows}</tbody></table></div>']
        if report.leading is not None:
            out.append(f"<p>Leading term: {self.math(latex(report.leading))}.</p>")
        return "\n".join(out)


def document(d: Derivation, share=None) -> str:
    page = _Page()
    title = escape(f"Parameters of {d.name}")
    intro = f"Counted by {NAMES.get(d.convention, d.convention)}'s rules."
    if d.bindings:
        intro += " With " + ", ".join(page.math(b) for b in d.bindings) + "."
    body = [f"<h1>{title}</h1>", f"<p>{intro}</p>", *filter(None, [page.shorthands(d)]), "<h2>The network</h2>",
            page.table(d), "<h2>Derivation</h2>",
            *(page.layer(layer) for layer in d.layers), page.totals(d)]
    if share is not None:
        body.append(page.share(share))
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def render(a: Account, share=None, compute=None) -> str:
    return document(derive(of(a), compute), share)
