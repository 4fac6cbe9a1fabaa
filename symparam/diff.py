"""Two specs compared: the difference of their totals, and layer by layer where names match."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .model import Network


@dataclass
class LayerDiff:
    name: str
    a: sympy.Expr | None   # None: the layer is not in that spec
    b: sympy.Expr | None

    @property
    def change(self) -> sympy.Expr:
        return (self.b if self.b is not None else 0) - (self.a if self.a is not None else 0)


@dataclass
class Diff:
    a: Network
    b: Network
    layers: list[LayerDiff]

    @property
    def change(self) -> sympy.Expr:
        return sympy.expand(self.b.total - self.a.total)

    @property
    def symbolic_change(self) -> sympy.Expr:
        return sympy.expand(self.b.unbound.total - self.a.unbound.total)


CATEGORIES = ("weights", "biases", "scales", "offsets", "non-trainable weights", "buffers")


def category(v) -> str:
    """What kind of parameter a variable is, in words both frameworks share (a BN bias is an offset)."""
    if v.buffer:
        return "buffers"
    if not v.trainable:
        return "non-trainable weights"
    for word in ("biases", "scales", "offsets"):
        if v.role.startswith(word):
            return word
    return "weights"


def by_category(net: Network) -> dict[str, sympy.Expr]:
    out = {c: sympy.Integer(0) for c in CATEGORIES}
    for layer in net.layers:
        for v in layer.variables:
            if v.counted:
                out[category(v)] += layer.repeat * v.size
    return out


def explain(d: "Diff") -> dict[str, sympy.Expr]:
    """B - A per category (biases, scales, non-trainable weights, ...): where a difference of totals comes from."""
    a, b = by_category(d.a), by_category(d.b)
    return {c: sympy.expand(b[c] - a[c]) for c in CATEGORIES}


def compare(a: Network, b: Network) -> Diff:
    b_layers = {layer.name: layer for layer in b.layers}
    a_names = {layer.name for layer in a.layers}
    rows = [LayerDiff(layer.name, layer.params, b_layers[layer.name].params if layer.name in b_layers else None)
            for layer in a.layers]
    rows += [LayerDiff(layer.name, None, layer.params) for layer in b.layers if layer.name not in a_names]
    return Diff(a, b, rows)
