"""PyTorch dialect, gating without parameters: nn.GLU, which splits an axis in halves a and b and gives a·σ(b).

A fused gate-and-up projection (Phi-3's gate_up_proj) is followed by such a split; the output is half as long on
that axis. Torch's argument names and defaults; shapes without the batch axis.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Int, LayerKind
from .core import format_shape
from .costs import activation, size


@register
class GLU(LayerKind):
    name = "nn.GLU"
    convention = "torch"
    example = ({}, ["L", "n"], {"L": 16, "n": 128})
    summary = "the gated linear unit: splits axis dim in halves a, b and gives a * sigmoid(b) (half as long)"
    no_params = "gating only multiplies one half of its input by a function of the other"
    saves = ("input",)   # both halves: a for the gate's gradient, b for sigmoid's
    args = {"dim": Int(-1)}

    def build(self, a, inputs, b):
        (x,) = inputs
        rank = len(x) + 1
        received = f"dim = {a.dim}, input shape {format_shape(x)}"
        if not -rank <= a.dim < rank:
            raise SymparamError(f"dim must name an axis of the batched input, from {-rank} to {rank - 1}. "
                                f"Received: {received}.")
        axis = a.dim % rank
        if axis == 0:
            raise SymparamError(f"gating over the batch axis (dim 0) is not modelled. Received: {received}.")
        n = x[axis - 1]
        if n is None:
            b.cost("elementwise", None, words="a * sigmoid(b): unknown, the gated axis has unknown length")
            return x
        b.require(sympy.Eq(sympy.Mod(n, 2), 0), "dim", "the gated axis must have an even length", received)
        out = (*x[:axis - 1], n / 2, *x[axis:])
        activation(b, "sigmoid", out)
        b.cost("elementwise", size(out), words="a times sigmoid(b), per output value")
        return out
