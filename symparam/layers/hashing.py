"""Hashing and HashedCrossing: hash each value (HashedCrossing: each pair of values of its two inputs) into one of
num_bins bins, giving the bin index or a vector over the bins. No weights: a hash has no state.

Hashing's "one_hot" needs a last input axis of length 1 (Keras squeezes it, then encodes each value: on any other
last axis its call appends the bins where it declares the last axis replaced), and no 1 before it (the encoding
squeezes that one too); "multi_hot" and "count" follow the categorical encoding every such layer shares.
HashedCrossing crosses two inputs of one value per example (shape () or (1,)): "int" keeps that shape, "one_hot"
gives num_bins.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from . import register
from .base import Choice, Flag, LayerKind, Opaque, Size
from .core import format_shape
from .costs import size as values_of
from .index_lookup import NO_TORCH, check_salt
from .preprocessing import encoded


@register
class Hashing(LayerKind):
    name = "Hashing"
    saves = ("none",)
    no_twin = NO_TORCH
    example = ({"num_bins": "bins", "output_mode": "multi_hot"}, ["n"], {"bins": 64, "n": 10})
    summary = "hashes each value into one of num_bins bins: the bin index, or a one-hot, multi-hot or count vector"
    no_params = "a hash function has no state"
    args = {"num_bins": Size(), "mask_value": Opaque(None), "salt": Opaque(None),
            "output_mode": Choice("int", "one_hot", "multi_hot", "count", default="int", any_case=False),
            "sparse": Flag(False)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if a.sparse and a.output_mode == "int":
            raise SymparamError('sparse = true may only be used with output_mode "one_hot", "multi_hot" or '
                                '"count". Received: output_mode = "int".')
        if a.output_mode == "int" and isinstance(a.dtype, str) and a.dtype not in ("int32", "int64"):
            raise SymparamError(f'output_mode "int" gives bin indices: dtype must be "int32" or "int64". '
                                f"Received: dtype = {show(a.dtype)}.")
        check_salt(a.salt, True)
        b.cost("elementwise", values_of(x), words="one hash per value")
        if a.output_mode == "int":
            return x
        if a.output_mode == "one_hot":
            if not x:
                raise SymparamError(f"one_hot hashes a last axis of length 1 into the bins: the input needs one. "
                                    f"Received input shape {format_shape(x)}.")
            if x[-1] is not None:
                b.require(sympy.Eq(x[-1], 1), "output_mode", "Hashing's one_hot replaces a last input axis of "
                          "length 1 by the bins (on another, its call appends them where Keras declares the axis "
                          "replaced): the last axis must be 1", f"input shape {format_shape(x)}")
            if len(x) > 1 and x[-2] is not None:
                b.require(sympy.Ne(x[-2], 1), "output_mode", "Hashing's one_hot squeezes a last axis of length 1 "
                          "and its encoding squeezes the next one too where it is 1 (Keras declares it kept): the "
                          "axis before the last must not be 1", f"input shape {format_shape(x)}")
            return (*x[:-1], a.num_bins)
        return encoded(b, a.output_mode, x, a.num_bins, "num_bins")


@register
class HashedCrossing(LayerKind):
    name = "HashedCrossing"
    saves = ("none",)
    no_twin = NO_TORCH
    n_inputs = 2
    example = ({"num_bins": "bins", "output_mode": "one_hot", "inputs": ["x", "y"]}, {"x": [1], "y": [1]}, {"bins": 32})
    summary = "hashes each pair of values of its two inputs into one of num_bins bins: the bin index, or a one-hot"
    no_params = "a hash function has no state"
    # num_bins 0 is Keras's own: "int" then gives the crossed hash itself, not bucketed (one_hot cannot)
    args = {"num_bins": Size(minimum=0), "output_mode": Choice("int", "one_hot", default="int", any_case=False),
            "sparse": Flag(False)}

    def build(self, a, inputs, b):
        first, second = inputs
        why = "HashedCrossing crosses one value per example: each input's shape must be () or (1)"
        for x in inputs:
            if len(x) > 1:
                raise SymparamError(f"{why}. Received input shape {format_shape(x)}.")
            if x and x[0] is not None:
                b.require(sympy.Eq(x[0], 1), "inputs", why, f"input shape {format_shape(x)}")
        if len(first) != len(second):
            raise SymparamError(f"HashedCrossing's two inputs must have one shape. Received input shapes "
                                f"{format_shape(first)} and {format_shape(second)}.")
        if a.output_mode == "one_hot":
            b.require(sympy.Ge(a.num_bins, 1), "num_bins", 'output_mode "one_hot" needs at least one bin',
                      f"num_bins = {a.num_bins}")
        b.cost("elementwise", values_of(first), words="one hash per pair of values")
        return first if a.output_mode == "int" else (a.num_bins,)

    @classmethod
    def input_dtype(cls, a):
        return "int64"   # (or strings: floats are refused)
