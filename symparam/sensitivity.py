"""Where the parameters are: each layer's share of the total, degrees, the leading term, the dominant layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy

from .account import Account, of
from .expr import highest_terms


@dataclass
class Share:
    layer: str
    params: sympy.Expr              # symbolic (unbound)
    fraction: sympy.Expr            # params / total, symbolic
    exact: Fraction | None          # the share at the bound values, when every symbol is bound


@dataclass
class Report:
    shares: list[Share]
    degrees: dict[str, int | None] = field(default_factory=dict)   # degree of the total in each symbol
    leading: sympy.Expr | None = None                               # highest-degree part of the total
    dominant: dict[str, list[str]] = field(default_factory=dict)    # symbol -> layers growing fastest in it


def asymptotic(expr: sympy.Expr) -> sympy.Expr:
    """For growth only: floor(x) and ceiling(x) behave like x."""
    return sympy.expand(expr.replace(sympy.floor, lambda x: x).replace(sympy.ceiling, lambda x: x))


def _degree(expr: sympy.Expr, symbol: sympy.Symbol) -> int | None:
    poly = expr.as_poly(symbol)
    return None if poly is None else poly.degree()


def analyse(a: Account) -> Report:
    net = of(a).net
    sym = net.unbound
    total = sym.total
    shares = []
    for layer, bound in zip(sym.layers, net.layers):
        fraction = sympy.cancel(layer.params / total) if total != 0 else sympy.Integer(0)
        exact = None
        if bound.params.is_number and net.total.is_number and net.total != 0:
            exact = Fraction(int(bound.params), int(net.total))
        shares.append(Share(layer.name, layer.params, fraction, exact))
    report = Report(shares)
    growth = asymptotic(total)
    symbols = sorted(total.free_symbols, key=lambda s: sym.symbols.names().index(s.name))
    for s in symbols:
        report.degrees[s.name] = _degree(growth, s)
        degrees = {layer.name: _degree(asymptotic(layer.params), s) for layer in sym.layers}
        known = {k: d for k, d in degrees.items() if d is not None and d > 0}
        if known:
            top = max(known.values())
            report.dominant[s.name] = [k for k, d in known.items() if d == top]
    if symbols:
        poly = growth.as_poly(*symbols)
        if poly is not None:
            top = max(sum(m) for m in poly.monoms())
            report.leading = sympy.Add(*(c * sympy.Mul(*(x ** e for x, e in zip(symbols, m)))
                                         for m, c in poly.terms() if sum(m) == top))
    return report


@dataclass
class Leading:
    term: sympy.Expr | None          # the highest-degree part of the non-embedding parameters
    non_embedding: sympy.Expr        # the total without the embedding layers
    lower: sympy.Expr                # what the leading term leaves out of the non-embedding parameters
    embeddings: sympy.Expr           # the embedding layers' parameters (left out too, as in Kaplan et al.)
    embedding_layers: list[str]      # the layers holding them (variables of category "embedding")
    active: sympy.Expr | None = None  # parameters one token uses, when a mixture of experts makes it less than all
    unused: sympy.Expr = sympy.Integer(0)   # what each token leaves unused: the experts its router does not pick
    sparse_layers: list[str] = field(default_factory=list)   # the layers with such variables
    flops: object = None             # symparam.compute.ClosedForms: Kaplan's and PaLM's forms, for a sequence model


def highest_degree_part(expr: sympy.Expr) -> sympy.Expr | None:
    return highest_terms(asymptotic(expr))


def leading(a: Account) -> Leading:
    """The dominant term of the parameters that are not embeddings (12·n_layer·d_model² for a GPT), and what it
    leaves out. Embeddings are the variables their kinds declare of category "embedding"."""
    a = of(a)
    embedding_layers = [layer for layer in a.layers if "embedding" in layer.categories]
    embeddings = a.categories["embedding"]
    non_embedding = sympy.expand(a.total.value - embeddings)
    term = highest_degree_part(non_embedding)
    lower = sympy.expand(non_embedding - term) if term is not None else sympy.Integer(0)
    from .compute import closed_forms
    sparse = [layer.name for layer in a.layers if any(t.variable.active != 1 for t in layer.terms)]
    active = a.active.value if a.sparse else None
    unused = sympy.expand(a.total.value - active) if active is not None else sympy.Integer(0)
    return Leading(term, non_embedding, lower, embeddings, [layer.name for layer in embedding_layers], active, unused,
                   sparse, closed_forms(a))


def percent(share: Fraction) -> str:
    """An exact share as a percentage rounded half-up to two decimals, without floats."""
    hundredths = (share * 10000 * 2 + 1) // 2
    return f"{hundredths // 100}.{hundredths % 100:02d}%"
