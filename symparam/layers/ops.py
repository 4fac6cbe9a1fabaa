"""keras.ops calls that a functional model records as graph nodes (`x * 0.5`, `ops.add(x, y)`): no parameters,
NumPy's broadcasting of their operands. keras.applications' MobileNetV3 (hard sigmoid: `relu6(x + 3) / 6`) and
ConvNeXt (the residual additions) make them on the torch backend. A spec writes them as `ops.<name>`: on one input
and a number (`scalar`, the second operand, or the first with `scalar_first = true`: 255 - x), or on two inputs.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import sympy

from ..errors import SymparamError, show
from ..model import Dim, Shape
from . import register
from .base import REQUIRED, Arg, Build, Flag, LayerKind
from .costs import size
from .merging import equal, shapes_text


class Number(Arg):
    """A finite number of any sign (a constant operand, a scale); "none" too where `optional`."""

    def __init__(self, default: Any = REQUIRED, optional: bool = False) -> None:
        super().__init__(default)
        self.optional = optional
        self.expected = 'a finite number or "none"' if optional else "a finite number"

    def parse(self, value, key, ctx):
        if self.optional and (value is None or (isinstance(value, str) and value.lower() == "none")):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.refuse(value, key)
        return value


def ops_broadcast(shapes: Sequence[Shape], b: Build, key: str = "inputs") -> Shape:
    """keras.ops' broadcasting of batched tensors, on batch-less shapes: each shape gets its batch axis back, then
    `broadcast_full`; the output is given without its batch axis."""
    return broadcast_full([(None, *s) for s in shapes], b, key, f"input shapes {shapes_text(shapes)}")[1:]


def broadcast_full(shapes: Sequence[Shape], b: Build, key: str, received: str) -> Shape:
    """Keras's operation_utils.broadcast_shapes on whole shapes: shorter ones padded in front with 1s; a 1 stretches,
    an unknown length takes the other's length (unknown against 1 stays unknown), known lengths must be equal."""
    rank = max(len(s) for s in shapes)
    padded = [(sympy.Integer(1),) * (rank - len(s)) + tuple(s) for s in shapes]
    why = "the operands must broadcast: on each trailing axis equal lengths, or a length 1 (or unknown) one"
    out = list(padded[0])
    for other in padded[1:]:
        out = [_axis(i, j, b, key, why, received) for i, j in zip(out, other)]
    return tuple(out)


def _axis(i: Dim, j: Dim, b: Build, key: str, why: str, received: str) -> Dim:
    if i is not None and i == 1:
        return j
    if i is None:
        return None if j is not None and j == 1 else j
    if j is None or j == 1 or equal(i, j) is sympy.true:
        return i
    b.require(sympy.Or(equal(i, j), equal(j, 1)), key, why, received)
    return i


class ElementwiseOp(LayerKind):
    """One keras.ops element-wise operation on two operands: two inputs, or one input and a number."""
    no_params = "an operation computes from its operands; it holds no weights"
    n_inputs = (1, 2)
    args = {"scalar": Number(None, optional=True), "scalar_first": Flag(False)}
    example = ({"scalar": 3.0}, ["h", "w", "c"], {"h": 56, "w": 56, "c": 96})

    def build(self, a, inputs, b):
        operands = len(inputs) + (a.scalar is not None)
        if operands != 2:
            scalar = "none" if a.scalar is None else show(a.scalar)
            raise SymparamError(f"{self.name} takes two operands: two inputs, or one input and a scalar. Received: "
                                f"{len(inputs)} input(s) and scalar = {scalar}.")
        if a.scalar_first and a.scalar is None:
            raise SymparamError(f"scalar_first = true puts the scalar before the input, and {self.name} has none. "
                                f"Received: scalar = none.")
        out = ops_broadcast(inputs, b)
        b.cost("elementwise", size(out), words="one operation per output value")
        return out


# On two tensors: what the operations that keep their operands for backward keep (a number operand is a constant).
_TWO = ({"inputs": ["x", "y"]}, {"x": ["t", "d"], "y": ["t", "d"]}, {"t": 10, "d": 64})


@register
class OpsAdd(ElementwiseOp):
    saves = ("none",)
    name = "ops.add"
    summary = "keras.ops.add in a functional graph: adds its operands element by element (broadcast)"


@register
class OpsSubtract(ElementwiseOp):
    saves = ("none",)
    name = "ops.subtract"
    summary = "keras.ops.subtract in a functional graph: the first operand minus the second (broadcast)"


@register
class OpsMultiply(ElementwiseOp):
    example = _TWO
    saves = ("input",)
    name = "ops.multiply"
    summary = "keras.ops.multiply in a functional graph: multiplies its operands element by element (broadcast)"


@register
class OpsDivide(ElementwiseOp):
    example = _TWO
    saves = ("input",)
    name = "ops.divide"
    aliases = ("ops.true_divide",)
    summary = "keras.ops.divide in a functional graph: the first operand over the second (broadcast)"


@register
class OpsMaximum(ElementwiseOp):
    example = _TWO
    saves = ("input",)
    name = "ops.maximum"
    summary = "keras.ops.maximum in a functional graph: the larger operand, element by element (broadcast)"


@register
class OpsMinimum(ElementwiseOp):
    example = _TWO
    saves = ("input",)
    name = "ops.minimum"
    summary = "keras.ops.minimum in a functional graph: the smaller operand, element by element (broadcast)"
