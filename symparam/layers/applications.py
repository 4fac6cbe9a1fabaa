"""Layer classes keras.applications defines for its own models (not in keras.layers): ConvNeXt's LayerScale and
InceptionResNetV2's CustomScaleLayer. A model imported from its config names them by these class names."""

from __future__ import annotations

from . import register
from .base import LayerKind, Size
from .ops import Number, ops_broadcast


@register
class LayerScale(LayerKind):
    name = "LayerScale"
    example = ({"init_values": 1e-6, "projection_dim": "d"}, ["h", "w", "d"], {"h": 56, "w": 56, "d": 96})
    summary = "ConvNeXt's layer scale: multiplies by a trainable gamma of projection_dim values (broadcast)"
    args = {"init_values": Number(), "projection_dim": Size()}

    def build(self, a, inputs, b):
        (x,) = inputs
        b.weight("gamma", (a.projection_dim,), role="scales", labels=("d",), category="scale")
        return ops_broadcast([x, (a.projection_dim,)], b, "projection_dim")


@register
class CustomScaleLayer(LayerKind):
    name = "CustomScaleLayer"
    example = ({"scale": 0.17, "inputs": ["x", "r"]}, {"x": ["h", "w", "c"], "r": ["h", "w", "c"]},
               {"h": 35, "w": 35, "c": 320})
    summary = "InceptionResNetV2's residual scaling: its first input plus scale times its second"
    no_params = "scale is a constant, not learned"
    n_inputs = 2
    args = {"scale": Number()}

    def build(self, a, inputs, b):
        return ops_broadcast(inputs, b)
