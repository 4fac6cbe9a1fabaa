"""symparam/layers/discretization.py against real Keras: Discretization's output shapes per output_mode (it has no
weights), with generated boundaries and shapes. Cases with bin_boundaries are also called on zeros; a layer given
only num_bins cannot be called before adapt(), so its declared facts are compared. sparse=True is refused by the
torch backend itself (no sparse tensors), so only sparse with "int" (which every backend refuses) is drawn."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe


@st.composite
def discretization_cases(draw):
    kwargs: dict[str, Any] = {}
    given = draw(st.sampled_from(["boundaries", "boundaries", "bins", "both", "neither"]))
    if given in ("boundaries", "both"):
        kwargs["bin_boundaries"] = sorted(draw(st.lists(st.floats(-3, 3, allow_nan=False), min_size=0, max_size=5)))
    if given in ("bins", "both"):
        kwargs["num_bins"] = draw(st.integers(-1, 6))
    maybe(draw, kwargs, "output_mode", st.sampled_from(["int", "one_hot", "multi_hot", "count", "binary"]))
    if kwargs.get("output_mode", "int") == "int":
        maybe(draw, kwargs, "sparse", st.booleans())
    maybe(draw, kwargs, "epsilon", st.sampled_from([0.01, 0.1]))
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3)))
    called = "bin_boundaries" in kwargs
    if not called and kwargs.get("output_mode", "int") != "int":
        # Only declared (a layer given num_bins cannot be called before adapt): Keras declares an axis of length 0
        # for num_bins = 0 and drops the batch for a scalar per example under multi_hot, count and binary, where a
        # call fails; symparam refuses both as the call would, so such declarations are no oracle.
        assume(kwargs.get("num_bins", 1) >= 1 and (shape or kwargs.get("output_mode") == "one_hot"))
    return Case("Discretization", kwargs, shape, called=called)


GENERATED = {"Discretization": Generated(discretization_cases(), 60)}

EXAMPLES = [
    Case("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, (5,), called=True),
    Case("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, (5,), called=True),
    Case("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, (5, 1), called=True),
    Case("Discretization", {"bin_boundaries": [0.0, 1.0], "output_mode": "multi_hot"}, (3, 4), called=True),
    Case("Discretization", {"bin_boundaries": [0.0], "output_mode": "count"}, (), called=True),   # refused
    Case("Discretization", {"num_bins": 4, "output_mode": "count"}, (5,)),            # to be adapted: declared
    Case("Discretization", {"num_bins": 4, "bin_boundaries": [0.0, 1.0, 2.0]}, (5,)),   # refused: both
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
