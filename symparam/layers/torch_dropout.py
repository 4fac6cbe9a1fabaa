"""PyTorch dialect, dropout beyond nn.Dropout (torch_basic.py): whole channels (nn.Dropout1d/2d/3d,
nn.FeatureAlphaDropout) or single values keeping the self-normalizing mean and variance (nn.AlphaDropout). All are
the identity at inference and have no parameters.

torch refuses nn.Dropout1d on inputs other than (C, L) or its unbatched (L,) reading; nn.Dropout2d/3d only warn
about other ranks (and give the input's shape), so symparam takes any rank there, except that nn.Dropout2d and
nn.FeatureAlphaDropout fail in training on an input with no axis besides the batch (eval() lets it through): that
is refused.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .core import format_shape
from .torch_basic import Dropout


class ChannelDropout(Dropout):
    saves = ("mask",)
    ranks: tuple[int, ...] = ()   # axes besides the batch torch accepts; () for any
    channels = False              # needs a channel axis: torch's feature dropout fails without one while training

    def build(self, a, inputs, b):
        (x,) = inputs
        if self.channels and not x:
            raise SymparamError(f"{self.name} needs a channel axis besides the batch (torch's feature dropout "
                                f"fails without one while training). Received input shape ().")
        if self.ranks and len(x) not in self.ranks:
            axes = " or ".join(str(r) for r in self.ranks)
            raise SymparamError(f"{self.name} expects an input with {axes} axes besides the batch ((C, L), or torch's "
                                f"unbatched reading of (L,)). Received input shape {format_shape(x)}.")
        return super().build(a, inputs, b)

    @classmethod
    def mask_values(cls, a, inputs, output):
        """One mask value per channel of each example (whole channels are zeroed)."""
        return output[0] if output else sympy.Integer(1)


@register
class Dropout1d(ChannelDropout):
    name = "nn.Dropout1d"
    ranks = (1, 2)
    example = ({"p": 0.5}, ["C", "L"], {"C": 64, "L": 128})
    summary = "randomly zeroes whole channels of a (C, L) input, a fraction p of them, while training"


@register
class Dropout2d(ChannelDropout):
    name = "nn.Dropout2d"
    channels = True
    example = ({"p": 0.5}, ["C", "H", "W"], {"C": 64, "H": 32, "W": 32})
    summary = "randomly zeroes whole channels of a (C, H, W) input, a fraction p of them, while training"


@register
class Dropout3d(ChannelDropout):
    name = "nn.Dropout3d"
    example = ({"p": 0.5}, ["C", "D", "H", "W"], {"C": 64, "D": 8, "H": 32, "W": 32})
    summary = "randomly zeroes whole channels of a (C, D, H, W) input, a fraction p of them, while training"


@register
class FeatureAlphaDropout(ChannelDropout):
    name = "nn.FeatureAlphaDropout"
    channels = True
    example = ({"p": 0.5}, ["C", "H", "W"], {"C": 64, "H": 32, "W": 32})
    summary = "alpha dropout of whole channels (SELU networks), a fraction p of them, while training"


@register
class AlphaDropout(Dropout):
    name = "nn.AlphaDropout"
    summary = "randomly sets a fraction p of its inputs to SELU's saturation value, keeping mean and variance, " \
              "while training"
