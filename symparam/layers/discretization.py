"""Discretization: buckets real values by bin boundaries into bin indices, or one-hot, multi-hot or count vectors over
the bins. It has no weights: the boundaries (given, or learned by adapt()) are plain numbers Keras keeps outside its
variables (num_bins without boundaries is a layer still to be adapted: it builds, and its call refuses until then).

Its output shapes are those Keras declares: "int" keeps the shape; "one_hot" replaces a last axis of length 1 by
the bins or appends them; "multi_hot" and "count" drop the first axis after the batch and append the bins.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from . import register
from .base import Arg, Choice, Flag, LayerKind, Opaque, Size
from .core import format_shape
from .costs import size as values_of


class Boundaries(Arg):
    """bin_boundaries: a list of numbers (the bins are one more than the boundaries)."""
    expected = "a list of numbers"

    def parse(self, value, key, ctx):
        if (not isinstance(value, list) or len(value) > 100_000
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            raise self.refuse(value, key)
        return value


@register
class Discretization(LayerKind):
    name = "Discretization"
    saves = ("none",)
    example = ({"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, ["n"], {"n": 8})
    summary = "buckets values by bin boundaries: bin indices, or one-hot, multi-hot or count vectors over the bins"
    no_params = "the bin boundaries are given or adapted numbers, not weights"
    args = {"bin_boundaries": Boundaries(None), "num_bins": Size(None, minimum=0), "epsilon": Opaque(0.01),
            "output_mode": Choice("int", "one_hot", "multi_hot", "count", default="int", any_case=False),
            "sparse": Flag(False)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if a.sparse and a.output_mode == "int":
            raise SymparamError('sparse = true may only be used with output_mode "one_hot", "multi_hot" or "count".')
        if (a.num_bins is None) == (a.bin_boundaries is None):
            raise SymparamError("give either bin_boundaries or num_bins (not both). Received: "
                                f"{'both' if a.num_bins is not None else 'neither'}.")
        b.cost("elementwise", values_of(x), words="one bucket search per value")
        if a.output_mode == "int":
            return x
        bins = sympy.Integer(len(a.bin_boundaries) + 1) if a.bin_boundaries is not None else a.num_bins
        if bins == 0:
            raise SymparamError(f"output_mode {show(a.output_mode)} needs at least one bin. Received: num_bins = 0.")
        if a.output_mode == "one_hot":
            if x and x[-1] is not None and not x[-1].is_number:
                b.require(sympy.Ne(x[-1], 1), "output_mode", "one_hot replaces a last input axis of length 1 and "
                          "appends to any other: symparam needs to know which, so that axis must not be 1")
            return (*x[:-1], bins) if x and x[-1] == 1 else (*x, bins)
        if not x:
            raise SymparamError(f"{a.output_mode} encodes a list of values per example: the input needs an axis "
                                f"besides the batch. Received input shape {format_shape(x)}.")
        return (*x[1:], bins)
