"""ViTEmbeddings: a Vision Transformer's patch embedding with its class token and learned positions, as
transformers' ViTEmbeddings holds them.

The image (num_channels, H, W) is cut into patch_size x patch_size patches by a convolution with that kernel and
stride (patch_embeddings.projection: weight hidden x C x p x p, bias hidden); the floor(H/p)·floor(W/p) patch vectors
get a learned class token in front (cls_token, 1 x 1 x hidden) and a learned position vector each
(position_embeddings, 1 x (patches + 1) x hidden). Output (patches + 1, hidden).
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Flag, LayerKind, Size
from .core import format_shape
from .torch_args import given_or_inferred
from .costs import times


@register
class ViTEmbeddings(LayerKind):
    name = "ViTEmbeddings"
    modelled_on = "transformers' ViTEmbeddings"
    convention = "torch"
    summary = ("patches of patch_size x patch_size projected to hidden_size, a class token and a learned position "
               "per token; output (patches + 1, hidden_size)")
    saves = ("input",)   # the patch projection keeps the image for its weight gradient
    args = {"hidden_size": Size(), "patch_size": Size(), "num_channels": Size(None), "use_mask_token": Flag(False)}
    example = ({"hidden_size": "D", "patch_size": "P"}, [3, "S", "S"], {"D": 768, "P": 16, "S": 224})

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 3 or None in x:
            raise SymparamError(f"ViTEmbeddings expects an image (num_channels, height, width) of known sizes. "
                                f"Received input shape {format_shape(x)}.")
        c = given_or_inferred(b, a.num_channels, x[0], "num_channels", "channels (its first axis)", x)
        d, p = a.hidden_size, a.patch_size
        for side, what in ((x[1], "height"), (x[2], "width")):
            b.require(sympy.Ge(side, p), "patch_size", f"the image {what} must be at least patch_size",
                      f"patch_size = {p}, input shape {format_shape(x)}")
        one, tokens = sympy.Integer(1), sympy.floor(x[1] / p) * sympy.floor(x[2] / p) + 1
        b.weight("cls_token", (one, one, d), role="class token", labels=("1", "1", "D"), category="embedding")
        if a.use_mask_token:
            b.weight("mask_token", (one, one, d), role="mask token", labels=("1", "1", "D"), category="embedding")
        b.weight("position_embeddings", (one, tokens, d), role="position vectors", labels=("1", "N+1", "D"),
                 category="embedding")
        b.weight("patch_embeddings.projection.weight", (d, c, p, p), role="patch projection weights",
                 labels=("D", "C", "P", "P"), category="weight")
        b.weight("patch_embeddings.projection.bias", (d,), role="patch projection biases", labels=("D",),
                 category="bias")
        patches = tokens - 1
        b.cost("matmul", times(patches, d, c, p, p), words="the patch projection: patches x D x C x P x P")
        b.cost("bias", times(patches, d), words="one add per projected value")
        b.cost("elementwise", times(tokens, d), words="the position vectors added, per token and feature")
        return (tokens, d)
