"""Ground truth from real PyTorch: what one nn module creates and what shape it outputs (the torch half of
tests/oracle/cases.py).

``torch_case_facts(case)`` constructs ``torch.nn.<Module>(**kwargs)`` for a case of kind ``nn.<Module>``, runs it
in eval() mode under ``torch.no_grad()`` on zero tensors with a batch of 2 (CPU), and reads back the Facts symparam
must reproduce: the shape of forward()'s output (its first element where it returns a tuple: MaxPool with
return_indices, nn.LSTM's (output, (h, c)), nn.MultiheadAttention's (output, weights)) without the batch axis,
named_parameters() (name, shape, requires_grad) and named_buffers() (name, shape) in order, and their counts.

The batch axis is axis 0, except for the sequence modules (nn.RNN/LSTM/GRU, nn.MultiheadAttention, the
Transformer layers), which take it at axis 1 unless batch_first. Arguments symparam reads from the input when a
spec leaves them out (in_features, in_channels, num_features, num_channels, input_size, embed_dim, d_model) are
filled in from the first input the same way, so one kwargs dict serves both. Lists become tuples (TOML has no
tuples). nn.Embedding and nn.EmbeddingBag get int64 indices (zeros), every other module float32 zeros (nn.MaxUnpool*'s
second input, the indices, int64 zeros).

A configuration torch refuses -- an exception at construction or in forward() -- raises ``Refused`` with torch's
own message. An output axis of length 0 (torch allows some: a transposed convolution that shrinks to nothing) is
reported as it is; tests/oracle/cases.py decides what that means.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Mapping, Sequence

import torch

from .cases import Case, Facts, Refused, tupled

__all__ = ["case_module", "complete_kwargs", "torch", "torch_case_facts"]

# torch raises all of these for configurations it does not accept (AssertionError: Embedding's padding_idx,
# Hardtanh's bounds; IndexError: a dim out of range).
REFUSALS = (ValueError, TypeError, RuntimeError, IndexError, AssertionError, NotImplementedError)

BATCH = 2
_INDEX_INPUTS = {"nn.Embedding", "nn.EmbeddingBag"}
_SEQUENCE_FIRST = {"nn.RNN", "nn.LSTM", "nn.GRU", "nn.MultiheadAttention", "nn.TransformerEncoderLayer",
                   "nn.TransformerDecoderLayer", "nn.Transformer"}   # (L, N, E) unless batch_first


def _inferred(type_name: str) -> tuple[str, int] | None:
    """(argument, axis of the first input it is read from) for what symparam infers when left out."""
    name = type_name.removeprefix("nn.")
    if name == "Linear":
        return "in_features", -1
    if name.startswith(("Conv", "ConvTranspose")):
        return "in_channels", 0
    if name.startswith(("BatchNorm", "InstanceNorm", "SyncBatchNorm")):
        return "num_features", 0
    if name == "GroupNorm":
        return "num_channels", 0
    if name in ("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"):
        return "input_size", -1
    if name == "MultiheadAttention":
        return "embed_dim", -1
    if name in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        return "d_model", -1
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


class Listed(torch.nn.Module):
    """The nn.Module case (symparam's kind for a module it has no rules for): a module holding exactly the listed
    parameters and buffers, returning zeros of output_shape (or its first input)."""

    def __init__(self, module: str = "", parameters=None, buffers=None, frozen=(), output_shape=None):
        super().__init__()
        parameters, buffers = dict(parameters or {}), dict(buffers or {})
        if not set(frozen) <= set(parameters):
            raise ValueError(f"frozen names tensors that are not parameters: {sorted(set(frozen) - set(parameters))}")
        for name, shape in parameters.items():
            self.register_parameter(name, torch.nn.Parameter(torch.zeros(shape), requires_grad=name not in frozen))
        for name, shape in buffers.items():
            self.register_buffer(name, torch.zeros(shape))
        self.output_shape = None if output_shape in (None, "none") else tuple(output_shape)

    def forward(self, *xs):
        return xs[0] if self.output_shape is None else torch.zeros((xs[0].shape[0], *self.output_shape))


def _bag_call(case: Case, kwargs) -> dict:
    """nn.EmbeddingBag's call by the case's input names (input, offsets, per_sample_weights; as its forward()
    names them): indices and offsets int64 zeros (every bag starts at 0: all but the last are empty; one offset
    more with include_last_offset, so that the batch stays BATCH bags), per_sample_weights float32."""
    names = list(case.call if case.call is not None else case.spec_order())
    call = {}
    for name, shape in zip(names, case.call_shapes()):
        if name == "offsets":
            call[name] = torch.zeros((BATCH + bool(kwargs.get("include_last_offset")), *shape), dtype=torch.long)
        else:
            dtype = torch.float32 if name == "per_sample_weights" else torch.long
            call[name] = torch.zeros((BATCH, *shape), dtype=dtype)
    return call


def case_module(case: Case):
    """(the module, its inputs: positional tensors or, for nn.EmbeddingBag by name, keyword tensors, the batch axis)
    of a case, built and made as torch_case_facts runs them; raises Refused where torch refuses to construct it."""
    shapes = case.call_shapes()
    if any(d is None for s in shapes for d in s):
        raise AssertionError(f"{case}: torch needs every input length")
    cls = Listed if case.type_name == "nn.Module" else getattr(torch.nn, case.type_name.removeprefix("nn."))
    kwargs = {k: tupled(v) for k, v in complete_kwargs(case.type_name, case.kwargs, shapes[0]).items()}
    batch_axis = 1 if case.type_name in _SEQUENCE_FIRST and not kwargs.get("batch_first") else 0
    dtype = torch.long if case.type_name in _INDEX_INPUTS else torch.float32
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # dropout with one layer, enable_nested_tensor: advice, not refusals
            module = cls(**kwargs)
    except REFUSALS as exc:
        raise Refused(f"nn.{cls.__name__}({kwargs}): {type(exc).__name__}: {exc}") from exc
    if case.type_name == "nn.EmbeddingBag" and case.named:
        return module, _bag_call(case, kwargs), batch_axis
    dtypes = [dtype, *(torch.long if case.type_name.startswith("nn.MaxUnpool") else dtype for _ in shapes[1:])]
    return module, [torch.zeros((*s[:batch_axis], BATCH, *s[batch_axis:]), dtype=d) for s, d in zip(shapes, dtypes)], \
        batch_axis


def torch_case_facts(case: Case) -> Facts:
    """Run the case's module on zeros and return its facts, or raise Refused."""
    module, xs, batch_axis = case_module(case)
    described = f"{type(module).__name__}({dict(case.kwargs)}) on {case.call_shapes()}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module.eval()
            with torch.no_grad():
                y = module(**xs) if isinstance(xs, dict) else module(*xs)
    except REFUSALS as exc:
        raise Refused(f"{described}: {type(exc).__name__}: {exc}") from exc
    if isinstance(y, tuple):
        y = y[0]
    dims = list(y.shape)
    if len(dims) <= batch_axis or dims[batch_axis] != BATCH:
        raise AssertionError(f"{described}: the output {tuple(dims)} has no batch axis of {BATCH} at {batch_axis}")
    del dims[batch_axis]
    parameters = tuple((name, tuple(p.shape), bool(p.requires_grad)) for name, p in module.named_parameters())
    buffers = tuple((name, tuple(t.shape)) for name, t in module.named_buffers())
    params = sum(math.prod(shape) for _, shape, _ in parameters)
    trainable = sum(math.prod(shape) for _, shape, grad in parameters if grad)
    return Facts(outputs=(tuple(int(d) for d in dims),), variables=parameters, params=params, trainable=trainable,
                 non_trainable=params - trainable, buffers=buffers,
                 buffer_count=sum(math.prod(shape) for _, shape in buffers))
