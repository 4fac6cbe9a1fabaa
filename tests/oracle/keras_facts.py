"""Ground truth from real Keras 3: what one layer creates and what shapes it outputs (the Keras half of
tests/oracle/cases.py).

``keras_case_facts(case)`` builds ``keras.layers.<type_name>(**kwargs)`` symbolically (one ``keras.Input`` per
input, no data) and reads back the Facts symparam must reproduce:

* outputs: every output's shape without the batch axis (several for return_state or merge_mode "none"; an unknown
  length stays None);
* variables: (name, shape, trainable) in ``layer.weights`` order. A variable is named by ``v.name``, or, for a case
  with ``names="path"``, by its path inside the layer (``v.path`` without the layer's own name: MultiHeadAttention's
  ``query/kernel``, where ``v.name`` alone would say ``kernel`` four times over);
* counts: ``layer.count_params()`` and the sizes of ``trainable_weights`` and ``non_trainable_weights``.

How a case becomes a Keras layer: lists become tuples (TOML has no tuples); "none" stands for None where TOML has
no null (activation, recurrent_activation, merge_mode; an unknown length in an InputLayer's shape); a wrapped layer
written as an inline table with a type is built first; a stateful layer gets a fixed batch size of 2 (Keras needs
one; symparam has no batch axis). The merges and Attention are called on a list of their inputs, MultiHeadAttention
on (query, value[, key]); InputLayer takes no input, and its output is read as it is.

trainable=False is applied as Keras's ``trainable`` setter applies it: to the layer, every layer inside it and all
their variables. Keras 3.15's constructor argument alone does not reach the variables of a layer built from
sublayers (ConvLSTM's cell, a wrapper's layer, MultiHeadAttention's projections): they stay flagged trainable, the
layer leaves them out of its trainable_weights, yet a model around it counts and trains them. symparam reports them
as not trainable, as the setter (and the argument's documented meaning) has it.

Keras refuses (``Refused``, with Keras's message) when building raises. Several layers check nothing until they
are called (Softmax's axis, Resizing's interpolation, Rescaling's broadcast, attention inputs that do not pair up),
so a case with ``called=True`` is also run on zeros (a batch of CALL_BATCH = 11, longer than any generated axis,
so a call that moves or broadcasts the batch axis shows; each unknown length tried at the lengths the inputs
mention, and 1 and 2; a case's ``dtype`` and ``value`` make the inputs strings or integers instead: the lookup
layers): a failure at every choice, or an output of another shape than the one declared, is a
refusal too -- except for the torch backend's own gaps (``torch_gap``), where Keras's other backends run the
layer: there the declared facts stand.

Keras picks its backend at import time, so this module sets ``KERAS_BACKEND=torch`` unless the caller chose one.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import warnings
from typing import Any, Mapping, Sequence

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402

from .cases import CALL_BATCH, Case, Facts, Refused, note, tupled  # noqa: E402

__all__ = ["keras", "keras_case_facts", "keras_layer_facts", "keras_model_facts", "torch_gap"]

NONE_MEANS_NULL = {"activation", "recurrent_activation", "merge_mode", "standardize", "split"}
NONE_IN_SHAPES = {"shape", "batch_shape", "output_shape"}
POSITIONAL = {"MultiHeadAttention", "GroupQueryAttention"}   # called as layer(query, value[, key]); others: a list
# What Keras raises for a configuration it refuses while building: ValueError (its checks), TypeError (a missing or
# mistyped argument), IndexError and RuntimeError (an axis out of range, met while building), OverflowError (a
# ConvLSTM's strides = 0); and any TensorFlow error (the lookup layers build tf.lookup tables).
BUILD_REFUSALS = (ValueError, TypeError, IndexError, RuntimeError, OverflowError)


def keras_layer(type_name: str, kwargs: Mapping[str, Any]):
    """keras.layers.<type_name>(**kwargs), a wrapped layer (an inline table with a type) built first."""
    plain: dict[str, Any] = {}
    for key, value in kwargs.items():
        if isinstance(value, Mapping) and "type" in value:
            inner = dict(value)
            plain[key] = keras_layer(inner.pop("type"), inner)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) and "type" in v for v in value):
            plain[key] = [keras_layer(v["type"], {k: x for k, x in v.items() if k != "type"}) for v in value]
        elif key in NONE_MEANS_NULL and value == "none":
            plain[key] = None
        elif key in NONE_IN_SHAPES and isinstance(value, list):
            plain[key] = tuple(None if d == "none" else d for d in value)
        else:
            plain[key] = tupled(value)
    return keras_class(type_name)(**plain)


# Kinds that are not keras.layers classes: keras.applications' own layers, found where the applications define them,
# and keras.ops operations (ops.add), run by a layer that applies the operation to its inputs and `scalar`.
APPLICATION_LAYERS = {"LayerScale": "keras.src.applications.convnext",
                      "CustomScaleLayer": "keras.src.applications.inception_resnet_v2"}


def keras_class(type_name: str):
    if type_name in APPLICATION_LAYERS:
        import importlib
        return getattr(importlib.import_module(APPLICATION_LAYERS[type_name]), type_name)
    if type_name.startswith("ops."):   # the class a functional graph records: ops.true_divide -> TrueDivide
        from keras.src.ops import numpy as numpy_ops
        return _operation_layer(getattr(numpy_ops, type_name[4:].title().replace("_", "")))
    return getattr(keras.layers, type_name)


def _operation_layer(operation_class):
    """A layer whose output is the operation's, with the shape the operation itself declares for its operands."""
    class OperationLayer(keras.layers.Layer):
        def __init__(self, scalar=None, scalar_first=False, **kwargs):
            super().__init__(**kwargs)
            self.scalar, self.scalar_first = scalar, scalar_first
            self.operation = operation_class()

        def operands(self, inputs):
            listed = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            if self.scalar is None:
                return listed
            return [self.scalar, *listed] if self.scalar_first else [*listed, self.scalar]

        def call(self, inputs):
            return self.operation(*self.operands(inputs))

        def compute_output_spec(self, inputs):
            return self.operation.compute_output_spec(*self.operands(inputs))

    return OperationLayer


def _stateful(kwargs: Mapping[str, Any]) -> bool:
    return bool(kwargs.get("stateful")) or any(isinstance(v, Mapping) and _stateful(v) for v in kwargs.values())


def _frozen_as_documented(layer) -> None:
    """Set trainable = False through Keras's setter on every layer (the layer itself included) built with it."""
    for sub in layer._flatten_layers(include_self=True):
        if not sub.trainable:
            sub.trainable = False


def _size(variables) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def _call(layer, case: Case, args: list):
    if not case.named:
        return layer(args[0])
    return layer(*args) if case.type_name in POSITIONAL else layer(list(args))


def _as_list(y) -> list:
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _facts(layer, outputs: list, names: str = "name") -> Facts:
    """The facts of a built layer, given its output tensors (with the batch axis)."""
    prefix = f"{layer.name}/"
    return Facts(
        outputs=tuple(tuple(None if d is None else int(d) for d in t.shape[1:]) for t in outputs),
        variables=tuple((_unnumbered(str(v.path).removeprefix(prefix) if names == "path" else str(v.name)),
                         tuple(int(d) for d in v.shape), bool(v.trainable)) for v in layer.weights),
        params=int(layer.count_params()) if layer.weights else 0,
        trainable=_size(layer.trainable_weights),
        non_trainable=_size(layer.non_trainable_weights),
    )


def _unnumbered(name: str) -> str:
    """A weight added without a name is "variable", numbered by Keras across the whole session ("variable_7")."""
    return re.sub(r"^variable_\d+$", "variable", name)


def keras_case_facts(case: Case) -> Facts:
    """Build the case's layer on symbolic inputs and return its facts, or raise Refused."""
    batch = 2 if _stateful(case.kwargs) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = keras_layer(case.type_name, case.kwargs)
            shapes = case.call_shapes() if not case.named or case.inputs else []
            y = _call(layer, case, [keras.Input(shape=s, batch_size=batch, dtype=case.dtype) for s in shapes]) if shapes \
                else layer.output
        except Exception as exc:  # noqa: BLE001 - Keras's refusals, and TensorFlow's (a lookup's empty table)
            if not (isinstance(exc, BUILD_REFUSALS) or type(exc).__module__.startswith("tensorflow.")):
                raise
            raise Refused(f"{case}: {type(exc).__name__}: {exc}") from exc
        _frozen_as_documented(layer)
        facts = _facts(layer, _as_list(y), case.names)
        if case.called:
            failure = _run(layer, case, facts.outputs, batch or CALL_BATCH)
            if failure and torch_gap(case):
                note("torch backend gap: Keras's declared facts")
            elif failure:
                raise Refused(f"{case}: {failure}", facts)
    return facts


def _run(layer, case: Case, declared: tuple, batch: int) -> str:
    """Call the built layer on zeros; "" if it runs with the declared output shapes at some choice of the unknown
    lengths, else why not. The batch passes through (a layer works per sample), or, for inputs joined along the
    batch axis (Concatenate with axis 0), comes out as their total."""
    shapes = case.call_shapes()
    batches = {batch, batch * len(shapes)}
    lengths = sorted({d for s in shapes for d in s if d is not None} | {1, 2})
    unknown = [(i, j) for i, s in enumerate(shapes) for j, d in enumerate(s) if d is None]
    failure = ""
    for choice in itertools.product(lengths, repeat=len(unknown)):
        chosen = dict(zip(unknown, choice))
        arrays = [np.full((batch, *(chosen.get((i, j), d) for j, d in enumerate(s))), case.value,
                          dtype=None if case.dtype == "string" else case.dtype) for i, s in enumerate(shapes)]
        try:
            computed = [tuple(int(d) for d in z.shape) for z in _as_list(_call(layer, case, arrays))]
        except Exception as exc:  # noqa: BLE001 - any failure to run is a refusal
            failure = f"builds, but the call raised {type(exc).__name__}: {str(exc).strip()[:300]}"
            continue
        if len(computed) == len(declared) and all(
                len(c) == len(d) + 1 and c[0] in batches and all(x is None or x == y for x, y in zip(d, c[1:]))
                for c, d in zip(computed, declared)):
            return ""
        failure = f"the call's output {computed} is not the declared {list(declared)} (batch {batch})"
    return failure


def torch_gap(case: Case) -> str:
    """Why Keras's torch backend cannot call a configuration that Keras itself supports ("" if it can)."""
    kwargs = case.kwargs
    interpolation = kwargs.get("interpolation")
    if isinstance(interpolation, str) and interpolation.lower() in ("lanczos3", "lanczos5"):
        return "the torch backend has no Lanczos resize"
    if case.type_name == "LayerNormalization" and not case.named:
        axis = kwargs.get("axis", -1)
        axes = sorted([axis] if isinstance(axis, int) else axis)
        ndim = len(case.inputs) + 1
        contiguous = len(axes) <= 1 or all(b - a == 1 for a, b in zip(axes, axes[1:]))
        named = [d % ndim for d in axes]
        trailing = named == list(range(ndim - len(axes), ndim))
        in_range = all(-ndim <= d < ndim for d in axes)
        if axes and in_range and len(set(named)) == len(named) and contiguous and not trailing:
            return "the torch backend hands a contiguous block of axes to F.layer_norm, which normalizes trailing axes"
    return ""


def keras_layer_facts(type_name: str, kwargs: Mapping[str, Any], input_shape: Sequence[int]) -> Facts:
    """The facts of one layer on one input of `input_shape` (no batch axis), or Refused."""
    return keras_case_facts(Case(type_name, kwargs, tuple(input_shape)))


def keras_model_facts(layers: Sequence[tuple[str, Mapping[str, Any]]],
                      input_shape: Sequence[int]) -> tuple[list[tuple[str, Facts]], Facts]:
    """Build a ``keras.Sequential`` of (type_name, kwargs) on `input_shape`.

    Returns ([(type_name, facts) per layer], the model's totals as Facts with its output and no variables)."""
    model = keras.Sequential([keras.Input(shape=tuple(input_shape))]
                             + [keras_layer(t, kw) for t, kw in layers])
    per_layer = [(type(layer).__name__, _facts(layer, [layer.output])) for layer in model.layers]
    totals = Facts(outputs=per_layer[-1][1].outputs, variables=(), params=int(model.count_params()),
                   trainable=_size(model.trainable_weights), non_trainable=_size(model.non_trainable_weights))
    return per_layer, totals
