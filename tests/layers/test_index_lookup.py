"""symparam/layers/index_lookup.py against real Keras: StringLookup and IntegerLookup, their depth (the listed
terms, the OOV indices, the mask index in "int" mode, special tokens given in front counted once, max_tokens with
pad_to_max_tokens) and Keras's refusals of the vocabulary and the modes, with generated cases. A case with a listed
vocabulary is also called on a batch of one of its terms (or an index, inverted); a layer given only
vocabulary_size, or nothing, cannot be called before adapt(), so its declared facts are compared. sparse=True is
refused by the torch backend itself, so only sparse with "int" (which every backend refuses) is drawn. A layer
still to be adapted has no depth: Keras declares an unknown one, symparam refuses and says what to give."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, strategies as st

from oracle.cases import Case, Generated, assert_refused, framework_facts, framework_tests
from oracle.strategies import maybe

MODES = ["int", "int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf"]
TERMS = {"StringLookup": (str, ["a", "b", "c", "d", "e", "f"], "[UNK]", ["", "m"]),
         "IntegerLookup": (int, [3, 5, 7, 9, 11, 13], -1, [0, 1])}


@st.composite
def lookup_cases(draw, kind: str):
    term, words, default_oov, masks = TERMS[kind]
    kwargs: dict[str, Any] = {}
    maybe(draw, kwargs, "num_oov_indices", st.integers(-1, 3))
    maybe(draw, kwargs, "mask_token", st.sampled_from(masks))
    maybe(draw, kwargs, "output_mode", st.sampled_from(MODES))
    written = kwargs.get("output_mode", "int")
    mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(written, written)
    if mode == "int":
        maybe(draw, kwargs, "invert", st.booleans())
        maybe(draw, kwargs, "sparse", st.booleans())
    maybe(draw, kwargs, "max_tokens", st.integers(1, 9))
    maybe(draw, kwargs, "pad_to_max_tokens", st.booleans())
    given = draw(st.sampled_from(["terms", "terms", "terms", "size", "both"]))
    if given in ("terms", "both"):
        terms = draw(st.lists(st.sampled_from(words), min_size=1, max_size=5, unique=draw(st.booleans())))
        special = [kwargs.get("mask_token")] * (mode == "int" and "mask_token" in kwargs) \
            + [default_oov] * kwargs.get("num_oov_indices", 1)
        front = draw(st.sampled_from(["none", "none", "special", "mask"]))
        if front == "special":
            terms = special + terms
        elif front == "mask" and "mask_token" in kwargs:
            terms = terms + [kwargs["mask_token"]]
        kwargs["vocabulary"] = terms
        if mode == "tf_idf" and draw(st.integers(0, 5)):
            kwargs["idf_weights"] = [1.0] * (len(terms) + draw(st.sampled_from([0, 0, 0, 1])))
    if given in ("size", "both"):
        kwargs["vocabulary_size"] = draw(st.integers(1, 9))
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3)))
    called = "vocabulary" in kwargs and not (kind == "StringLookup" and kwargs.get("invert"))
    if not called and mode != "int":
        # Only declared (no vocabulary to call with): under multi_hot, count and tf_idf Keras declares the last
        # axis replaced, but its call drops the batch for a scalar per example and reduces axis 1 of more axes;
        # symparam refuses as the call would, so those declarations are no oracle.
        assume(len(shape) == 1 or mode == "one_hot")
    value = 0 if kwargs.get("invert") else kwargs.get("vocabulary", [words[0]])[-1]
    return Case(kind, kwargs, shape, called=called, dtype="string" if term is str else "int64", value=value)


GENERATED = {kind: Generated(lookup_cases(kind), 50) for kind in TERMS}

EXAMPLES = [
    Case("StringLookup", {"vocabulary": ["a", "b", "c"]}, (4,), called=True, dtype="string", value="a"),
    Case("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"}, (4,), called=True,
         dtype="string", value="b"),
    Case("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "multi_hot", "num_oov_indices": 2,
                          "mask_token": ""}, (4,), called=True, dtype="string", value="c"),     # depth 5: no mask
    Case("StringLookup", {"vocabulary": ["[UNK]", "a", "b"], "output_mode": "count"}, (3,), called=True,
         dtype="string", value="a"),                                                           # [UNK] counted once
    Case("StringLookup", {"vocabulary": ["a", "b"], "output_mode": "tf_idf", "idf_weights": [0.5, 1.5]}, (3,),
         called=True, dtype="string", value="a"),
    Case("StringLookup", {"vocabulary": ["a", "b"], "output_mode": "multi_hot", "max_tokens": 9,
                          "pad_to_max_tokens": True}, (3,), called=True, dtype="string", value="a"),   # depth 9
    Case("StringLookup", {"vocabulary_size": 7, "output_mode": "one_hot"}, (3,)),       # declared: depth 7
    Case("StringLookup", {"vocabulary": ["a", "a"]}, (3,), called=True, dtype="string", value="a"),   # refused
    Case("StringLookup", {"vocabulary": ["[UNK]"], "output_mode": "count"}, (3,)),   # refused: no term
    Case("StringLookup", {"vocabulary": ["a", "b", "c"], "max_tokens": 3}, (3,), called=True, dtype="string",
         value="a"),                                                                            # refused: 4 > 3
    Case("StringLookup", {"vocabulary": ["a"], "output_mode": "multi_hot", "vocabulary_size": 5}, (3,)),  # refused
    Case("StringLookup", {"vocabulary": ["a"], "output_mode": "tf_idf"}, (3,)),                 # refused: no idf
    Case("StringLookup", {"invert": True, "output_mode": "one_hot", "vocabulary": ["a"]}, (3,)),   # refused
    Case("IntegerLookup", {"vocabulary": [3, 5, 7], "mask_token": 0}, (2, 3), called=True, dtype="int64",
         value=5),
    Case("IntegerLookup", {"vocabulary": [3, 5, 7], "output_mode": "one_hot"}, (2, 1), called=True,
         dtype="int64", value=5),
    Case("IntegerLookup", {"vocabulary": [3, 5, 7], "output_mode": "multi_hot"}, (2, 2), called=True,
         dtype="int64", value=7),
    Case("IntegerLookup", {"vocabulary": [3, 5, 7], "invert": True}, (4,), called=True, dtype="int64", value=1),
    Case("IntegerLookup", {"vocabulary": [3], "salt": 5}, (4,), called=True, dtype="int64", value=3),   # refused
    Case("IntegerLookup", {"vocabulary": [3], "salt": [1, 2], "oov_method": "farmhash", "num_oov_indices": 2},
         (4,), called=True, dtype="int64", value=3),
    Case("IntegerLookup", {"max_tokens": 1}, (4,)),                                             # refused
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("kind", list(TERMS))
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count", "tf_idf"])
def test_a_layer_still_to_be_adapted_has_no_depth(kind, mode):
    """Keras declares an unknown depth for a lookup with no vocabulary yet; symparam refuses, naming what to give."""
    case = Case(kind, {"output_mode": mode}, (3,))
    assert framework_facts(case).outputs[0][-1] is None
    assert_refused(case, "Keras declares an unknown depth")
    from symparam.api import layer_record
    from symparam.errors import SymparamError
    with pytest.raises(SymparamError, match="give vocabulary_size"):
        layer_record(kind, dict(case.kwargs), (3,), convention="keras")


def test_a_vocabulary_file_is_refused_in_one_line():
    from symparam.api import layer_record
    from symparam.errors import SymparamError
    with pytest.raises(SymparamError, match="never reads files") as refused:
        layer_record("StringLookup", {"vocabulary": "/etc/passwd"}, (3,), convention="keras")
    assert "\n" not in str(refused.value) and "vocabulary_size" in str(refused.value)


def test_a_huge_vocabulary_is_refused_before_it_is_counted():
    from symparam.api import layer_record
    from symparam.errors import SymparamError
    with pytest.raises(SymparamError, match="at most 300000"):
        layer_record("IntegerLookup", {"vocabulary": list(range(300_001))}, (3,), convention="keras")


def test_vocabulary_size_may_be_a_symbol():
    from symparam.api import layer_record
    rec = layer_record("StringLookup", {"vocabulary_size": "vocab", "output_mode": "multi_hot"}, (5,),
                       convention="keras")
    assert [str(d) for d in rec.output_shape] == ["vocab"] and rec.params == 0
