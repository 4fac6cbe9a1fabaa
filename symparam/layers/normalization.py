"""BatchNormalization: trainable gamma and beta, non-trainable moving statistics, one per feature on `axis`."""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Flag, Int, LayerKind, NoTwin, Opaque, Real, Twin
from .core import format_shape
from .costs import BN_OPS, normalization


@register
class BatchNormalization(LayerKind):
    name = "BatchNormalization"
    # Keras computes the batch's moments itself (torch backend, measured in tests/test_memory.py): it keeps x - mean
    # (input-sized) and three vectors per feature for the whole batch (mean, variance, inverse deviation).
    saves = ("input", "internal", "statistics")
    statistics_per_batch = True

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        return 3 * feature_axis(inputs[0], a.axis)

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return sympy.Mul(*inputs[0])
    example = ({}, ["h", "w", "c"], {"h": 32, "w": 32, "c": 64})
    summary = "normalizes each feature: gamma and beta (trainable), moving mean and variance (not trainable)"
    lesson = ("batch normalization keeps four numbers per channel: a scale and an offset that are learned, and a "
              "running mean and variance that are only tracked, so they are not trainable")
    legend = {"C": ("channels", "input")}
    args = {
        "axis": Int(-1), "momentum": Real(0.99), "epsilon": Real(1e-3), "center": Flag(True), "scale": Flag(True),
        "beta_initializer": Opaque(), "gamma_initializer": Opaque(), "moving_mean_initializer": Opaque(),
        "moving_variance_initializer": Opaque(), "beta_regularizer": Opaque(), "gamma_regularizer": Opaque(),
        "beta_constraint": Opaque(), "gamma_constraint": Opaque(), "renorm": Flag(False),
        "renorm_clipping": Opaque(), "renorm_momentum": Opaque(), "synchronized": Opaque(),
    }

    def build(self, a, inputs, b):
        (x,) = inputs
        n = feature_axis(x, a.axis)
        if n is None:
            raise SymparamError(f"axis {a.axis} must have a known length. Received input shape {format_shape(x)}.")
        shape, labels = (n,), ("C",)
        if a.scale:
            b.weight("gamma", shape, role="scales", labels=labels, category="scale")
        if a.center:
            b.weight("beta", shape, role="offsets", labels=labels, category="offset")
        b.weight("moving_mean", shape, role="moving means", labels=labels, trainable=False, category="statistic")
        b.weight("moving_variance", shape, role="moving variances", labels=labels, trainable=False,
                 category="statistic")
        if a.renorm:
            for name, role in (("moving_stddev", "moving standard deviations"), ("renorm_mean", "renorm means"),
                               ("renorm_stddev", "renorm standard deviations")):
                b.weight(name, shape, role=role, labels=labels, trainable=False, category="statistic")
        normalization(b, x, BN_OPS, "inference: a multiply and an add per value (statistics and affine folded)")
        return x


    @classmethod
    def twin(cls, a, inputs, convention):
        (x,) = inputs
        if a.center != a.scale:
            raise NoTwin("PyTorch's affine switches gamma and beta on and off together")
        if a.renorm:
            raise NoTwin("PyTorch's batch norm has no renormalization")
        if not 1 <= len(x) <= 4:
            raise NoTwin(f"PyTorch's batch norms take 1 to 4 axes besides the batch, not {len(x)}")
        index = a.axis - 1 if a.axis > 0 else len(x) + a.axis
        moved = (x[index], *x[:index], *x[index + 1:])
        rank = {1: 1, 2: 1, 3: 2, 4: 3}[len(x)]
        return Twin(f"nn.BatchNorm{rank}d", {"num_features": x[index], "affine": a.center}, [moved],
                    note="Keras's moving mean and variance are non-trainable weights; PyTorch keeps them, with a "
                         "num_batches_tracked counter, as buffers")


def feature_axis(shape, axis: int):
    """The length of Keras axis `axis` (counted with the batch axis at 0) of a batch-less shape."""
    rank = len(shape) + 1
    if axis == 0 or not -(rank - 1) <= axis <= rank - 1:
        raise SymparamError(f"axis must name a non-batch axis of the input, from 1 to {rank - 1} or from -1 to "
                            f"-{rank - 1}. Received: axis = {axis} for input shape {format_shape(shape)}.")
    return shape[axis - 1] if axis > 0 else shape[axis]
