"""The worked derivation as a whole LaTeX document: title, the network table, each layer's derivation, the totals.

It compiles with pdflatex using only packages of Debian's texlive-latex-base (geometry, amsmath, array,
longtable), so a course can build it anywhere a LaTeX is installed.
"""

from __future__ import annotations

from ..account import Account, of
from ..derivation import Derivation, derive
from .latex import bindings, breakable, inline, layer_block, shorthands_block, text, totals_block

PREAMBLE = r"""\documentclass{article}
\usepackage[a4paper,margin=2.5cm]{geometry}
\usepackage{amsmath}
\allowdisplaybreaks
\usepackage{array}
\usepackage{longtable}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5ex}
\setlength{\emergencystretch}{3em}   % long names in running text: stretch the spaces rather than overrun
"""

NAMES = {"keras": "Keras", "torch": "PyTorch"}
COLUMNS = (r">{\raggedright\arraybackslash}p{3.5cm}>{\raggedright\arraybackslash}p{3.9cm}"
           r">{\raggedright\arraybackslash}p{4.2cm}>{\raggedleft\arraybackslash}p{2.6cm}")
TOTAL = "7.22cm"   # the last two columns and the space between them
LIMIT = 455   # points: this document's text width (16 cm)


def table(d: Derivation) -> list[str]:
    head = r"Layer (type) & Output shape & Parameter formula & Parameters \\"
    out = [rf"\begin{{longtable}}{{{COLUMNS}}}", r"\hline", head, r"\hline", r"\endhead"]
    for row in d.rows:
        formula = " ".join(filter(None, [f"${inline(row.formula)}$" if row.formula else "",
                                         f"({text(row.note)})" if row.note else ""])) or "---"
        name = breakable(row.name)   # may break after / _ and . (module paths)
        kind = text(row.type).replace(".", r".\allowbreak{}")   # nn.AdaptiveAvgPool2d may break after nn.
        out.append(f"{name} ({kind}) & ${inline(row.output)}$ & {formula} & "
                   f"${inline(row.params)}$ \\\\")
    total = rf"\multicolumn{{2}}{{>{{\raggedleft\arraybackslash}}p{{{TOTAL}}}}}{{${inline(d.total)}$}}"
    out += [r"\hline", rf"\multicolumn{{2}}{{l}}{{Total}} & {total} \\", r"\hline", r"\end{longtable}"]
    return out


def document(d: Derivation, extra: str = "") -> str:
    """The document; `extra` (LaTeX, e.g. the --share section) goes after the totals."""
    title = rf"Parameters of {text(d.name)}"
    out = [PREAMBLE.rstrip("\n"), rf"\title{{{title}}}", r"\begin{document}",
           r"\begin{center}", rf"{{\LARGE {title}\par}}", r"\medskip",
           " ".join([f"Counted by {NAMES.get(d.convention, d.convention)}'s rules.", *bindings(d)]),
           r"\end{center}", *shorthands_block(d, heading=r"\section*", limit=LIMIT), r"\section*{The network}",
           *table(d), r"\section*{Derivation}"]
    for layer in d.layers:
        out.extend(layer_block(layer, limit=LIMIT))
    out.extend(totals_block(d, heading=r"\section*", limit=LIMIT))
    if extra:
        out.append(extra.rstrip("\n"))
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


def render(a: Account, share=None, compute=None) -> str:
    """The document; with `share` (a sensitivity report) its section after the totals."""
    extra = ""
    if share is not None:
        from .sensitivity import latex as share_latex
        extra = share_latex(share)
    return document(derive(of(a), compute), extra)
