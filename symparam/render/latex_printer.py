"""symparam's one LaTeX printer: readable identifiers (\\mathrm{img\\_size}, not img_{size})."""

from __future__ import annotations

import re

from sympy.printing.latex import LatexPrinter


def escape(name: str) -> str:
    return name.replace("\\", "").replace("_", r"\_")


class SymparamLatexPrinter(LatexPrinter):
    def _print_Symbol(self, expr, style="plain"):
        name = expr.name
        if len(name) == 1:
            return name
        return r"\mathrm{" + escape(name) + "}"

    def _print_Integer(self, expr):
        value = int(expr.p)
        return f"{value:,}".replace(",", "{,}")


_PRINTER = SymparamLatexPrinter({"mul_symbol": "dot"})


def latex(expr) -> str:
    return _PRINTER.doprint(expr)


def label(text: str) -> str:
    """A derivation letter: 'k_h' -> k_{h}, 'C_in' -> C_{\\mathrm{in}}, 'C_in/g' -> C_{\\mathrm{in}}/g."""
    parts = []
    for part in text.split("/"):
        base, _, sub = part.partition("_")
        word = base if len(base) == 1 else r"\mathrm{" + escape(base) + "}"
        if sub:
            word += "_{" + (sub if len(sub) == 1 else r"\mathrm{" + escape(sub) + "}") + "}"
        parts.append(word)
    return "/".join(parts)


def text(words: str) -> str:
    """Plain words inside \\text{}: escape what LaTeX treats specially."""
    return re.sub(r"([#$%&_{}])", r"\\\1", words).replace("~", r"\textasciitilde{}").replace("^", r"\^{}")
