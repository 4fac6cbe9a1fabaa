"""PyTorch dialect, normalizations beyond torch_basic.py's: nn.SyncBatchNorm (a batch norm whose statistics are
reduced across processes: the same weights and buffers, any number of axes) and nn.CrossMapLRN2d (local response
normalization across channels of a (C, H, W) input, as nn.LocalResponseNorm).

Torch's argument names and defaults; shapes channels-first and without the batch axis.
"""

from __future__ import annotations

from ..errors import SymparamError
from . import register
from .base import Opaque
from .core import format_shape
from .torch_basic import BatchNorm, _norm_args, channels_example
from .torch_shape import LocalResponseNorm


@register
class SyncBatchNorm(BatchNorm):
    name = "nn.SyncBatchNorm"
    ranks = tuple(range(8))   # (C, ...): any number of axes after the channels
    args = {**_norm_args(True, True), "process_group": Opaque(None)}
    example = channels_example(2, {})
    summary = ("nn.BatchNorm over (C, ...) with its statistics synchronized across processes: weight and bias per "
               "channel, running statistics buffers")


@register
class CrossMapLRN2d(LocalResponseNorm):
    saves = ("unmodelled",)   # what torch keeps for backward is not counted yet
    name = "nn.CrossMapLRN2d"
    summary = "nn.LocalResponseNorm's normalization across `size` neighbouring channels, for (C, H, W) inputs"

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 3:
            raise SymparamError(f"{self.name} expects an input (C, H, W): 3 axes besides the batch. Received input "
                                f"shape {format_shape(x)}.")
        return super().build(a, inputs, b)
