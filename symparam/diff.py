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


def compare(a: Network, b: Network) -> Diff:
    b_layers = {layer.name: layer for layer in b.layers}
    a_names = {layer.name for layer in a.layers}
    rows = [LayerDiff(layer.name, layer.params, b_layers[layer.name].params if layer.name in b_layers else None)
            for layer in a.layers]
    rows += [LayerDiff(layer.name, None, layer.params) for layer in b.layers if layer.name not in a_names]
    return Diff(a, b, rows)
