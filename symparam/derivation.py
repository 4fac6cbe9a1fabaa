"""The worked derivation the way a lesson writes it, in no output format yet.

Per layer: what comes in, the kernel or window size where there is one, each variable with its generic formula in
letters, the same with the spec's sizes, the numbers, the value; the layer's total; why a layer without parameters
has none; the output shape worked out. Then the network's totals in symbols and, where bound, in numbers; buffers
(PyTorch) apart; the assumptions under which it all holds.

Words are plain text (each renderer escapes them for its format); math is held as LaTeX strings printed by
symparam.printing (\\mathrm{img\\_size}, 128{,}952). Products keep the variable's axis order (k_h·k_w·C_in·F),
never sympy's. It reads the network's account (symparam.account): every count and form comes from there.
Renderers: render/latex.py, latex_document.py, markdown.py, html.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace
from typing import Iterator

import sympy

from .account import Account, LayerAccount, Term, of
from .layers import lookup
from .model import LayerRecord
from .printing import SymparamLatexPrinter, latex, letters, product_text

TIMES = r" \cdot "
Form = tuple[str, ...]   # one side of an equation: its terms (LaTeX), added; a term "- x" is subtracted


def join(terms) -> str:
    """'a + b - c' from the terms ('a', 'b', '- c')."""
    out = ""
    for term in terms:
        out += term if not out else (f" {term}" if term.startswith("- ") else f" + {term}")
    return out


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
        return " = ".join(join(form) for form in self.forms)


@dataclass(frozen=True)
class LayerDerivation:
    index: int                       # 1-based position in the network (blocks expanded)
    name: str
    type: str
    summary: str                     # plain text, one sentence without its full stop ("" when the kind has none)
    repeat: str                      # LaTeX: how many copies the network holds ("" for one)
    inputs: tuple[str, ...]          # LaTeX, one shape per input
    window: Line | None              # the kernel or pooling window size, where the layer has one
    params: tuple[Line, ...]         # one line per parameter variable
    total: Line | None               # the layer's parameters, added up (None when it has none)
    no_params: str                   # plain text: why it has no parameters ("" when it has some)
    buffers: tuple[Line, ...]        # one line per buffer (PyTorch's running statistics): not parameters
    output: Line                     # the output shape: in the spec's symbols, with the numbers, the value
    macs: tuple[Line, ...] = ()      # with a compute report: each product's MACs, the layer's MACs and FLOPs


@dataclass(frozen=True)
class Row:
    """One row of the network table."""
    name: str
    type: str
    output: str                      # LaTeX
    formula: str                     # LaTeX, "" for a layer without parameters
    params: str                      # LaTeX
    note: str = ""                   # plain text: variables counted in another layer ("kernel tied to wte/embeddings")


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
    """For shapes and table cells: a/2 rather than \\frac; bound symbols print as their numbers, unevaluated
    (floor(img_size/2) -> \\lfloor 32/2 \\rfloor)."""

    def __init__(self, values: dict[str, int], grouped: bool = False) -> None:
        super().__init__({"mul_symbol": "dot", "fold_short_frac": True})   # a/2, not \frac: shapes sit in text
        self.values = values
        self.grouped = grouped   # 2{,}304 in counts; 2304 in shapes, where a comma separates axes
        self._memo: dict = {}

    def doprint(self, expr) -> str:
        """Printed once per expression (a deep network repeats the same sizes in every layer)."""
        if expr not in self._memo:
            self._memo[expr] = super().doprint(expr)
        return self._memo[expr]

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.values:
            return self._print(sympy.Integer(self.values[expr.name]))
        return super()._print_Symbol(expr, style)

    def _print_Integer(self, expr):
        return super()._print_Integer(expr) if self.grouped else str(int(expr.p))


def _tidy(expr):
    """floor and ceiling of a sum over one denominator, as people write them: floor((n - 5)/2)."""
    if expr is None or not isinstance(expr, sympy.Basic) or expr.is_Atom \
            or not expr.has(sympy.floor, sympy.ceiling):
        return expr
    return expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)),
                        lambda e: e.func(sympy.together(e.args[0]), evaluate=False))


_SHAPES = _WithNumbers({})
_INLINE = _WithNumbers({}, grouped=True)


@lru_cache(maxsize=8192)
def show(expr) -> str:
    """A count or a condition in LaTeX: thousands grouped, floor((n - 5)/2) as people write it. (Cached: a deep
    network prints the same sizes thousands of times.)"""
    return _INLINE.doprint(_tidy(expr))


@lru_cache(maxsize=8192)
def _shape_dim(d) -> str:
    return _SHAPES.doprint(_tidy(d))


def _sum(expr) -> Form:
    """A sum as its terms, in the printed order, so that a long one can be broken between them."""
    if not isinstance(expr, sympy.Add):
        return (show(expr),)
    terms = _INLINE._as_ordered_terms(expr)
    return tuple(f"- {show(-t)}" if i and t.could_extract_minus_sign() else show(t) for i, t in enumerate(terms))


def shape_latex(shape, show=None) -> str:
    """(32, 32, 3) as Keras and PyTorch print shapes; an axis of unknown length prints as None."""
    return "(" + ", ".join(r"\mathrm{None}" if d is None else _shape_dim(d) if show is None else show(_tidy(d))
                           for d in shape) + ")"


def _shapes(layer: LayerRecord, show=_SHAPES.doprint) -> str:
    return ", ".join(shape_latex(s, show) for s in (layer.outputs or (layer.output_shape,)))


def _chain(*forms: Form) -> tuple[Form, ...]:
    """Equal forms without repeating a step (and without empty ones)."""
    out: list[Form] = []
    for form in forms:
        if form and all(form) and (not out or out[-1] != form):
            out.append(form)
    return tuple(out)


def _product(dims, printer) -> str:
    """The axes multiplied in layout order; an axis that is a quotient in brackets (h · (E/h), not h · E / h)."""
    def axis(d):
        quotient = len(dims) > 1 and not isinstance(d, (sympy.floor, sympy.ceiling)) and sympy.fraction(d)[1] != 1
        return f"({printer(d)})" if quotient else printer(d)
    return product_text(dims, axis, TIMES)


def _variable_line(term: Term, numbers: _WithNumbers) -> Line:
    """letters = the spec's sizes = the numbers put in = the value: k_h·k_w·C_in·F = 3·3·3·32 = 864."""
    v, dims = term.variable, term.dims
    generic = TIMES.join(letters(x) for x in v.labels) if len(v.labels) == len(dims) and dims else ""
    forms = _chain((generic,), (_product(dims, show),),
                   (_product(dims, lambda d: numbers.doprint(_tidy(d))),), (show(v.size),))
    notes = ["not trainable"] if not (v.trainable or v.buffer) else []   # buffers are listed apart
    if v.shared_with:
        notes.append(f"tied to {v.shared_with}, counted there")
    return Line(v.role or v.name, forms, name=v.name if v.role else "", note=", ".join(notes))


def _window(sym: LayerRecord, sub) -> Line | None:
    """The kernel or pooling window, as the layer's kind declares it."""
    found = lookup(sym.type).window(SimpleNamespace(**sym.args))
    if found is None:
        return None
    words, items = found
    items = items if isinstance(items, (tuple, list)) else (items,)
    if not items or not all(isinstance(v, (int, sympy.Expr)) and not isinstance(v, bool) for v in items):
        return None
    dims = [sympy.Integer(v) if isinstance(v, int) else v for v in items]
    return Line(words, _chain((r" \times ".join(show(d) for d in dims),),
                              (r" \times ".join(show(sub(d)) for d in dims),)))


def _layer(la: LayerAccount, printer: _WithNumbers, numbers: _WithNumbers, bound: bool, sub) -> LayerDerivation:
    layer, sym = la.record, la.symbolic
    kind = lookup(layer.type)
    summary = kind.summary[:1].upper() + kind.summary[1:] if kind.summary else ""
    params = tuple(_variable_line(t, numbers) for t in la.variables if not t.variable.buffer)
    buffers = tuple(_variable_line(t, numbers) for t in la.variables if t.variable.buffer)
    total = None
    no_params = ""
    if params:
        sizes = tuple(show(t.size) for t in la.terms)
        copies: Form = ()
        if la.repeat != 1 and sizes:   # n × (a + b + c), in plain brackets so a long one may break inside
            copies = ((rf"{show(layer.repeat)} \times {sizes[0]}",) if len(sizes) == 1 else
                      (rf"{show(layer.repeat)} \times ({sizes[0]}", *sizes[1:-1], f"{sizes[-1]})"))
        for index, count in reversed(layer.copies):   # a growing repeat: the sizes are copy i's, summed over i
            copies = (rf"\sum_{{{show(index)}=0}}^{{{show(count)} - 1}} \left({' + '.join(copies or sizes)}\right)",)
        total = Line("parameters", _chain(copies or (sizes if len(sizes) > 1 else ()), _sum(la.params.value)))
    else:
        no_params = kind.no_params or ("its only variables are buffers" if buffers else "it declares no variables")
    output = Line("output shape", _chain((_shapes(sym),), (_shapes(sym, printer.doprint) if bound else "",),
                                         (_shapes(layer),)))
    return LayerDerivation(la.position, layer.name, layer.type, summary,
                           show(layer.repeat) if layer.repeat != 1 else "",
                           tuple(shape_latex(s) for s in layer.input_shapes), _window(sym, sub),
                           params, total, no_params, buffers, output)


def _macs(la: LayerAccount, lc, numbers: _WithNumbers) -> tuple[Line, ...]:
    """Each product's multiply-accumulates in the spec's sizes = the numbers put in = the value; then the layer's
    MACs (its copies, times the batch) and its FLOPs under the report's convention."""
    from .compute import MAC_KINDS
    lines = []
    for cost, sym_cost in zip(la.record.costs, la.symbolic.costs):
        if cost.kind in MAC_KINDS and cost.count is not None and cost.count != 0:
            lines.append(Line(cost.words, _chain((show(sym_cost.count),), (numbers.doprint(sym_cost.count),),
                                                 (show(cost.count),))))
    if not lines or lc.macs is None:
        return ()
    lines.append(Line("MACs", _chain(_sum(lc.macs.symbolic), _sum(lc.macs.value))))
    lines.append(Line("FLOPs", _chain(_sum(lc.flops.symbolic), _sum(lc.flops.value))))
    return tuple(lines)


def _row(la: LayerAccount) -> Row:
    """The table's row: the formula in the spec's sizes (3·3·3·32 + 32), times the copies of a repeated layer."""
    formula = la.formula(show=show, times=TIMES, repeat=r"{n} \times ({f})")   # plain brackets: a cell may break
    return Row(la.name, la.type, _shapes(la.record), formula, show(la.params.value), la.tie_note())


def _terms(values) -> Form:
    """Each layer's count, a sum in parentheses so that the layers stay apart in the network's sum."""
    return tuple(rf"\left({show(v)}\right)" if isinstance(v, sympy.Add) else show(v) for v in values)


def _totals(a: Account) -> tuple[Line, ...]:
    lines = []
    sym_terms = _terms(layer.params.symbolic for layer in a.layers)
    terms = _terms(layer.params.value for layer in a.layers)
    lines.append(Line("total", _chain(sym_terms if len(sym_terms) > 1 else (), _sum(a.total.symbolic))))
    if terms != sym_terms:   # the numbers the bindings give (stated at the top)
        lines.append(Line("total in numbers", _chain(terms if len(terms) > 1 else (), _sum(a.total.value))))
    return tuple(lines)


def _split(a: Account) -> tuple[Line, ...]:
    """Trainable and non-trainable: the formula only when it is not the total's (or zero), then the value."""
    lines = []
    for words, q in (("trainable", a.trainable), ("non-trainable", a.non_trainable)):
        formula = () if sympy.expand(q.symbolic - a.total.symbolic) == 0 or q.symbolic == 0 else _sum(q.symbolic)
        lines.append(Line(words, _chain(formula, _sum(q.value))))
    return tuple(lines)


def _buffers(a: Account) -> Line | None:
    if a.buffers.value == 0:
        return None
    terms = _terms(layer.buffer_count.value for layer in a.layers if layer.buffer_count.value != 0)
    return Line("buffers (not parameters)", _chain(terms if len(terms) > 1 else (), _sum(a.buffers.value)))


def derive(a: Account, compute=None) -> Derivation:
    """The worked derivation of a network's account (bound or not); a network is added up first. With `compute`
    (a symparam.compute.Report) each layer also shows its MACs and FLOPs."""
    a = of(a)
    net, sym = a.net, a.net.unbound
    values = {k: int(v) for k, v in net.bindings.items()}
    printer, numbers = _WithNumbers(values), _WithNumbers(values, grouped=True)
    table = {sym.symbols.get(k): sympy.Integer(v) for k, v in values.items()}

    def sub(expr):
        return expr.xreplace(table)

    return Derivation(
        name=net.name, convention=net.convention,
        bindings=tuple(f"{latex(sympy.Symbol(k))} = {latex(sympy.Integer(v))}" for k, v in values.items()),
        free=tuple(latex(sympy.Symbol(n)) for n in a.free),
        rows=tuple(_row(la) for la in a.layers), total=show(a.total.value),
        layers=tuple(_layer(la, printer, numbers, bool(values), sub) for la in a.layers) if compute is None else
        tuple(replace(_layer(la, printer, numbers, bool(values), sub), macs=_macs(la, lc, numbers))
              for la, lc in zip(a.layers, compute.layers)),
        totals=_totals(a), split=_split(a), buffers=_buffers(a),
        assumptions=tuple(Assumption(x.layer or x.where, x.key, show(x.relation), x.why) for x in a.assumptions),
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
        if layer.repeat:
            yield layer.repeat
        if layer.window is not None:
            yield layer.window.math
        for line in (*layer.params, *((layer.total,) if layer.total else ()), *layer.buffers):
            yield line.math
        yield layer.output.math
        for line in layer.macs:
            yield line.math
    for line in (*d.totals, *d.split):
        yield line.math
    if d.buffers is not None:
        yield d.buffers.math
    yield from d.free
    for a in d.assumptions:
        yield a.math
