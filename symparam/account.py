"""One account of a derived network, built once, read by every output.

In the spirit of torchinfo (layer facts collected -> statistics -> formatting): the engine collects the records;
this module adds them up once — per layer the counted terms with their repeat and tie notes, the formula as the
table prints it, counts by category, every total in its one readable form, the conditions worded in symparam's
syntax — and every renderer (table, LaTeX, Markdown, HTML, JSON, explorer, quiz, diff, sweep) only maps it to its
own syntax and escaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

import sympy

from .errors import layer_where
from .expr import as_sympy
from .model import CATEGORIES, LayerRecord, Network, Variable
from .printing import product_text, spec_text, text
from .totals import grouping, layered, readable


# How a category reads in a sentence, counted: "(4·units) biases"
PLURAL = {"weight": "weights", "bias": "biases", "scale": "scales", "offset": "offsets", "embedding": "embeddings",
          "statistic": "statistics"}


class Quantity:
    """A count at the bound values and before binding, each in its one readable form (worked out when first read:
    a renderer pays only for the forms it shows)."""

    __slots__ = ("_raw", "_symbolic_raw", "_formulas", "_group", "_forms", "_parts")

    def __init__(self, value: sympy.Expr, symbolic: sympy.Expr, formulas=None, group=(), parts=None) -> None:
        self._raw, self._symbolic_raw, self._formulas, self._group, self._forms = value, symbolic, formulas, group, {}
        self._parts = parts   # a network's: per layer (copies, one copy's count), bound and unbound

    def _readable(self, raw, parts, formulas=None) -> sympy.Expr:
        if parts is None:
            return readable(raw.xreplace(formulas) if formulas else raw, self._group)
        return layered([(n.xreplace(formulas), c.xreplace(formulas)) if formulas else (n, c) for n, c in parts],
                       self._group)

    def _form(self, key: str, make):
        if key not in self._forms:
            self._forms[key] = make()
        return self._forms[key]

    @property
    def value(self) -> sympy.Expr:
        return self._form("value", lambda: self._readable(self._raw, self._parts and self._parts[0]))

    @property
    def symbolic(self) -> sympy.Expr:
        """Before binding, with the spec's formula defaults put in (d_ff = 4*d_model)."""
        return self._form("symbolic", lambda: self._readable(self._symbolic_raw, self._parts and self._parts[1],
                                                             self._formulas))

    @property
    def bound(self) -> bool:
        """Whether the numbers change it (the symbolic form is then worth showing too)."""
        return self.value != self.symbolic


@dataclass(frozen=True, repr=False, eq=False)
class Term:
    """One variable of a layer: the bound record's variable and its axes in the spec's sizes."""
    variable: Variable
    dims: tuple[sympy.Expr, ...]     # the unbound variable's shape (img_size, 3, 32 ...)

    @property
    def size(self) -> sympy.Expr:
        return self.variable.size

    @property
    def factors(self) -> tuple[sympy.Expr, ...]:
        """The axes as a reader multiplies them: a per-head size cancelled against the heads (n_head and
        d_model/n_head make d_model), the axes in layout order otherwise."""
        return _cancelled(self.dims)


def _cancelled(dims: tuple[sympy.Expr, ...]) -> tuple[sympy.Expr, ...]:
    """dims with each axis's denominator cancelled against another axis's factor, when every one cancels exactly;
    dims unchanged otherwise (a floor or a ceiling is never taken apart)."""
    numerators, denominators = [], []
    for d in dims:
        top, bottom = (d, sympy.Integer(1)) if d.has(sympy.floor, sympy.ceiling) else sympy.fraction(sympy.together(d))
        numerators.append(top)
        denominators.extend(f for f in sympy.Mul.make_args(bottom) if f != 1)
    if not denominators:
        return dims
    for q in denominators:
        for i, top in enumerate(numerators):
            if q in sympy.Mul.make_args(top):
                numerators[i] = top / q
                break
        else:
            return dims
    return tuple(n for n in numerators if n != 1) or (sympy.Integer(1),)


def halves(parts: list) -> list:
    """The first half of a list made of two equal halves (a Bidirectional layer's forward and backward copies),
    or the list itself."""
    h = len(parts) // 2
    return parts[:h] if h and len(parts) % 2 == 0 and parts[:h] == parts[h:] else parts


def alike(parts: list) -> list[tuple[int, object]]:
    """Equal parts once each with how often they occur, in the order first met: a BatchNormalization's (C, C, C, C)
    as [(4, C)]. Every format writes a layer's sum from this (4·C, not C + C + C + C)."""
    counts: dict = {}
    for part in parts:
        counts[part] = counts.get(part, 0) + 1
    return [(n, part) for part, n in counts.items()]


def _bracketed(text_: str) -> bool:
    """Whether the whole text is one bracket: '(a + b)', not '(a)·(b)'."""
    depth = 0
    for i, char in enumerate(text_):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(text_) - 1:
            return False
    return text_.startswith("(")


@dataclass(frozen=True, repr=False, eq=False)
class LayerAccount:
    position: int                    # 1-based, in the network (blocks expanded): the record's index
    record: LayerRecord              # at the bound values
    symbolic: LayerRecord            # before binding
    variables: tuple[Term, ...]      # every variable, in the layer's own order
    params: Quantity
    trainable: Quantity
    non_trainable: Quantity
    buffer_count: Quantity
    categories: Mapping[str, sympy.Expr]   # parameters by category (bound), zero ones left out

    @property
    def terms(self) -> tuple[Term, ...]:
        """The parameters this layer holds and counts, in layout order."""
        return tuple(t for t in self.variables if not t.variable.buffer and t.variable.counted)

    @property
    def tied(self) -> tuple[Term, ...]:
        """Variables that are another layer's tensor (counted there)."""
        return tuple(t for t in self.variables if not t.variable.counted)

    @property
    def buffers(self) -> tuple[Term, ...]:
        """PyTorch buffers: not parameters."""
        return tuple(t for t in self.variables if t.variable.buffer and t.variable.counted)

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def type(self) -> str:
        return self.record.type

    @property
    def inputs(self) -> tuple[str, ...]:
        """Full names of the layers (or network inputs) this one reads."""
        return self.record.inputs

    @property
    def repeat(self) -> sympy.Expr:
        return self.symbolic.repeat

    @property
    def where(self) -> str:
        return layer_where(self.position, self.name, self.type)

    @property
    def ties(self) -> tuple[tuple[str, str], ...]:
        """(variable, "layer/variable" it is) for the variables counted in another layer."""
        return tuple((t.variable.name, t.variable.shared_with) for t in self.tied)

    def formula(self, show=text, times: str = "·", repeat: str = "{n} × ({f})", bound: bool = False,
                growing: str = "sum over {i} < {n} of ({f})") -> str:
        """The table's formula: each counted variable's axes multiplied in the spec's sizes (3·3·3·32 + 32), times
        the copies of a repeated layer, summed over the index of copies that grow (`growing`); '' without
        parameters. `show` prints one size (plain text by default); `bound` puts the bound values in the sizes."""
        parts = [product_text(t.variable.shape if bound else t.factors, show, times) for t in self.terms]
        body = " + ".join(part if n == 1 else f"{show(sympy.Integer(n))}{times}" + (
            f"({part})" if (times in part or " + " in part) and not _bracketed(part) else part)
            for n, part in alike(self.halves(parts)))
        if len(self.halves(parts)) < len(parts):   # a forward and a backward copy: 2 × (...)
            body = repeat.format(n=show(sympy.Integer(2)), f=body)
        count = self.record.repeat if bound else self.repeat
        if body and count != 1:
            n = show(count)
            body = repeat.format(n=f"({n})" if isinstance(count, sympy.Add) else n, f=body)   # (num_layers - 1) × ...
        for index, copies in reversed(self.record.copies if bound else self.symbolic.copies):   # a growing repeat
            body = growing.format(i=show(index), n=show(copies), f=body) if body else body
        return body

    def halves(self, parts: list) -> list:
        """The forward copy's part of a list with one item per counted variable, for a kind whose variables are two
        identical copies (Bidirectional); the list itself otherwise."""
        from .layers import lookup
        return halves(parts) if lookup(self.type).mirrored else parts

    def tie_note(self) -> str:
        """'kernel tied to wte/embeddings, counted there' for each tied variable; '' when none."""
        return "; ".join(f"{v} tied to {target}, counted there" for v, target in self.ties)

    def formula_text(self, show=text) -> str:
        """The formula and the tie notes as one line of plain text (the table's and JSON's `formula`)."""
        note = self.tie_note()
        return " ".join(filter(None, (self.formula(show), f"({note})" if note else "")))


@dataclass(frozen=True, repr=False, eq=False)
class Assumption:
    """A condition not decided by the bindings: where it comes from and what it says, in symparam's syntax."""
    layer: str | None                # the full layer name; None for the network's own (its input sizes)
    where: str                       # "[network]" or "layer 3 'Max1' (MaxPooling2D)"
    key: str
    relation: sympy.Basic
    why: str

    @property
    def text(self) -> str:
        return spec_text(self.relation)


@dataclass(frozen=True, repr=False, eq=False)
class Account:
    net: Network                     # the derived network at its bindings (net.unbound before them)
    layers: tuple[LayerAccount, ...]
    total: Quantity
    trainable: Quantity
    non_trainable: Quantity
    buffers: Quantity
    categories: Mapping[str, sympy.Expr]          # parameters by category (bound), every category
    buffer_categories: Mapping[str, sympy.Expr]   # buffers by category (bound), every category
    assumptions: tuple[Assumption, ...]           # the conditions the bindings leave open
    symbolic_assumptions: tuple[Assumption, ...]  # every condition of the network before binding
    grouping: tuple[sympy.Symbol, ...] = field(default=())   # symbols totals are grouped by (repeat counts)
    active: Quantity | None = None   # parameters one token uses (less than the total with a mixture of experts)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the framework allows and the user should know, one line each, naming its layer."""
        return tuple(f"{layer_where(layer.index, layer.name, layer.type)}: {why}"
                     for layer in self.net.layers for why in layer.warnings)

    @property
    def sparse(self) -> bool:
        """Whether some parameters are used by only some tokens (a mixture of experts' experts)."""
        return self.active is not None and sympy.expand(self.active.value - self.total.value) != 0

    @property
    def name(self) -> str:
        return self.net.name

    @property
    def convention(self) -> str:
        return self.net.convention

    @property
    def bindings(self) -> Mapping[str, int | sympy.Rational]:
        """The numbers substituted (integers and exact rationals)."""
        return self.net.bindings

    @property
    def bound(self) -> Mapping[str, int | sympy.Rational | bool | str]:
        """Every bound symbol, as outputs list them: the numbers substituted (integers, exact rationals), then the
        booleans and choices the network was built with."""
        return {**self.net.bindings, **self.net.symbols.structure}

    @property
    def free(self) -> list[str]:
        return self.net.free_symbols

    @cached_property
    def _bound_symbols(self) -> dict:
        table = self.net.unbound.symbols
        return {table.get(k): as_sympy(v) for k, v in self.bindings.items()}

    def at_bindings(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` (in the spec's symbols) at the network's bound numbers (integers, exact rationals)."""
        return expr.xreplace(self._bound_symbols)

    def form(self, expr: sympy.Expr) -> sympy.Expr:
        """The one readable form of a count (grouped by the network's repeat counts)."""
        return readable(expr, self.grouping)

    def layer(self, name: str) -> LayerAccount:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def _by_category(layer: LayerRecord, buffers: bool) -> dict[str, sympy.Expr]:
    out = {c: sympy.Integer(0) for c in CATEGORIES}
    for v in layer.variables:
        if v.counted and v.buffer == buffers:
            out[v.category] += layer.counted(v.size)
    return out


def _sum(parts) -> dict[str, sympy.Expr]:
    out = {c: sympy.Integer(0) for c in CATEGORIES}
    for part in parts:
        for c, value in part.items():
            out[c] += value
    return {c: sympy.expand(v) for c, v in out.items()}


def build(net: Network) -> Account:
    """The account of a derived network (bound or not). The symbolic side of each count has the spec's formula
    defaults put in (d_ff = 4*d_model), as `derive --symbolic` shows it."""
    sym = net.unbound
    group = tuple(grouping(net))
    formulas = {sym.symbols.get(k): sympy.Integer(v) if isinstance(v, int) else v
                for k, v in sym.symbols.resolve({}, defaults=False).items()}

    def quantity(value, symbolic) -> Quantity:
        return Quantity(value, symbolic, formulas, group)

    layers = []
    categories, buffer_categories = [], []
    for layer, sym_layer in zip(net.layers, sym.layers):
        params = _by_category(layer, buffers=False)
        categories.append(params)
        buffer_categories.append(_by_category(layer, buffers=True))
        layers.append(LayerAccount(
            layer.index, layer, sym_layer, tuple(Term(v, sv.shape) for v, sv in zip(layer.variables, sym_layer.variables)),
            quantity(layer.params, sym_layer.params), quantity(layer.trainable, sym_layer.trainable),
            quantity(layer.non_trainable, sym_layer.non_trainable), quantity(layer.buffers, sym_layer.buffers),
            {c: v for c, v in params.items() if v != 0}))
    where_of = {layer.name: layer.where for layer in layers}

    def assumptions(of: Network) -> tuple[Assumption, ...]:
        return tuple(Assumption(None if place == "[network]" else place, where_of.get(place, place), c.key,
                                c.relation, c.why) for place, c in of.assumptions)

    def network(of_layer) -> Quantity:   # a network's count, grouped per layer and per repeated block
        parts = tuple(tuple((r.repeat, of_layer(r) / r.repeat) for r in n.layers if r.repeat != 0)   # 0 copies: none
                      for n in (net, sym))
        return Quantity(sympy.Add(*map(of_layer, net.layers)), sympy.Add(*map(of_layer, sym.layers)), formulas, group,
                        parts)

    return Account(net, tuple(layers), network(lambda r: r.params), network(lambda r: r.trainable),
                   network(lambda r: r.non_trainable), network(lambda r: r.buffers),
                   _sum(categories), _sum(buffer_categories), assumptions(net), assumptions(sym), group,
                   quantity(net.active, sym.active))


def of(net_or_account) -> Account:
    """The account of a network, or the account itself (renderers take either)."""
    if isinstance(net_or_account, Account):
        return net_or_account
    cached = getattr(net_or_account, "account", None)   # symparam.api.Network keeps its own
    return cached if isinstance(cached, Account) else build(net_or_account)
