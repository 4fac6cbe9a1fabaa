"""symparam/layers/text_vectorization.py against real Keras: TextVectorization's output shapes per output_mode and
split (no weights), generated. A case with a listed vocabulary is also called on a batch of the string "a b"; one
given only vocabulary_size cannot be called before adapt(), so its declared facts are compared. sparse and ragged
are refused by the torch backend itself, so neither is drawn."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, strategies as st

from oracle.cases import Case, Generated, assert_refused, framework_facts, framework_tests
from oracle.strategies import maybe

MODES = ["int", "int", "one_hot", "multi_hot", "count", "tf_idf", "binary"]


@st.composite
def text_cases(draw):
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "output_mode", st.sampled_from(MODES))
    mode = {"binary": "multi_hot"}.get(kwargs.get("output_mode", "int"), kwargs.get("output_mode", "int"))
    maybe(draw, kwargs, "split", st.sampled_from(["whitespace", "character", "none", "none"]))
    maybe(draw, kwargs, "standardize", st.sampled_from(["lower", "strip_punctuation", "none"]))
    maybe(draw, kwargs, "ngrams", st.sampled_from([2, [1, 3]]))
    if mode == "int" or draw(st.integers(0, 5)) == 0:
        maybe(draw, kwargs, "output_sequence_length", st.integers(1, 6))
    maybe(draw, kwargs, "max_tokens", st.integers(1, 12))
    maybe(draw, kwargs, "pad_to_max_tokens", st.booleans())
    if draw(st.integers(0, 3)):
        terms = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "[UNK]", ""]), min_size=1, max_size=5,
                              unique=draw(st.integers(0, 4)) > 0))
        kwargs["vocabulary"] = terms
        if mode == "tf_idf" and draw(st.integers(0, 5)):
            kwargs["idf_weights"] = [1.0] * len(terms)
    else:
        kwargs["vocabulary_size"] = draw(st.integers(1, 9))
    shape = draw(st.sampled_from([(), (), (), (1,), (1,), (2,), (3,), (2, 2), (1, 1)]))
    called = "vocabulary" in kwargs
    if not called and mode != "int":
        # Only declared: Keras declares shapes its call does not give (the batch dropped, axis 1 reduced, one-hot
        # split tokens); symparam refuses as the call would, so only the shapes a call agrees with are drawn.
        split = kwargs.get("split", "whitespace")
        assume(shape == () if split != "none" else (len(shape) == 1 or mode == "one_hot"))
        assume(mode != "one_hot" or split == "none")
    if not called and mode == "int":
        assume((len(shape) == 1) if kwargs.get("split") == "none" else shape in ((), (1,)))
    return Case("TextVectorization", kwargs, shape, called=called, dtype="string", value="a b")


GENERATED = {"TextVectorization": Generated(text_cases(), 50)}

EXAMPLES = [
    Case("TextVectorization", {"vocabulary": ["a", "b"], "output_sequence_length": 7}, (), called=True,
         dtype="string", value="a b"),
    Case("TextVectorization", {"vocabulary": ["a", "b"]}, (1,), called=True, dtype="string", value="a b"),
    Case("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "multi_hot"}, (), called=True,
         dtype="string", value="a b"),                                                          # depth 3
    Case("TextVectorization", {"vocabulary": ["[UNK]", "a", "b"], "output_mode": "count"}, (), called=True,
         dtype="string", value="a b"),                                                          # [UNK] once
    Case("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "tf_idf", "idf_weights": [1.0, 2.0]}, (),
         called=True, dtype="string", value="a"),
    Case("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "one_hot", "split": "none"}, (3,),
         called=True, dtype="string", value="a"),
    Case("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "one_hot"}, (), called=True,
         dtype="string", value="a b"),                                                          # refused: split
    Case("TextVectorization", {"vocabulary": ["a", "b"], "split": "none", "output_sequence_length": 4}, (6,),
         called=True, dtype="string", value="a"),
    Case("TextVectorization", {"vocabulary": ["a", "b"]}, (3,), called=True, dtype="string", value="a"),  # refused
    Case("TextVectorization", {"vocabulary_size": 20, "output_mode": "multi_hot", "max_tokens": 30,
                               "pad_to_max_tokens": True}, ()),                                 # depth 30
    Case("TextVectorization", {"vocabulary": ["a", ""]}, (), called=True, dtype="string", value="a"),  # refused
    Case("TextVectorization", {"vocabulary": ["", "[UNK]"]}, (), called=True, dtype="string", value="a"),  # refused
    Case("TextVectorization", {"output_mode": "count", "output_sequence_length": 3, "vocabulary": ["a"]}, ()),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count", "tf_idf"])
def test_a_layer_still_to_be_adapted_has_no_depth(mode):
    """Keras declares an unknown depth for a TextVectorization with no vocabulary yet; symparam refuses."""
    case = Case("TextVectorization", {"output_mode": mode, "split": "none"}, (3,))
    assert framework_facts(case).outputs[0][-1] is None
    assert_refused(case, "Keras declares an unknown depth")
