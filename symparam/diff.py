"""Two networks compared: the difference of their totals, layer by layer where names match, and by category."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .account import Account, of
from .model import CATEGORIES


@dataclass
class LayerDiff:
    name: str
    a: sympy.Expr | None   # None: the layer is not in that network
    b: sympy.Expr | None

    @property
    def change(self) -> sympy.Expr:
        return sympy.expand((self.b if self.b is not None else 0) - (self.a if self.a is not None else 0))


@dataclass
class Diff:
    a: Account
    b: Account
    layers: list[LayerDiff]
    flops: tuple = (None, None)     # each network's forward FLOPs (symparam.compute, the default convention, the batch)

    @property
    def change(self) -> sympy.Expr:
        return sympy.expand(self.b.total.value - self.a.total.value)

    @property
    def symbolic_change(self) -> sympy.Expr:
        return sympy.expand(self.b.total.symbolic - self.a.total.symbolic)

    def explain(self) -> dict[str, sympy.Expr]:
        """B - A in parameters, per category (weight, bias, ...): where the difference of totals comes from."""
        return {c: sympy.expand(self.b.categories[c] - self.a.categories[c]) for c in CATEGORIES}

    @property
    def flops_change(self) -> sympy.Expr | None:
        a, b = self.flops
        return None if a is None or b is None else sympy.expand(b.value - a.value)

    def buffers(self) -> dict[str, sympy.Expr]:
        """B - A in buffers (not parameters), per category."""
        return {c: sympy.expand(self.b.buffer_categories[c] - self.a.buffer_categories[c]) for c in CATEGORIES}


def compare(a: Account, b: Account, batch: int | None = 1) -> Diff:
    """B against A; the FLOPs for `batch` examples (None: the batch stays a symbol)."""
    a, b = of(a), of(b)
    b_layers = {layer.name: layer for layer in b.layers}
    a_names = {layer.name for layer in a.layers}
    rows = [LayerDiff(layer.name, layer.params.value,
                      b_layers[layer.name].params.value if layer.name in b_layers else None) for layer in a.layers]
    rows += [LayerDiff(layer.name, None, layer.params.value) for layer in b.layers if layer.name not in a_names]
    from .compute import Options, report
    options = Options(batch=batch)
    return Diff(a, b, rows, (report(a, options).flops, report(b, options).flops))
