"""The worked derivation the way a lesson writes it, in no output format yet.

Per layer: what comes in, the kernel or window size where there is one, each variable with its generic formula in
letters, the same with the spec's sizes, the numbers, the value; the layer's total; why a layer without parameters
has none; the output shape worked out. Then the network's totals in symbols and, where bound, in numbers; buffers
(PyTorch) apart; the assumptions under which it all holds.

Words are plain text (each renderer escapes them for its format); math is held as LaTeX strings printed by
symparam.render.latex_printer (\\mathrm{img\\_size}, 128{,}952). Products keep the variable's axis order
(k_h·k_w·C_in·F), never sympy's. Renderers: render/latex.py, latex_document.py, markdown.py, html.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import sympy

from .layers import lookup
from .model import LayerRecord, Network, Variable
from .render.formula import layer_formula, product_text
from .render.latex_printer import SymparamLatexPrinter, label, latex
from .totals import readable

TIMES = r" \cdot "
Form = tuple[str, ...]   # one side of an equation: its terms (LaTeX), to be added; most forms have one term


@dataclass(frozen=True)
class Line:
    """One line of the worked answer: what it is about, then equal forms of one quantity, left to right."""
    words: str                       # plain text: "weights", "parameters", "total"
    forms: tuple[Form, ...]          # e.g. (k_h·k_w·C_in·F,), (3·3·3·32,), (864,)
    name: str = ""                   # the framework's variable name ("kernel"), shown beside the words
    note: str = ""                   # plain text: "not trainable"

    @property
    def math(self) -> str:
        """The whole chain as one LaTeX formula: 'a = b = c'."""
        return " = ".join(" + ".join(form) for form in self.forms)


@dataclass(frozen=True)
class LayerDerivation:
    index: int                       # 1-based position in the spec
    name: str
    type: str
    summary: str                     # plain text, one sentence without its full stop ("" when the kind has none)
    inputs: tuple[str, ...]          # LaTeX, one shape per input
    window: Line | None              # the kernel or pooling window size, where the layer has one
    params: tuple[Line, ...]         # one line per parameter variable
    total: Line | None               # the layer's parameters, added up (None when it has none)
    no_params: str                   # plain text: why it has no parameters ("" when it has some)
    buffers: tuple[Line, ...]        # one line per buffer (PyTorch's running statistics): not parameters
    output: Line                     # the output shape: in the spec's symbols, with the numbers, the value


@dataclass(frozen=True)
class Row:
    """One row of the network table."""
    name: str
    type: str
    output: str                      # LaTeX
    formula: str                     # LaTeX, "" for a layer without parameters
    params: str                      # LaTeX


@dataclass(frozen=True)
class Assumption:
    where: str                       # a layer name or "[network]"
    key: str
    math: str                        # LaTeX: \mathrm{img\_size} \geq 2
    why: str                         # plain text


@dataclass(frozen=True)
class Derivation:
    name: str
    convention: str
    bindings: tuple[str, ...]        # LaTeX: \mathrm{img\_size} = 32
    free: tuple[str, ...]            # LaTeX: each free symbol
    rows: tuple[Row, ...]
    total: str                       # LaTeX: the network's total, for the table's last row
    layers: tuple[LayerDerivation, ...]
    totals: tuple[Line, ...]         # the total in symbols, then (when numbers change it) with the numbers
    split: tuple[Line, ...]          # trainable, non-trainable
    buffers: Line | None             # buffers in all, when there are any
    assumptions: tuple[Assumption, ...]


class _WithNumbers(SymparamLatexPrinter):
    """Shapes: bound symbols print as their numbers, unevaluated (floor(img_size/2) -> \\lfloor 32/2 \\rfloor)."""

    def __init__(self, values: dict[str, int]) -> None:
        super().__init__({"mul_symbol": "dot", "fold_short_frac": True})   # a/2, not \frac: shapes sit in text
        self.values = values

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.values:
            return self._print(sympy.Integer(self.values[expr.name]))
        return super()._print_Symbol(expr, style)


def _tidy(expr):
    """floor and ceiling of a sum over one denominator, as people write them: floor((n - 5)/2)."""
    if expr is None or not isinstance(expr, sympy.Basic):
        return expr
    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)),
                        lambda e: e.func(sympy.together(e.args[0]), evaluate=False))


_SHAPES = _WithNumbers({})


def shape_latex(shape, show=_SHAPES.doprint) -> str:
    """(32 \\times 32 \\times 3); an axis of unknown length prints as None."""
    return "(" + r" \times ".join(r"\mathrm{None}" if d is None else show(_tidy(d)) for d in shape) + ")"


def _shapes(layer: LayerRecord, show=_SHAPES.doprint) -> str:
    return ", ".join(shape_latex(s, show) for s in (layer.outputs or (layer.output_shape,)))


def _chain(*forms: Form) -> tuple[Form, ...]:
    """Equal forms without repeating a step (and without empty ones)."""
    out: list[Form] = []
    for form in forms:
        if form and all(form) and (not out or out[-1] != form):
            out.append(form)
    return tuple(out)


def letters(text: str) -> str:
    """A generic-formula letter: 'k_h' -> k_{h}, '4u' -> 4u, 'm*C_in' -> m \\cdot C_{\\mathrm{in}}."""
    parts = []
    for factor in text.split("*"):
        digits, rest = re.match(r"(\d*)(.*)", factor).groups()
        parts.append(digits + (label(rest) if rest else ""))
    return TIMES.join(parts)


def _variable_line(v: Variable, sv: Variable) -> Line:
    generic = TIMES.join(letters(x) for x in sv.labels) if len(sv.labels) == len(sv.shape) and sv.shape else ""
    forms = _chain((generic,), (product_text(sv.shape, latex, TIMES),), (product_text(v.shape, latex, TIMES),),
                   (latex(v.size),))
    note = "buffer" if v.buffer else "" if v.trainable else "not trainable"
    return Line(v.role or v.name, forms, name=v.name if v.role else "", note=note)


def _window(sym: LayerRecord, sub) -> Line | None:
    for key, words in (("kernel_size", "kernel size"), ("pool_size", "window")):
        value = sym.args.get(key)
        if value is None:
            continue
        items = value if isinstance(value, (tuple, list)) else (value,)
        if not items or not all(isinstance(v, (int, sympy.Expr)) and not isinstance(v, bool) for v in items):
            continue
        dims = [sympy.Integer(v) if isinstance(v, int) else v for v in items]
        generic = r" \times ".join(latex(d) for d in dims)
        numbers = r" \times ".join(latex(sub(d)) for d in dims)
        return Line(words, _chain((generic,), (numbers,)))
    return None


def _layer(layer: LayerRecord, sym: LayerRecord, printer: _WithNumbers, bound: bool, sub) -> LayerDerivation:
    kind = lookup(layer.type)
    summary = kind.summary[:1].upper() + kind.summary[1:] if kind.summary else ""
    params = tuple(_variable_line(v, sv) for v, sv in zip(layer.variables, sym.variables) if not v.buffer)
    buffers = tuple(_variable_line(v, sv) for v, sv in zip(layer.variables, sym.variables) if v.buffer)
    total = None
    no_params = ""
    if params:
        sizes = tuple(latex(v.size) for v in layer.variables if not v.buffer)
        total = Line("parameters", _chain(sizes if len(sizes) > 1 else (), (latex(readable(layer.params)),)))
    else:
        no_params = kind.no_params or ("its only variables are buffers" if buffers else "it declares no variables")
    output = Line("output shape", _chain((_shapes(sym),), (_shapes(sym, printer.doprint) if bound else "",),
                                         (_shapes(layer),)))
    return LayerDerivation(layer.index, layer.name, layer.type, summary,
                           tuple(shape_latex(s) for s in layer.input_shapes), _window(sym, sub),
                           params, total, no_params, buffers, output)


def _terms(values) -> Form:
    """Each layer's count, a sum in parentheses so that the layers stay apart in the network's sum."""
    shown = (readable(v) for v in values)
    return tuple(rf"\left({latex(v)}\right)" if isinstance(v, sympy.Add) else latex(v) for v in shown)


def _totals(net: Network, sym: Network) -> tuple[Line, ...]:
    lines = []
    sym_terms = _terms(layer.params for layer in sym.layers)
    terms = _terms(layer.params for layer in net.layers)
    lines.append(Line("total", _chain(sym_terms if len(sym_terms) > 1 else (), (latex(readable(sym.total)),))))
    if terms != sym_terms:
        at = ", ".join(f"{k} = {v:,}" for k, v in net.bindings.items())
        lines.append(Line(f"total at {at}", _chain(terms if len(terms) > 1 else (), (latex(readable(net.total)),))))
    return tuple(lines)


def _split(net: Network, sym: Network) -> tuple[Line, ...]:
    return tuple(Line(words, _chain((latex(readable(sym_value)),), (latex(readable(value)),)))
                 for words, value, sym_value in (("trainable", net.trainable, sym.trainable),
                                                 ("non-trainable", net.non_trainable, sym.non_trainable)))


def _buffers(net: Network) -> Line | None:
    if net.buffers == 0:
        return None
    terms = _terms(layer.buffers for layer in net.layers if layer.buffers != 0)
    return Line("buffers (not parameters)", _chain(terms if len(terms) > 1 else (), (latex(readable(net.buffers)),)))


def derive(net: Network) -> Derivation:
    """The worked derivation of a derived network (bound or not)."""
    sym = net.unbound
    values = {k: int(v) for k, v in net.bindings.items()}
    printer = _WithNumbers(values)
    table = {sym.symbols.get(k): sympy.Integer(v) for k, v in values.items()}

    def sub(expr):
        return expr.xreplace(table)

    layers = tuple(_layer(layer, sym_layer, printer, bool(values), sub)
                   for layer, sym_layer in zip(net.layers, sym.layers))
    rows = tuple(Row(layer.name, layer.type, _shapes(layer), layer_formula(sym_layer, latex, TIMES),
                     latex(readable(layer.params))) for layer, sym_layer in zip(net.layers, sym.layers))
    return Derivation(
        name=net.name, convention=net.convention,
        bindings=tuple(f"{latex(sympy.Symbol(k))} = {latex(sympy.Integer(v))}" for k, v in values.items()),
        free=tuple(latex(sympy.Symbol(n)) for n in net.free_symbols),
        rows=rows, total=latex(readable(net.total)), layers=layers, totals=_totals(net, sym),
        split=_split(net, sym),
        buffers=_buffers(net),
        assumptions=tuple(Assumption(where, c.key, latex(c.relation), c.why) for where, c in net.assumptions),
    )


def formulas(d: Derivation) -> Iterator[str]:
    """Every formula of the derivation, in the order the document shows them. Each renderer shows each of them
    once as math (a <math> element in HTML, $...$ in Markdown)."""
    yield from d.bindings
    for row in d.rows:
        yield row.output
        if row.formula:
            yield row.formula
        yield row.params
    yield d.total
    for layer in d.layers:
        yield from layer.inputs
        if layer.window is not None:
            yield layer.window.math
        for line in (*layer.params, *((layer.total,) if layer.total else ()), *layer.buffers):
            yield line.math
        yield layer.output.math
    for line in (*d.totals, *d.split):
        yield line.math
    if d.buffers is not None:
        yield d.buffers.math
    yield from d.free
    for a in d.assumptions:
        yield a.math
