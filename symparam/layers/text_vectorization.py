"""TextVectorization: standardizes strings, splits them into tokens (and n-grams), and looks the tokens up in a
vocabulary (a StringLookup inside, with the mask token "" and one OOV index "[UNK]"), giving token indices or
one-hot, multi-hot, count or TF-IDF vectors over the vocabulary. No weights, as for the lookups.

Its shapes are those Keras declares where its call agrees: "int" gives output_sequence_length indices per example
(an unknown length when it is unset) -- from one string per example (shape () or (1)) when it splits, from one axis
of tokens when split is "none"; the other modes encode the tokens of one string per example when it splits (one_hot
cannot: its call refuses the split tokens), and encode the input as a lookup does when split is "none".
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Arg, Choice, Flag, LayerKind, Opaque, Size
from .core import format_shape
from .costs import size as values_of
from .index_lookup import (NO_TORCH, Mode, Terms, Weights, check_modes, depth, placeholder_terms, sized,
                           vocabulary_size)
from .preprocessing import encoded

MASK, OOV = "", "[UNK]"   # the inner StringLookup's special tokens


class Ngrams(Arg):
    """ngrams: "none", an integer n (1- to n-grams), or a list of the n-gram lengths."""
    expected = 'an integer, a list of integers, or "none"'
    inert = True

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        if type(value) is int or (isinstance(value, list) and all(type(v) is int for v in value)):
            return value
        raise self.refuse(value, key)


class Optional(Choice):
    """One of a few strings, or "none" (Keras's None: no standardization, no split)."""

    def parse(self, value, key, ctx):
        if value is None or value == "none":
            return None
        return super().parse(value, key, ctx)


@register
class TextVectorization(LayerKind):
    name = "TextVectorization"
    saves = ("none",)
    no_twin = NO_TORCH
    example = ({"vocabulary": ["the", "a", "of"], "output_sequence_length": "seq_len"}, [], {"seq_len": 200})
    summary = "splits strings into tokens and maps them to vocabulary indices, or to vectors over the vocabulary"
    no_params = ("the vocabulary is a lookup table (and tf_idf's weights a tf.Variable) that Keras keeps outside "
                 "its weights")
    args = {"max_tokens": Size(None, minimum=2),
            "standardize": Optional("lower_and_strip_punctuation", "lower", "strip_punctuation",
                                    default="lower_and_strip_punctuation", any_case=False),
            "split": Optional("whitespace", "character", default="whitespace", any_case=False),
            "ngrams": Ngrams(None), "output_mode": Mode(), "output_sequence_length": Size(None),
            "pad_to_max_tokens": Flag(False), "vocabulary": Terms(str), "idf_weights": Weights(None),
            "sparse": Flag(False), "ragged": Flag(False), "encoding": Opaque("utf-8"),
            "vocabulary_size": Size(None)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if a.output_mode != "int" and a.output_sequence_length is not None:
            raise SymparamError(f'output_sequence_length may only be set with output_mode "int". Received: '
                                f'output_mode = "{a.output_mode}".')
        if a.ragged and a.output_mode != "int":
            raise SymparamError(f'ragged = true needs output_mode "int". Received: output_mode = '
                                f'"{a.output_mode}".')
        check_modes(a)
        size = vocabulary_size(a, b, MASK, OOV, 1)
        b.cost("elementwise", values_of(x), words="one table lookup per string (its tokens are not counted)")
        if a.split is not None:
            why = "TextVectorization splits one string per example: the input's shape must be () or (1)"
            if len(x) > 1:
                raise SymparamError(f"{why}. Received input shape {format_shape(x)}.")
            if x and x[0] is not None:
                b.require(sympy.Eq(x[0], 1), "split", why, f"input shape {format_shape(x)}")
        if a.output_mode == "int":
            if a.split is None and len(x) != 1:
                raise SymparamError(f'split = "none" with output_mode "int" looks up one axis of tokens per '
                                    f"example: the input needs exactly one axis. Received input shape "
                                    f"{format_shape(x)}.")
            return (a.output_sequence_length,)
        vocab = depth(a, size, self.name)
        if a.split is None:
            return encoded(b, a.output_mode, x, vocab, "vocabulary_size")
        if a.output_mode == "one_hot":
            raise SymparamError(f'output_mode "one_hot" cannot follow a split (Keras\'s call refuses a vector per '
                                f'split token): set split = "none" and give the tokens. Received: split = '
                                f'"{a.split}".')
        if x:
            raise SymparamError(f'output_mode "{a.output_mode}" with a split encodes the tokens of one string per '
                                f"example: the input's shape must be (). Received input shape {format_shape(x)}.")
        return (vocab,)

    @classmethod
    def input_dtype(cls, a):
        return "string"

    @classmethod
    def keras_kwargs(cls, a, written):
        return placeholder_terms(a, written, str, MASK, OOV, 1)

    @classmethod
    def imported(cls, table):
        return sized(table)
