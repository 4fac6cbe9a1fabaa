"""Ground truth from real Keras 3: what a layer creates and what shape it outputs.

A small reusable helper in the spirit of Keras's own ``run_layer_test``: build one Keras layer
symbolically (on ``keras.Input``, no data) and read back the facts symparam must reproduce.

    facts = keras_layer_facts("Conv2D", {"filters": 8, "kernel_size": [3, 3]}, (32, 32, 3))
    facts.output_shape   # (30, 30, 8)          -- without the batch axis
    facts.variables      # (("kernel", (3, 3, 3, 8), True), ("bias", (8,), True))
    facts.params, facts.trainable, facts.non_trainable

A configuration Keras refuses (a ``ValueError`` at construction or at build) raises
``KerasRefused`` carrying Keras's own message.

Keras picks its backend at import time, so this module sets ``KERAS_BACKEND=torch`` unless the
caller already chose one. Importing it raises ``ImportError`` when keras or its backend is absent;
the tests turn that into a skip.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402  (the backend must be chosen first)

__all__ = [
    "Facts",
    "KerasRefused",
    "keras_kwargs",
    "keras_layer_facts",
    "keras_model_facts",
    "layer_facts",
]

Variable = tuple[str, tuple[int, ...], bool]


class KerasRefused(Exception):
    """Keras itself rejects the configuration (a ValueError at construction or build)."""


@dataclass(frozen=True)
class Facts:
    output_shape: tuple[int, ...]  # without the batch axis
    variables: tuple[Variable, ...]  # (name, shape, trainable) in ``layer.weights`` order
    params: int  # layer.count_params()
    trainable: int  # sum of sizes of layer.trainable_weights
    non_trainable: int  # sum of sizes of layer.non_trainable_weights


def keras_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """TOML-style keyword arguments -> what the Keras constructor expects.

    TOML has no tuples, so every list (kernel_size, strides, pool_size, target_shape, ...) becomes
    a tuple, recursively; everything else passes through unchanged."""
    return {key: _tupled(value) for key, value in kwargs.items()}


def _tupled(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tupled(v) for v in value)
    return value


def _size(shape: Sequence[int]) -> int:
    return math.prod(int(d) for d in shape)


def layer_facts(layer: Any, output_shape: Sequence[Any]) -> Facts:
    """Facts of an already built Keras layer, given its output shape *with* the batch axis."""
    variables = tuple((str(v.name), tuple(int(d) for d in v.shape), bool(v.trainable)) for v in layer.weights)
    trainable = sum(_size(v.shape) for v in layer.trainable_weights)
    non_trainable = sum(_size(v.shape) for v in layer.non_trainable_weights)
    dims = tuple(output_shape)[1:]
    if any(d is None for d in dims):
        raise AssertionError(f"Keras left an output dimension unknown: {tuple(output_shape)}")
    return Facts(
        output_shape=tuple(int(d) for d in dims),
        variables=variables,
        params=int(layer.count_params()) if layer.weights else 0,
        trainable=int(trainable),
        non_trainable=int(non_trainable),
    )


def keras_layer_facts(type_name: str, kwargs: Mapping[str, Any], input_shape: Sequence[int]) -> Facts:
    """Build ``keras.layers.<type_name>(**kwargs)`` on a symbolic input of ``input_shape``
    (no batch axis) and return its facts, or raise ``KerasRefused``."""
    cls = getattr(keras.layers, type_name)
    try:
        layer = cls(**keras_kwargs(kwargs))
        x = keras.Input(shape=tuple(int(d) for d in input_shape))
        y = layer(x)
    except (ValueError, TypeError) as exc:  # Keras refuses bad values (ValueError) and missing arguments (TypeError)
        raise KerasRefused(f"{type_name}{dict(kwargs)} on {tuple(input_shape)}: {exc}") from exc
    return layer_facts(layer, y.shape)


def keras_model_facts(
    layers: Sequence[tuple[str, Mapping[str, Any]]], input_shape: Sequence[int]
) -> tuple[list[tuple[str, Facts]], Facts]:
    """Build a ``keras.Sequential`` of (type_name, kwargs) on ``input_shape``.

    Returns ([(type_name, facts) per layer], model totals as Facts with the model's output shape
    and no variables listed)."""
    model = keras.Sequential(
        [keras.Input(shape=tuple(input_shape))]
        + [getattr(keras.layers, t)(**keras_kwargs(kw)) for t, kw in layers]
    )
    per_layer: list[tuple[str, Facts]] = []
    for layer in model.layers:
        per_layer.append((type(layer).__name__, layer_facts(layer, layer.output.shape)))
    totals = Facts(
        output_shape=per_layer[-1][1].output_shape,
        variables=(),
        params=int(model.count_params()),
        trainable=sum(_size(v.shape) for v in model.trainable_weights),
        non_trainable=sum(_size(v.shape) for v in model.non_trainable_weights),
    )
    return per_layer, totals
