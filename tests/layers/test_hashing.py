"""symparam/layers/hashing.py against real Keras: Hashing's and HashedCrossing's output shapes per output_mode (no
weights), generated and called: Hashing on float zeros, HashedCrossing on two string or integer inputs. sparse=True
is refused by the torch backend itself (HashedCrossing's constructor refuses it there), so only Hashing's sparse
with "int" (which every backend refuses) is drawn."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe


@st.composite
def hashing_cases(draw):
    kwargs: dict[str, Any] = {"num_bins": draw(st.integers(-1, 6))}
    maybe(draw, kwargs, "output_mode", st.sampled_from(["int", "one_hot", "multi_hot", "count", "binary"]))
    if kwargs.get("output_mode", "int") == "int":
        maybe(draw, kwargs, "sparse", st.booleans())
    maybe(draw, kwargs, "salt", st.sampled_from([7, [1, 2], [1, 2, 3]]))
    maybe(draw, kwargs, "mask_value", st.sampled_from([0, 5]))
    maybe(draw, kwargs, "dtype", st.sampled_from(["int32", "float32"]))
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3)))
    return Case("Hashing", kwargs, shape, called=True)


@st.composite
def crossing_cases(draw):
    kwargs: dict[str, Any] = {"num_bins": draw(st.integers(0, 6))}
    maybe(draw, kwargs, "output_mode", st.sampled_from(["int", "one_hot", "multi_hot"]))
    shapes = st.sampled_from([(), (1,), (1,), (2,), (1, 1)])
    dtype, value = draw(st.sampled_from([("string", "a"), ("int64", 3)]))
    return Case("HashedCrossing", kwargs, {"a": draw(shapes), "b": draw(shapes)}, called=True, dtype=dtype,
                value=value)


GENERATED = {"Hashing": Generated(hashing_cases(), 40), "HashedCrossing": Generated(crossing_cases(), 30)}

EXAMPLES = [
    Case("Hashing", {"num_bins": 4}, (5,), called=True),
    Case("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, (5, 1), called=True),
    Case("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, (5,), called=True),        # refused by the call
    Case("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, (1, 1), called=True),      # refused: squeezed twice
    Case("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, (2, 3, 1), called=True),
    Case("Hashing", {"num_bins": 4, "output_mode": "multi_hot", "salt": [3, 4]}, (5,), called=True),
    Case("Hashing", {"num_bins": 4, "output_mode": "count", "mask_value": 0}, (3, 3), called=True),
    Case("Hashing", {"num_bins": 0}, (5,), called=True),                                   # refused
    Case("Hashing", {"num_bins": 3, "dtype": "float32"}, (5,), called=True),              # refused: int mode
    Case("HashedCrossing", {"num_bins": 5}, {"a": (), "b": ()}, called=True, dtype="string", value="a"),
    Case("HashedCrossing", {"num_bins": 5, "output_mode": "one_hot"}, {"a": (1,), "b": (1,)}, called=True,
         dtype="int64", value=3),
    Case("HashedCrossing", {"num_bins": 5}, {"a": (3,), "b": (3,)}, called=True, dtype="int64", value=3),  # refused
    Case("HashedCrossing", {"num_bins": 5}, {"a": (), "b": (1,)}, called=True, dtype="int64", value=3),    # refused
    Case("HashedCrossing", {"num_bins": 0}, {"a": (1,), "b": (1,)}, called=True, dtype="int64", value=3),  # unbucketed
    Case("HashedCrossing", {"num_bins": 0, "output_mode": "one_hot"}, {"a": (), "b": ()}, called=True,
         dtype="int64", value=3),                                                                 # refused: 0 bins
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
