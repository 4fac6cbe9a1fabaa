"""Merge kinds: Add, Subtract, Multiply, Average, Maximum, Minimum (element by element, with Keras's broadcasting),
Concatenate and Dot. None of them has parameters; each checks its inputs' shapes as Keras does.

Inputs come from the layer's `inputs = [...]`, in Keras's call order. A concrete mismatch is an error naming the
shapes; a mismatch that depends on symbols becomes a condition (reported as an assumption, checked when numbers
are bound). Axes are Keras's: counted on the batched shape, 0 being the batch axis.
"""

from __future__ import annotations

from typing import Sequence

import sympy

from ..expr import as_expr

from ..errors import SymparamError, show
from ..model import Dim, Shape
from . import register
from .base import REQUIRED, Arg, Build, Flag, Int, LayerKind
from .core import format_shape
from .costs import moves, size, times

NO_PARAMS = "merging only combines the values it receives"


def shapes_text(shapes: Sequence[Shape]) -> str:
    return ", ".join(format_shape(s) for s in shapes)


def equal(a: Dim, b: Dim):
    """sympy.true / sympy.false when decided, else the relation a = b (a number on the right: m = 4)."""
    a, b = as_expr(a), as_expr(b)
    return sympy.Eq(b, a) if a.is_number and not b.is_number else sympy.Eq(a, b)


def broadcast_length(i: Dim, j: Dim, b: Build, key: str, why: str, received: str) -> Dim:
    """One axis of Keras's element-wise broadcasting: equal lengths, or a 1 that stretches; unknown stays so.

    Where only the symbols can decide it, the condition is `i = j or i = 1 or j = 1`; the output is then the length
    that is not 1 (Max(i, j) covers every case that satisfies the condition)."""
    if i is None or j is None:
        return None
    if equal(i, j) is sympy.true or j == 1:
        return i
    if i == 1:
        return j
    b.require(sympy.Or(equal(i, j), equal(i, 1), equal(j, 1)), key, why, received)
    if i.is_number:
        return i
    if j.is_number:
        return j
    return sympy.Max(i, j)


def broadcast_shapes(shapes: Sequence[Shape], b: Build, key: str = "inputs") -> Shape:
    """Keras's element-wise merge shape on batch-less shapes: trailing axes aligned, a shorter shape padded with
    leading axes of length 1. An axis unknown in one input is unknown in the output (Keras's rule), but the known
    lengths there must still broadcast together: Keras builds (None,), (2,), (3,) and then fails to run it."""
    received = None   # the shapes' text, made only for an axis that needs a condition (printing is slow)
    why = "inputs must have compatible shapes: on each trailing axis equal lengths, or a length 1 that broadcasts"
    rank = max(len(s) for s in shapes)
    out: list[Dim] = []
    for k in range(rank, 0, -1):
        dims = [s[-k] for s in shapes if len(s) >= k]
        known = [d for d in dims if d is not None]
        length = known[0] if known else None
        for other in known[1:]:
            if other == length or other == 1:   # the same expression, or a 1 that stretches: as broadcast_length
                continue
            if length == 1:
                length = other
                continue
            received = received or f"input shapes {shapes_text(shapes)}"
            length = broadcast_length(length, other, b, key, why, received)
        out.append(None if len(known) < len(dims) else length)
    return tuple(out)


def require_same(x: Dim, y: Dim, b: Build, key: str, why: str, received: str) -> None:
    """Keras compares these lengths with `!=`: an unknown length equals only another unknown one."""
    if x is None or y is None:
        if x is not y:
            raise SymparamError(f"{why}; an axis of unknown length matches only another unknown one. "
                                f"Received: {received}.")
        return
    b.require(equal(x, y), key, why, received)


class ElementwiseMerge(LayerKind):
    any_convention = True   # also in PyTorch specs, for the additions forward() makes
    """Keras's Merge base: the output is every input broadcast together."""
    no_params = NO_PARAMS
    n_inputs = (1, None)
    args: dict[str, Arg] = {}

    def build(self, a, inputs, b):
        out = broadcast_shapes(inputs, b)
        ops = len(inputs) - 1 + (self.name == "Average")
        b.cost("elementwise", times(ops, size(out)), words="one operation per output value per input beyond the first"
               + (", and a divide" if self.name == "Average" else ""))
        return out


def _merge_example() -> tuple[dict, dict, dict]:
    return {"inputs": ["x", "y"]}, {"x": ["t", "d"], "y": ["t", "d"]}, {"t": 10, "d": 64}


@register
class Add(ElementwiseMerge):
    name = "Add"
    saves = ("none",)
    summary = "adds its inputs element by element (shapes broadcast as in Keras)"
    lesson = "adding only sums values that arrive: a residual connection costs no parameters"
    example = _merge_example()


@register
class Subtract(ElementwiseMerge):
    name = "Subtract"
    saves = ("none",)
    summary = "subtracts its second input from its first, element by element (shapes broadcast as in Keras)"
    n_inputs = 2
    example = _merge_example()


@register
class Multiply(ElementwiseMerge):
    name = "Multiply"
    saves = ("input",)
    summary = "multiplies its inputs element by element (shapes broadcast as in Keras)"
    example = _merge_example()


@register
class Average(ElementwiseMerge):
    name = "Average"
    saves = ("none",)
    summary = "averages its inputs element by element (shapes broadcast as in Keras)"
    example = _merge_example()


@register
class Maximum(ElementwiseMerge):
    name = "Maximum"
    saves = ("input",)
    summary = "takes the element-wise maximum of its inputs (shapes broadcast as in Keras)"
    example = _merge_example()


@register
class Minimum(ElementwiseMerge):
    name = "Minimum"
    saves = ("input",)
    summary = "takes the element-wise minimum of its inputs (shapes broadcast as in Keras)"
    example = _merge_example()


def keras_axis(axis: int, rank: int, what: str, shape: Shape) -> int:
    """A Keras axis (batch axis 0, negative from the end) as an index into the batched shape of `rank` axes."""
    if not -rank <= axis < rank:
        raise SymparamError(f"{what} must name an axis of the input, from {-rank} to {rank - 1} (0 is the batch "
                            f"axis). Received: {what} = {axis} for input shape {format_shape(shape)}.")
    return axis % rank


@register
class Concatenate(LayerKind):
    any_convention = True   # also in PyTorch specs, for forward()'s torch.cat: axis counts the batch as dim does
    name = "Concatenate"
    saves = ("none",)
    summary = "joins its inputs along axis; every other axis must agree"
    no_params = NO_PARAMS
    n_inputs = (1, None)
    args = {"axis": Int(-1)}
    example = ({"inputs": ["x", "y"]}, {"x": ["t", "d_x"], "y": ["t", "d_y"]}, {"t": 10, "d_x": 64, "d_y": 32})

    def build(self, a, inputs, b):
        first = inputs[0]
        received = f"axis = {a.axis}, input shapes {shapes_text(inputs)}"
        if any(len(s) != len(first) for s in inputs):
            raise SymparamError(f"Concatenate needs inputs of the same rank. Received: input shapes "
                                f"{shapes_text(inputs)}.")
        axis = keras_axis(a.axis, len(first) + 1, "axis", first)
        why = "Concatenate needs inputs whose lengths agree on every axis but the concatenation axis"
        for i in range(len(first)):
            if i == axis - 1:
                continue
            known = [s[i] for s in inputs if s[i] is not None]   # Keras skips unknown lengths here
            for other in known[1:]:
                b.require(equal(known[0], other), "axis", why, received)
        moves(b)
        if axis == 0:   # along the batch axis: the batch grows, the rest is the first input's
            return tuple(first)
        along = [s[axis - 1] for s in inputs]
        total = None if any(d is None for d in along) else sympy.Add(*along)
        return (*first[:axis - 1], total, *first[axis:])


class DotAxes(Arg):
    """Keras Dot's axes: one axis for both inputs, or a pair [axis of the first, axis of the second]."""
    expected = "an integer, or a list of two integers (an axis of each input)"

    def parse(self, value, key, ctx):
        if type(value) is int:
            return value
        if isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value):
            return tuple(value)
        raise self.refuse(value, key)


@register
class Dot(LayerKind):
    name = "Dot"
    saves = ("input",)
    summary = "dot products of two inputs along one axis of each (axis 0, the batch, excluded)"
    no_params = "a dot product only combines the values it receives"
    n_inputs = 2
    args = {"axes": DotAxes(REQUIRED), "normalize": Flag(False)}
    example = ({"axes": 2, "inputs": ["q", "k"]}, {"q": ["t_q", "d"], "k": ["t_k", "d"]},
               {"t_q": 10, "d": 64, "t_k": 12})

    def build(self, a, inputs, b):
        s1, s2 = inputs
        received = f"axes = {show(list(a.axes) if isinstance(a.axes, tuple) else a.axes)}, input shapes " \
                   f"{shapes_text(inputs)}"
        if not s1 or not s2:
            raise SymparamError(f"Dot needs inputs with at least one axis besides the batch. Received: {received}.")
        r1, r2 = len(s1) + 1, len(s2) + 1
        if isinstance(a.axes, tuple):
            a1 = keras_axis(a.axes[0], r1, "axes[0]", s1)
            a2 = keras_axis(a.axes[1], r2, "axes[1]", s2)
        elif a.axes < 0:   # Keras: axes % rank, for each input
            a1, a2 = a.axes % r1, a.axes % r2
        else:
            a1 = keras_axis(a.axes, r1, "axes", s1)
            a2 = keras_axis(a.axes, r2, "axes", s2)
        if a1 == 0 or a2 == 0:
            raise SymparamError(f"Dot cannot take the dot product over the batch axis (axis 0). Received: "
                                f"{received}.")
        require_same(s1[a1 - 1], s2[a2 - 1], b, "axes", "Dot needs the two axes to have the same length", received)
        out = (*s1[:a1 - 1], *s1[a1:], *s2[:a2 - 1], *s2[a2:])
        out = out if out else (sympy.Integer(1),)
        if a.normalize:
            b.cost("normalization", times(3, sympy.Add(size(s1), size(s2)) if None not in (size(s1), size(s2)) else None),
                   words="l2-normalizing both inputs: square, add, divide per value")
        b.cost("attention", times(size(out), s1[a1 - 1]), words="a product of two inputs: output values x the axis summed",
               of_input=True)
        return out
