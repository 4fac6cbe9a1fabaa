"""PyTorch dialect, activations (nn.*): fixed functions applied to each value (nn.Softmax and nn.LogSoftmax along
one axis); no parameters (nn.PReLU, which has some, is in torch_basic.py).

Torch's argument names and defaults; shapes without the batch axis.
"""

from __future__ import annotations

from ..errors import SymparamError, show
from . import register
from .base import Choice, Int, LayerKind, Opaque
from .core import format_shape
from .costs import activation, softmax
from .torch_args import Number


class TorchActivation(LayerKind):
    convention = "torch"
    example = ({}, ["n"], {"n": 128})
    no_params = "an activation is a fixed function applied to each value"
    normalizes = False   # a softmax along an axis (its cost), not a function of each value alone

    def check(self, a, x) -> None:
        """Refuse what torch refuses of this kind's arguments or input (raise SymparamError); nothing by default."""

    def build(self, a, inputs, b):
        (x,) = inputs
        self.check(a, x)
        dim = getattr(a, "dim", None)
        if dim is not None and not -(len(x) + 1) <= dim <= len(x):
            raise SymparamError(f"dim must name an axis of the batched input, from {-(len(x) + 1)} to {len(x)}. "
                                f"Received: dim = {dim}, input shape {format_shape(x)}.")
        if hasattr(a, "min_val"):
            low = a.min_value if a.min_value is not None else a.min_val
            high = a.max_value if a.max_value is not None else a.max_val
            if not high > low:
                raise SymparamError(f"max_val must be greater than min_val. Received: min_val = {show(low)}, "
                                    f"max_val = {show(high)}.")
        if self.normalizes:
            softmax(b, x)
        else:
            activation(b, self.name, x)
        return x


_INPLACE = {"inplace": Opaque(False)}
_DIM = {"dim": Int(None, optional=True)}


@register
class ReLU(TorchActivation):
    name = "nn.ReLU"
    saves = ("output",)
    summary = "max(x, 0), element by element"
    args = _INPLACE


@register
class GELU(TorchActivation):
    name = "nn.GELU"
    saves = ("input",)
    summary = "the Gaussian error linear unit, element by element"
    args = {"approximate": Choice("none", "tanh", default="none", any_case=False)}


@register
class Tanh(TorchActivation):
    name = "nn.Tanh"
    saves = ("output",)
    summary = "the hyperbolic tangent, element by element"


@register
class Sigmoid(TorchActivation):
    name = "nn.Sigmoid"
    saves = ("output",)
    summary = "the logistic sigmoid, element by element"


@register
class SiLU(TorchActivation):
    name = "nn.SiLU"
    saves = ("input",)
    summary = "x * sigmoid(x), element by element"
    args = _INPLACE


@register
class LeakyReLU(TorchActivation):
    name = "nn.LeakyReLU"
    saves = ("input",)
    summary = "x, or negative_slope * x below 0"
    args = {"negative_slope": Number(0.01), **_INPLACE}


@register
class ELU(TorchActivation):
    name = "nn.ELU"
    saves = ("input",)
    summary = "x, or alpha * (exp(x) - 1) below 0"
    args = {"alpha": Number(1.0), **_INPLACE}


@register
class Softmax(TorchActivation):
    name = "nn.Softmax"
    normalizes = True
    saves = ("output",)
    summary = "exponentials normalized to sum to 1 along dim"
    args = _DIM


@register
class LogSoftmax(TorchActivation):
    name = "nn.LogSoftmax"
    normalizes = True
    saves = ("output",)
    summary = "the logarithm of the softmax along dim"
    args = _DIM


@register
class Hardtanh(TorchActivation):
    name = "nn.Hardtanh"
    saves = ("input",)
    summary = "x clipped to [min_val, max_val]"
    args = {"min_val": Number(-1.0), "max_val": Number(1.0), **_INPLACE, "min_value": Number(None, optional=True),
            "max_value": Number(None, optional=True)}


@register
class ReLU6(TorchActivation):
    name = "nn.ReLU6"
    saves = ("input",)
    summary = "min(max(x, 0), 6), element by element"
    args = _INPLACE


@register
class Mish(TorchActivation):
    name = "nn.Mish"
    saves = ("input",)
    summary = "x * tanh(softplus(x)), element by element"
    args = _INPLACE


@register
class Softplus(TorchActivation):
    name = "nn.Softplus"
    saves = ("input",)
    summary = "log(1 + exp(beta * x)) / beta, element by element"
    args = {"beta": Number(1.0), "threshold": Number(20.0)}


@register
class Hardswish(TorchActivation):
    name = "nn.Hardswish"
    saves = ("input",)
    summary = "x * relu6(x + 3) / 6, element by element (MobileNet v3)"
    args = _INPLACE


@register
class Hardsigmoid(TorchActivation):
    name = "nn.Hardsigmoid"
    saves = ("input",)
    summary = "relu6(x + 3) / 6, element by element (MobileNet v3's squeeze-and-excitation gate)"
    args = _INPLACE


@register
class CELU(TorchActivation):
    name = "nn.CELU"
    saves = ("input",)
    summary = "max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), element by element"
    args = {"alpha": Number(1.0), **_INPLACE}

    def check(self, a, x) -> None:
        if a.alpha == 0:
            raise SymparamError("alpha cannot be 0 (nn.CELU divides by it). Received: alpha = 0.")


@register
class SELU(TorchActivation):
    name = "nn.SELU"
    saves = ("input",)
    summary = "scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with fixed scale and alpha, element by element"
    args = _INPLACE


@register
class Softsign(TorchActivation):
    name = "nn.Softsign"
    saves = ("input", "output")   # and the denominator 1 + |x| (torch's composite)
    summary = "x / (1 + |x|), element by element"


@register
class LogSigmoid(TorchActivation):
    name = "nn.LogSigmoid"
    saves = ("input", "output")   # and torch's input-sized buffer
    summary = "log(sigmoid(x)), element by element"


@register
class Tanhshrink(TorchActivation):
    name = "nn.Tanhshrink"
    saves = ("input",)
    summary = "x - tanh(x), element by element"


@register
class Hardshrink(TorchActivation):
    name = "nn.Hardshrink"
    saves = ("input",)
    summary = "x where |x| > lambd, else 0"
    args = {"lambd": Number(0.5)}


@register
class Softshrink(TorchActivation):
    name = "nn.Softshrink"
    saves = ("input",)
    summary = "x - lambd above lambd, x + lambd below -lambd, else 0"
    args = {"lambd": Number(0.5)}

    def check(self, a, x) -> None:
        if a.lambd < 0:
            raise SymparamError(f"lambd must be at least 0. Received: lambd = {show(a.lambd)}.")


@register
class Threshold(TorchActivation):
    name = "nn.Threshold"
    saves = ("input",)
    summary = "x above threshold, else value"
    example = ({"threshold": 0.1, "value": 0.0}, ["n"], {"n": 128})
    args = {"threshold": Number(), "value": Number(), **_INPLACE}


@register
class RReLU(TorchActivation):
    name = "nn.RReLU"
    saves = ("input", "output")   # and the random slopes, one per value, while training
    summary = "x, or a * x below 0 with a drawn from [lower, upper] while training ((lower + upper) / 2 otherwise)"
    args = {"lower": Number(1 / 8), "upper": Number(1 / 3), **_INPLACE}

    def check(self, a, x) -> None:
        if a.lower > a.upper:
            raise SymparamError(f"lower must be at most upper. Received: lower = {show(a.lower)}, upper = "
                                f"{show(a.upper)}.")


@register
class Softmin(TorchActivation):
    name = "nn.Softmin"
    saves = ("output",)
    normalizes = True
    summary = "the softmax of -x along dim"
    args = _DIM


@register
class Softmax2d(TorchActivation):
    name = "nn.Softmax2d"
    saves = ("output",)
    normalizes = True
    example = ({}, ["C", "H", "W"], {"C": 64, "H": 32, "W": 32})
    summary = "the softmax over the channels at each position of a (C, H, W) input"

    def check(self, a, x) -> None:
        if len(x) not in (2, 3):
            raise SymparamError(f"nn.Softmax2d takes a (C, H, W) input (or torch's unbatched (H, W) reading of it): "
                                f"2 or 3 axes besides the batch. Received: input shape {format_shape(x)}.")
