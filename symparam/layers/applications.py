"""Layer classes keras.applications defines for its own models (not in keras.layers): ConvNeXt's LayerScale and
InceptionResNetV2's CustomScaleLayer. A model imported from its config names them by these class names.

Neither declares its output shape, so Keras's torch backend finds it by running the layer's call on stand-in
tensors, every unknown length set to one number (83, then 89): an unknown length broadcasts only against another
unknown one or a 1, and stays unknown. `traced_broadcast` is that rule."""

from __future__ import annotations

from typing import Sequence

import sympy

from ..errors import SymparamError
from ..model import Shape
from . import register
from .base import Build, LayerKind, Size
from .core import format_shape
from .costs import size, times
from .merging import equal, shapes_text
from .ops import Number

_UNKNOWN = sympy.Symbol("_unknown_length", positive=True, integer=True)   # the stand-in length (never user text)


def traced_broadcast(shapes: Sequence[Shape], b: Build, key: str, received: str) -> Shape:
    """Broadcast whole shapes (batch axis included, None for unknown) as torch does on Keras's stand-in tensors."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(_UNKNOWN if d is None else d for d in s) for s in shapes]
    why = "the operands must broadcast: equal lengths or a 1 on each trailing axis (an unknown length matches only " \
          "another unknown one or a 1)"
    out = []
    for dims in zip(*padded):
        length = sympy.Integer(1)
        for d in dims:
            if d == 1 or equal(d, length) is sympy.true:
                continue
            if length == 1:
                length = d
                continue
            if _UNKNOWN in (d, length):
                b.require(sympy.Eq(length if d is _UNKNOWN else d, 1), key, why, received)
                length = _UNKNOWN
            else:
                b.require(sympy.Or(equal(d, length), equal(d, 1), equal(length, 1)), key, why, received)
                length = length if length.is_number else d
        out.append(None if length is _UNKNOWN else length)
    return tuple(out)


@register
class LayerScale(LayerKind):
    name = "LayerScale"
    saves = ("input",)        # x, for gamma's gradient
    example = ({"init_values": 1e-6, "projection_dim": "d"}, ["h", "w", "d"], {"h": 56, "w": 56, "d": 96})
    summary = "ConvNeXt's layer scale: multiplies by a trainable gamma of projection_dim values (broadcast)"
    args = {"init_values": Number(), "projection_dim": Size()}

    def build(self, a, inputs, b):
        (x,) = inputs
        if not x:
            raise SymparamError("LayerScale needs an input with at least one axis besides the batch. Received input "
                                "shape ().")
        # the attribute is gamma, but Keras adds the weight without a name: it is called "variable"
        b.weight("variable", (a.projection_dim,), role="scales", labels=("d",), category="scale")
        full = traced_broadcast([(None, *x), (a.projection_dim,)], b, "projection_dim",
                                f"input shape {format_shape(x)}, gamma of shape ({a.projection_dim},)")
        b.cost("elementwise", size(full[1:]), words="a multiply per output value")
        return full[1:]


@register
class CustomScaleLayer(LayerKind):
    name = "CustomScaleLayer"
    saves = ("none",)         # an add, and a multiply by a number
    example = ({"scale": 0.17, "inputs": ["x", "r"]}, {"x": ["h", "w", "c"], "r": ["h", "w", "c"]},
               {"h": 35, "w": 35, "c": 320})
    summary = "InceptionResNetV2's residual scaling: its first input plus scale times its second"
    no_params = "scale is a constant, not learned"
    n_inputs = 2
    args = {"scale": Number()}

    def build(self, a, inputs, b):
        out = traced_broadcast([(None, *s) for s in inputs], b, "inputs", f"input shapes {shapes_text(inputs)}")[1:]
        b.cost("elementwise", times(2, size(out)), words="a multiply and an add per output value")
        return out
