"""PyTorch dialect, similarities of two inputs: nn.CosineSimilarity (along dim) and nn.PairwiseDistance (the
p-norm of the difference along the last axis). No parameters.

The two inputs broadcast against each other axis by axis; symparam takes inputs with the same number of axes (torch
would align a shorter one's batch axis with another axis). Neither may reduce the batch axis (dim 0). Torch's
argument names and defaults; shapes without the batch axis.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Flag, Int, LayerKind, Opaque
from .core import format_shape
from .costs import size, times
from .merging import shapes_text
from .ops import broadcast_full
from .torch_args import Number


class TorchSimilarity(LayerKind):
    convention = "torch"
    saves = ("unmodelled",)   # what torch keeps for backward is not counted yet
    n_inputs = 2
    no_params = "a similarity is computed from its two inputs; it holds no weights"
    example = ({"inputs": ["x1", "x2"]}, {"x1": ["n"], "x2": ["n"]}, {"n": 128})

    def pair(self, inputs, b):
        """The two inputs' broadcast shape (batch-less)."""
        x1, x2 = inputs
        if len(x1) != len(x2):
            raise SymparamError(f"{self.name}'s two inputs must have the same number of axes (a shorter one would "
                                f"broadcast its batch axis against another). Received input shapes "
                                f"{shapes_text(inputs)}.")
        return broadcast_full([x1, x2], b, "inputs", f"input shapes {shapes_text(inputs)}")

    def reduce(self, shape, dim: int, keep: bool, b) -> tuple:
        rank = len(shape) + 1
        received = f"dim = {dim}, broadcast input shape {format_shape(shape)}"
        if not -rank <= dim < rank:
            raise SymparamError(f"dim must name an axis of the batched input, from {-rank} to {rank - 1}. "
                                f"Received: {received}.")
        axis = dim % rank
        if axis == 0:
            raise SymparamError(f"{self.name} over the batch axis (dim 0) is not modelled: the output would have no "
                                f"batch axis. Received: {received}.")
        b.cost("elementwise", times(3, size(shape)), words="per value: the products or differences, and their sums")
        return (*shape[:axis - 1], *((sympy.Integer(1),) if keep else ()), *shape[axis:])


@register
class CosineSimilarity(TorchSimilarity):
    name = "nn.CosineSimilarity"
    summary = "the cosine of the angle between its two inputs along dim"
    args = {"dim": Int(1), "eps": Opaque(1e-8)}

    def build(self, a, inputs, b):
        return self.reduce(self.pair(inputs, b), a.dim, False, b)


@register
class PairwiseDistance(TorchSimilarity):
    name = "nn.PairwiseDistance"
    summary = "the p-norm of the difference of its two inputs along the last axis (kept as 1 if keepdim)"
    args = {"p": Number(2.0), "eps": Opaque(1e-6), "keepdim": Flag(False)}

    def build(self, a, inputs, b):
        return self.reduce(self.pair(inputs, b), -1, a.keepdim, b)
