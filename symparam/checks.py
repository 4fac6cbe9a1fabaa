"""What must hold for a derived network to be valid at a point: the list `solve` and `sweep` both test.

The same facts `engine.bind` refuses a binding for: every condition the spec and its layers recorded holds, and
every output length and variable dimension is a positive integer (`engine.not_a_length`). A length is split into
two checks, "positive" (at least 1) and "whole" (an integer), because they behave differently as a symbol grows:
the first is a threshold, the second is periodic (d_model / 12 is whole for every twelfth d_model).
Checks that sympy proves always true for positive integer symbols are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import layer_where
from .model import Network
from .printing import spec_text


@dataclass(frozen=True)
class Check:
    kind: str            # "holds": `expr` is a relation; "positive": expr >= 1; "whole": expr is an integer
    expr: sympy.Basic
    where: str           # "layer 2 'h/attn' (MultiHeadAttention)" or "[network]"
    what: str            # words: the condition's reason, or "query/kernel axis 3 = d_model/12"

    def holds(self, values: dict) -> bool:
        """Exactly, at one point (`values`: symbol -> sympy.Integer). A zero divisor or a nan fails the check."""
        try:
            value = self.expr.xreplace(values)
            if self.kind == "holds":
                return value is sympy.true
            if not value.is_number:
                return False
            if self.kind == "whole":
                return value.is_integer is True
            return value.is_finite is True and bool(value >= 1)
        except (ZeroDivisionError, TypeError, ValueError):
            return False

    def describe(self) -> str:
        if self.kind == "holds":
            from .engine import tidy_condition
            return f"{self.where}: {self.what} ({spec_text(tidy_condition(self.expr))})"
        need = "at least 1" if self.kind == "positive" else "a whole number"
        return f"{self.where}: {self.what} must be {need}"


def point_checks(net: Network) -> list[Check]:
    """Every check of `net` not yet decided, once each (the first place it arises names it)."""
    found: dict[tuple[str, sympy.Basic], Check] = {}

    def add(kind, expr, where, what):
        if (kind, expr) not in found:
            found[(kind, expr)] = Check(kind, expr, where, what)

    for condition in net.conditions:   # the input sizes' and the block uses' (those name their use)
        if condition.relation is not sympy.true:
            add("holds", condition.relation, getattr(condition, "where", "") or "[network]", condition.why)
    for layer in net.layers:
        where = layer_where(layer.index, layer.name, layer.type)
        for condition in layer.conditions:
            if condition.relation is not sympy.true:
                add("holds", condition.relation, where, condition.why)
        shapes = [("output", layer.output_shape)] + [(f"output {i}", s) for i, s in enumerate(layer.outputs, 1)]
        shapes += [(v.name, v.shape) for v in layer.variables]
        for name, shape in shapes:
            for axis, dim in enumerate(shape, start=1):
                if dim is None or dim.is_number:
                    continue   # numbers were checked when the layer was built
                what = f"{name} axis {axis} = {spec_text(dim)}"
                if dim.is_integer is not True:
                    add("whole", dim, where, what)
                if not (dim.is_integer and dim.is_positive or (dim - 1).is_nonnegative):   # 64/g is > 0, not >= 1
                    add("positive", dim, where, what)
    return list(found.values())


def failing(checks: list[Check], values: dict) -> list[Check]:
    return [c for c in checks if not c.holds(values)]
