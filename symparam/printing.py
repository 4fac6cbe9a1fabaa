"""Expressions as text: symparam's own syntax (what its parser reads back: `n % 2`, `floor(n/2)`, `x**2`), the
table's plain form (`·` for products, `^` for powers), and the one LaTeX printer (\\mathrm{img\\_size}).

No output format lives here; renderers map these to their syntax and escape user words with symparam.render.escape.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

class SpecPrinter(StrPrinter):
    """Expressions and conditions as a spec writes them: n % 2 (not Mod(n, 2)), ceil (not ceiling), and/or."""

    def _print_Mod(self, expr):
        a, b = (self.parenthesize(x, 50) if not x.is_Atom else self._print(x) for x in expr.args)
        return f"{a} % {b}"

    def _print_ceiling(self, expr):
        return f"ceil({self._print(expr.args[0])})"

    def _print_floor(self, expr):
        return f"floor({self._print(expr.args[0])})"

    def _print_Relational(self, expr):
        op = "==" if expr.rel_op == "==" else expr.rel_op
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_And(self, expr):
        return " and ".join(self.parenthesize(a, 0) if isinstance(a, sympy.Or) else self._print(a) for a in expr.args)

    def _print_Or(self, expr):
        return " or ".join(self._print(a) for a in expr.args)

    def _print_Not(self, expr):
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr):
        return "true"

    def _print_Piecewise(self, expr):
        """(a if c else b), as a spec writes a choice by a condition; nested for more cases."""
        *cases, (last, otherwise) = expr.args
        if otherwise is not sympy.true:
            return self._print_Basic(expr)
        out = self._print(last)
        for value, condition in reversed(cases):
            out = f"({self._print(value)} if {self._print(condition)} else {out})"
        return out

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_BooleanFalse(self, expr):
        return "false"


_SPEC = SpecPrinter()


def spec_text(expr) -> str:
    """An expression or condition in symparam's syntax: `img_size >= 5`, `d_model % n_head == 0`."""
    return _spec_text(expr) if isinstance(expr, sympy.Basic) else _SPEC.doprint(expr)   # (True == 1 in a cache)


@lru_cache(maxsize=1 << 14)
def _spec_text(expr) -> str:
    """Printed once per expression: a network prints the same lengths and counts again and again."""
    return _SPEC.doprint(expr)


def is_integer(expr) -> bool:
    return expr is not None and expr.is_number and expr.is_integer


def grouped(n: int) -> str:
    """128952 -> '128,952'."""
    return f"{int(n):,}"


def text(expr) -> str:
    """An expression as plain one-line text for tables: '·' for products, '^' for powers, numbers grouped."""
    if expr is None:
        return "None"
    if is_integer(expr):
        return grouped(expr)
    return spec_text(expr).replace("**", "^").replace("*", "·")


def shape_text(shape) -> str:
    """(32, 32, 3) as Keras prints shapes; an unknown length is None; numbers are not grouped (commas part axes)."""
    items = [text(d).replace(",", "") if d is not None and d.is_number else text(d) for d in shape]
    return "(" + ", ".join(items) + (",)" if len(items) == 1 else ")")


def product_text(dims, show, times: str) -> str:
    """A variable's axes multiplied in layout order (k_h·k_w·C_in·F); a sum or a negative axis in brackets."""
    if not dims:
        return "1"   # a scalar variable (e.g. a count) holds one value
    parts = []
    for d in dims:
        s = show(d)
        parts.append(f"({s})" if isinstance(d, sympy.Add) or (len(dims) > 1 and s.startswith("-")) else s)
    return times.join(parts)


def latex_name(name: str) -> str:
    """A symbol's name inside \\mathrm{}: only underscores need escaping (symbol names are ASCII identifiers)."""
    return name.replace("\\", "").replace("_", r"\_")


class SymparamLatexPrinter(LatexPrinter):
    """Readable identifiers (\\mathrm{img\\_size}, not img_{size}); integers grouped as 128{,}952."""

    def _print_Symbol(self, expr, style="plain"):
        name = expr.name
        if len(name) == 1:
            return name
        return r"\mathrm{" + latex_name(name) + "}"

    def _print_Integer(self, expr):
        value = int(expr.p)
        return f"{value:,}".replace(",", "{,}")

    def _print_Mod(self, expr, exp=None):
        a, b = (self.parenthesize(x, 50) for x in expr.args)
        tex = rf"{a} \bmod {b}"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


_LATEX = SymparamLatexPrinter({"mul_symbol": "dot"})


def latex(expr) -> str:
    return _LATEX.doprint(expr)


def label(letters: str) -> str:
    """A derivation letter: 'k_h' -> k_{h}, 'C_in' -> C_{\\mathrm{in}}, 'C_in/g' -> C_{\\mathrm{in}}/g."""
    parts = []
    for part in letters.split("/"):
        base, _, sub = part.partition("_")
        word = base if len(base) == 1 else r"\mathrm{" + latex_name(base) + "}"
        if sub:
            word += "_{" + (sub if len(sub) == 1 else r"\mathrm{" + latex_name(sub) + "}") + "}"
        parts.append(word)
    return "/".join(parts)


def letters(text_: str, times: str = r" \cdot ") -> str:
    """A generic-formula letter in LaTeX: 'k_h' -> k_{h}, '4u' -> 4u, 'm*C_in' -> m \\cdot C_{\\mathrm{in}}."""
    parts = []
    for factor in text_.split("*"):
        digits, rest = re.match(r"(\d*)(.*)", factor).groups()
        parts.append(digits + (label(rest) if rest else ""))
    return times.join(parts)


# ---- shorthands: a letter for a part of a formula that cannot be broken across lines --------------------------------

SHORTHAND = "q"   # q_1, q_2, ...: a letter no layer kind's rule uses
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def nameable(expr) -> bool:
    """What the formulas name with a letter rather than write out in full, as a lesson would: a choice by cases
    (a Piecewise, e.g. make_divisible's "not below 90 %" step), a max or a min, a rounding of a rounding (DenseNet's
    channels after each transition). None of them can be broken across lines, and they repeat."""
    if isinstance(expr, (sympy.Piecewise, sympy.Max, sympy.Min)):
        return bool(expr.free_symbols)
    if isinstance(expr, (sympy.floor, sympy.ceiling)):
        return expr.args[0].has(sympy.floor, sympy.ceiling)
    return False


def text_letter(n: int) -> str:
    """q₁: a shorthand letter in plain text (the table's)."""
    return SHORTHAND + str(n).translate(_SUBSCRIPT)


def folded_power(expr):
    """(the choice, k) for a choice whose every case is the k-th power of a case of one choice: sympy folds
    (a if c else b)**2 into (a**2 if c else b**2), which a reader should see as the square of the choice it named
    already; None for any other expression."""
    if not isinstance(expr, sympy.Piecewise):
        return None
    powers = {value.exp for value, _ in expr.args if isinstance(value, sympy.Pow)}
    if len(powers) != 1 or not all(isinstance(v, sympy.Pow) for v, _ in expr.args):
        return None
    k = powers.pop()
    if not (k.is_Integer and k > 1):
        return None
    return sympy.Piecewise(*((value.base, condition) for value, condition in expr.args)), int(k)


class Shorthands:
    """The letters one output gives its nameable parts, numbered as first met, the parts they contain first (so that
    each definition uses only letters defined before it); `form` writes letter n (q_{1} in LaTeX, q₁ in text). A
    choice that is a power of another (folded_power) is that choice's letter to the power, never a letter of its own."""

    def __init__(self, form=text_letter, normal=None) -> None:
        self.form = form
        self.normal = normal   # one key for the forms a part may be printed in (the derivation's tidied floors: doit)
        self.letters: dict[sympy.Basic, str] = {}
        self._named: dict[sympy.Basic, tuple[str, int]] = {}      # a deep network names the same parts again and again
        self._lettered: dict[sympy.Basic, sympy.Basic] = {}

    def named(self, expr) -> tuple[str, int]:
        """(letter, power) for a nameable part: q₂ and 1, or q₂ and 2 for its square."""
        if expr not in self._named:
            self._named[expr] = self._name(expr)
        return self._named[expr]

    def _name(self, expr) -> tuple[str, int]:
        key = self.normal(expr) if self.normal is not None else expr
        fold = folded_power(key)
        if fold is not None and nameable(fold[0]):
            letter, k = self.named(fold[0])
            return letter, k * fold[1]
        if key not in self.letters:
            for part in sympy.postorder_traversal(key):
                if nameable(part) and part not in self.letters:
                    inner = folded_power(part)
                    if inner is not None and nameable(inner[0]):
                        self.named(inner[0])
                    else:
                        self.letters[part] = self.form(len(self.letters) + 1)
        return self.letters[key], 1

    def lettered(self, expr):
        """`expr` with each outermost nameable part replaced by a symbol of its letter (for printing as text)."""
        if not isinstance(expr, sympy.Basic) or not expr.has(sympy.Piecewise, sympy.Max, sympy.Min, sympy.floor,
                                                                sympy.ceiling):
            return expr
        if expr not in self._lettered:
            parts = {}
            for p in sympy.preorder_traversal(expr):
                if nameable(p):
                    letter, k = self.named(p)
                    parts[p] = sympy.Symbol(letter) ** k
            self._lettered[expr] = expr.xreplace(parts)
        return self._lettered[expr]

    def definition(self, expr):
        """A named part written out, the parts inside it by their letters."""
        return expr.func(*(self.lettered(a) for a in expr.args))
