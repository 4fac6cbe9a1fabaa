"""SpectralNormalization: a wrapped layer's weights, plus a non-trainable vector_u of shape (1, the last axis of its
kernel or embeddings) that the power iteration keeps. The wrapped layer is written inline, as other wrappers' are:
layer = { type = "Dense", units = 64 }."""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Arg, LayerKind, Size
from .parsing import LayerArg

# Keras wants a layer with a `kernel` or `embeddings` attribute: these kinds have one.
WRAPPABLE = ("Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
             "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "Embedding")


@register
class SpectralNormalization(LayerKind):
    name = "SpectralNormalization"
    saves = ("unmodelled",)   # (the wrapped layer's, and the power iteration's, are not counted yet)
    summary = "normalizes a wrapped layer's kernel by its spectral norm: its weights and a non-trainable vector_u"
    example = ({"layer": {"type": "Dense", "units": "units"}}, ["n_in"], {"units": 10, "n_in": 64})
    args: dict[str, Arg] = {"layer": LayerArg(allowed=WRAPPABLE), "power_iterations": Size(1)}

    def build(self, a, inputs, b):
        kind, args = a.layer
        (x,) = inputs
        if not x and kind.name != "Embedding":
            raise SymparamError("SpectralNormalization needs an input with at least one axis besides the batch. "
                                "Received input shape ().")
        first = len(b.variables)
        out = b.inner(kind, args, inputs)
        kernel = next((v for v in b.variables[first:] if v.name in ("kernel", "embeddings")), None)
        if kernel is None:   # (a WRAPPABLE kind always has one)
            raise SymparamError(f"SpectralNormalization wraps a layer with a kernel or embeddings. Received: "
                                f"layer.type = {kind.name!r}.")
        b.weight("vector_u", (sympy.Integer(1), kernel.shape[-1]), role="power-iteration vector", labels=("1", "F"),
                 trainable=False, category="statistic")
        # Keras's order: the wrapper tracks the kernel as its own (self.kernel = layer.kernel) before vector_u, then
        # the wrapped layer's other weights
        at = b.variables.index(kernel) + 1
        b.variables[at:] = [b.variables[-1], *b.variables[at:-1]]
        return out
