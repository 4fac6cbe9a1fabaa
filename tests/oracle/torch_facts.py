"""Ground truth from real PyTorch: what an nn module creates and what shape it outputs.

The torch counterpart of ``keras_facts``: construct ``torch.nn.<type_name>(**kwargs)``, run it in eval() mode
under ``torch.no_grad()`` on a real zero tensor with a batch of 2 (CPU), and read back the facts symparam must
reproduce.

    facts = torch_layer_facts("Conv2d", {"in_channels": 3, "out_channels": 8, "kernel_size": 3}, (3, 32, 32))
    facts.output_shape   # (8, 30, 30)                 -- without the batch axis
    facts.parameters     # (("weight", (8, 3, 3, 3), True), ("bias", (8,), True))
    facts.buffers        # ()                          -- (name, shape) in named_buffers() order
    facts.params, facts.trainable, facts.buffer_count

Arguments symparam reads from the input when left out (in_features, in_channels, num_features, num_channels) are
filled in from ``input_shape`` the same way, so one kwargs dict serves both. Lists become tuples (TOML has no
tuples). nn.Embedding and nn.EmbeddingBag get int64 indices (zeros), every other module float32 zeros.

A configuration torch refuses -- an exception at construction or in forward() -- raises ``TorchRefused`` with
torch's own message. An output with an axis of length 0 (torch allows some: a transposed convolution that
shrinks to nothing) is reported as it is; deciding what that means is the caller's business. Where forward()
returns a tuple (MaxPool with return_indices), the output shape is that of its first element.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch

__all__ = ["TorchFacts", "TorchRefused", "complete_kwargs", "torch_kwargs", "torch_layer_facts"]

Parameter = tuple[str, tuple[int, ...], bool]   # (name, shape, requires_grad)
Buffer = tuple[str, tuple[int, ...]]

# torch raises all of these for configurations it does not accept (AssertionError: Embedding's padding_idx,
# Hardtanh's bounds; IndexError: a dim out of range).
REFUSALS = (ValueError, TypeError, RuntimeError, IndexError, AssertionError, NotImplementedError)

BATCH = 2
_INDEX_INPUTS = ("Embedding", "EmbeddingBag")


class TorchRefused(Exception):
    """torch itself rejects the configuration (an exception at construction or in forward)."""


@dataclass(frozen=True)
class TorchFacts:
    output_shape: tuple[int, ...]        # without the batch axis
    parameters: tuple[Parameter, ...]    # named_parameters() in order
    buffers: tuple[Buffer, ...]          # named_buffers() in order; a scalar buffer has shape ()
    params: int                          # elements of all parameters
    trainable: int                       # elements of the parameters that require grad
    buffer_count: int                    # elements of all buffers (a scalar counts 1)


def _inferred(type_name: str) -> tuple[str, int] | None:
    """(argument, input axis it is read from) for what symparam infers when left out."""
    if type_name == "Linear":
        return "in_features", -1
    if type_name.startswith(("Conv", "ConvTranspose")):
        return "in_channels", 0
    if type_name.startswith(("BatchNorm", "InstanceNorm")):
        return "num_features", 0
    if type_name == "GroupNorm":
        return "num_channels", 0
    return None


def complete_kwargs(type_name: str, kwargs: Mapping[str, Any], input_shape: Sequence[int]) -> dict[str, Any]:
    """kwargs with the argument symparam would infer filled in from input_shape (when absent and there is an
    axis to read it from)."""
    out = dict(kwargs)
    inferred = _inferred(type_name)
    if inferred is not None and inferred[0] not in out and input_shape:
        key, axis = inferred
        out[key] = int(input_shape[axis])
    return out


def torch_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """TOML-style keyword arguments -> what the torch constructor expects: lists become tuples, recursively."""
    return {key: _tupled(value) for key, value in kwargs.items()}


def _tupled(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tupled(v) for v in value)
    return value


def torch_layer_facts(type_name: str, kwargs: Mapping[str, Any], input_shape: Sequence[int]) -> TorchFacts:
    """Run ``torch.nn.<type_name>`` (no "nn." prefix) on zeros of shape (2, *input_shape) and return its facts,
    or raise ``TorchRefused``."""
    cls = getattr(torch.nn, type_name)
    full = torch_kwargs(complete_kwargs(type_name, kwargs, input_shape))
    case = f"nn.{type_name}({full}) on {tuple(input_shape)}"
    dtype = torch.long if type_name in _INDEX_INPUTS else torch.float32
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = cls(**full)
            module.eval()
            with torch.no_grad():
                y = module(torch.zeros((BATCH, *(int(d) for d in input_shape)), dtype=dtype))
    except REFUSALS as exc:
        raise TorchRefused(f"{case}: {type(exc).__name__}: {exc}") from exc
    if isinstance(y, tuple):
        y = y[0]
    if y.dim() == 0 or y.shape[0] != BATCH:
        raise AssertionError(f"{case}: the output {tuple(y.shape)} has no batch axis of {BATCH} at 0")
    parameters = tuple((name, tuple(p.shape), bool(p.requires_grad)) for name, p in module.named_parameters())
    buffers = tuple((name, tuple(t.shape)) for name, t in module.named_buffers())
    return TorchFacts(
        output_shape=tuple(int(d) for d in y.shape[1:]),
        parameters=parameters,
        buffers=buffers,
        params=sum(math.prod(shape) for _, shape, _ in parameters),
        trainable=sum(math.prod(shape) for _, shape, grad in parameters if grad),
        buffer_count=sum(math.prod(shape) for _, shape in buffers),
    )
