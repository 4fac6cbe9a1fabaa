"""StringLookup and IntegerLookup: map each string (integer) token to its index in a vocabulary, or encode the
indices as one-hot, multi-hot, count or TF-IDF vectors over the vocabulary (Keras's IndexLookup, one rule for both).

They have no weights: the vocabulary is a tf.lookup table and the IDF weights a tf.Variable, state Keras keeps
outside its variables (layer.weights is empty in every output_mode, tf_idf included).

The vocabulary size (the depth of the encoded vectors) counts the terms, the num_oov_indices OOV indices and, in
"int" mode only, an index for the mask token; terms given with the special tokens in front are counted once. A
spec may give `vocabulary_size` (that whole size, a symbol allowed, as Keras's config carries it) instead of
listing the terms; pad_to_max_tokens makes the depth max_tokens. symparam never reads a vocabulary file.
"""

from __future__ import annotations

from collections import Counter

import sympy

from ..errors import SymparamError, show
from . import register
from .base import Arg, Choice, Flag, Int, LayerKind, Opaque, Size
from .costs import size as values_of
from .preprocessing import encoded

MAX_TERMS = 300_000   # a listed vocabulary longer than this is refused before anything is built
MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
OLD_MODES = {"binary": "multi_hot", "tf-idf": "tf_idf"}   # Keras's deprecated names
NO_TORCH = ("it runs on TensorFlow's string and lookup-table operations (in Keras 3 whatever the backend), and no "
            "torch module does what they do")


class Terms(Arg):
    """A vocabulary: a list of distinct terms of one type (strings, or integers), never a file path."""

    def __init__(self, term: type, default=None) -> None:
        super().__init__(default)
        self.term = term
        self.expected = f"a list of at most {MAX_TERMS} {'strings' if term is str else 'integers'}"

    def parse(self, value, key, ctx):
        if isinstance(value, str) and value.lower() != "none":
            raise SymparamError(f"{key} names a file, and symparam never reads files named by a spec: give "
                                f"vocabulary_size (the number of indices: terms, OOV and mask) instead, or list the "
                                f"terms. Received: {key} = {show(value)}.")
        if value is None or isinstance(value, str):
            return None
        if (not isinstance(value, list) or len(value) > MAX_TERMS
                or not all(type(v) is self.term for v in value)):
            raise self.refuse(value, key)
        if not value:
            raise SymparamError(f"{key} must not be empty (Keras cannot set an empty vocabulary). Received: "
                                f"{key} = [].")
        return tuple(value)


class Token(Arg):
    """A special token (mask_token, oov_token): a string or an integer as the layer's terms are, or "none"."""

    def __init__(self, term: type, default=None) -> None:
        super().__init__(default)
        self.term = term
        self.expected = ('a string' if term is str else 'an integer') + ' or "none"'

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        if type(value) is self.term:
            return value
        raise self.refuse(value, key)


class Weights(Arg):
    """idf_weights: one number per term (the values do not matter, their number does)."""
    expected = "a list of numbers"

    def parse(self, value, key, ctx):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            return None
        if (not isinstance(value, list) or len(value) > MAX_TERMS
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
            raise self.refuse(value, key)
        return tuple(value)


class Mode(Choice):
    """output_mode, Keras's old names ("binary", "tf-idf") read as the new ones."""

    def __init__(self) -> None:
        super().__init__(*MODES, *OLD_MODES, default="int", any_case=False)

    def parse(self, value, key, ctx):
        chosen = super().parse(value, key, ctx)
        return OLD_MODES.get(chosen, chosen)


def lookup_args(term: type, oov) -> dict[str, Arg]:
    """The arguments StringLookup and IntegerLookup share (Keras's IndexLookup's)."""
    return {"max_tokens": Size(None, minimum=2), "num_oov_indices": Int(1), "mask_token": Token(term),
            "oov_token": Token(term, oov), "vocabulary": Terms(term), "vocabulary_size": Size(None),
            "idf_weights": Weights(None), "invert": Flag(False), "output_mode": Mode(), "sparse": Flag(False),
            "pad_to_max_tokens": Flag(False), "oov_method": Choice("floormod", "farmhash", default="floormod",
                                                                    any_case=False),
            "salt": Opaque(None)}


def token_start(a, mask, num_oov: int) -> int:
    """The first index of a term (Keras's _token_start_index): the mask's index, in "int" mode only, then the OOV
    indices."""
    return (1 if mask is not None and a.output_mode == "int" else 0) + num_oov


def vocabulary_size(a, b, mask, oov, num_oov: int, invert: bool = False, key: str = "vocabulary"):
    """The number of indices of a lookup (what Keras's vocabulary_size() returns, its one-hot depth), from the
    listed terms or the given vocabulary_size; None for a layer still to be adapted. Keras's checks of the terms."""
    start = token_start(a, mask, num_oov)
    if a.vocabulary is None:
        return a.vocabulary_size
    terms = list(a.vocabulary)
    special = [mask] * (start - num_oov) + [oov] * num_oov
    if terms[:start] == special:
        terms = terms[start:]
        if not terms:
            raise SymparamError(f"{key} must hold a term besides the special tokens (Keras cannot build an empty "
                                f"lookup table). Received: {key} = {show(list(a.vocabulary))}.")
    repeated = sorted(str(t) for t, n in Counter(terms).items() if n > 1)
    if repeated:
        raise SymparamError(f"{key} must not repeat a term. Received: repeated terms {', '.join(repeated[:5])}.")
    for name, token, checked in (("mask_token", mask, True), ("oov_token", oov, invert)):
        if checked and token is not None and token in terms:
            raise SymparamError(f"{key} holds the {name} {show(token)} among its terms: leave the special tokens "
                                f"out, or put them first in this order: {show(special)}.")
    size = sympy.Integer(start + len(terms))
    if a.max_tokens is not None:
        b.require(sympy.Le(size, a.max_tokens), "max_tokens", "the vocabulary must not be larger than max_tokens",
                  f"a vocabulary of {size} indices (terms, OOV and mask); max_tokens = {a.max_tokens}")
    if a.vocabulary_size is not None and a.output_mode != "int" and not a.pad_to_max_tokens \
            and a.vocabulary_size != size:
        raise SymparamError(f"vocabulary_size must be the size of the listed vocabulary ({size} indices: terms, "
                            f"OOV and mask). Received: vocabulary_size = {a.vocabulary_size}.")
    return size


def depth(a, size, name: str):
    """The length of an encoded vector: max_tokens when padded to it, else the vocabulary size."""
    if a.pad_to_max_tokens:
        return a.max_tokens
    if size is None:
        raise SymparamError(f'output_mode "{a.output_mode}" encodes over the vocabulary, and this {name} has none '
                            "yet (it is still to be adapted): give vocabulary_size (the number of indices: terms, "
                            "OOV and mask) or the vocabulary.")
    return size


def check_modes(a) -> None:
    """What Keras's IndexLookup (and TextVectorization) refuse of output_mode, sparse, idf_weights and max_tokens."""
    if a.pad_to_max_tokens and a.max_tokens is None:
        raise SymparamError("pad_to_max_tokens = true needs max_tokens. Received: max_tokens unset.")
    if a.sparse and a.output_mode == "int":
        raise SymparamError('sparse = true may only be used with output_mode "one_hot", "multi_hot", "count" or '
                            '"tf_idf". Received: output_mode = "int".')
    if a.idf_weights is not None and a.output_mode != "tf_idf":
        raise SymparamError(f'idf_weights may only be given with output_mode "tf_idf". Received: output_mode = '
                            f'{show(a.output_mode)}.')
    if a.output_mode == "tf_idf" and a.vocabulary is not None:
        if a.idf_weights is None:
            raise SymparamError('output_mode "tf_idf" with a vocabulary needs idf_weights (one per term). '
                                "Received: no idf_weights.")
        if len(a.idf_weights) != len(a.vocabulary):
            raise SymparamError(f"idf_weights must give one weight per vocabulary term. Received: "
                                f"{len(a.idf_weights)} weights for {len(a.vocabulary)} terms.")


class IndexLookup(LayerKind):
    """What StringLookup and IntegerLookup share: Keras's IndexLookup."""
    saves = ("none",)
    no_twin = NO_TORCH
    no_params = ("the vocabulary is a lookup table (and tf_idf's weights a tf.Variable) that Keras keeps outside "
                 "its weights")

    def build(self, a, inputs, b):
        (x,) = inputs
        if a.num_oov_indices < 0:
            raise SymparamError(f"num_oov_indices must be an integer >= 0. Received: num_oov_indices = "
                                f"{a.num_oov_indices}.")
        if a.invert and a.output_mode != "int":
            raise SymparamError(f'invert = true needs output_mode "int". Received: output_mode = '
                                f'{show(a.output_mode)}.')
        check_salt(a.salt, a.oov_method == "farmhash" or self.term is str)
        check_modes(a)
        size = vocabulary_size(a, b, a.mask_token, a.oov_token, a.num_oov_indices, a.invert)
        b.cost("elementwise", values_of(x), words="one table lookup per token")
        if a.output_mode == "int":
            return x
        return encoded(b, a.output_mode, x, depth(a, size, self.name), "vocabulary_size")

    @classmethod
    def input_dtype(cls, a):
        return "int64" if cls.term is int or a.invert else "string"

    @classmethod
    def keras_kwargs(cls, a, written):
        return placeholder_terms(a, written, cls.term, a.mask_token, a.oov_token, a.num_oov_indices)

    @classmethod
    def imported(cls, table):
        return sized(table)


class Placeholders(list):
    """Numbered placeholder terms, which exported code writes as the expression `source` (not term by term)."""

    def __init__(self, first, n: int, text: bool) -> None:
        super().__init__([f"term{i}" for i in range(first, first + n)] if text else range(first, first + n))
        self.source = (f'[f"term{{i}}" for i in range({first}, {first + n})]' if text
                       else f"list(range({first}, {first + n}))")


def placeholder_terms(a, written: dict, term: type, mask, oov, num_oov: int) -> dict:
    """Exported code's arguments for a lookup given vocabulary_size and no terms: that many indices filled with
    placeholder terms ("term1", ...; IntegerLookup: integers above its special tokens), so that the layer it
    builds can be called (Keras's vocabulary_size argument alone leaves the lookup table empty)."""
    if a.vocabulary is not None or a.vocabulary_size is None:
        return written
    start = token_start(a, mask, num_oov)
    n = int(a.vocabulary_size) - start
    if n < 1:
        raise SymparamError(f"cannot be exported: vocabulary_size {a.vocabulary_size} leaves no term besides the "
                            f"{start} OOV and mask indices (Keras cannot set an empty vocabulary).")
    if n > MAX_TERMS:
        raise SymparamError(f"cannot be exported: vocabulary_size {a.vocabulary_size} would write more than "
                            f"{MAX_TERMS} placeholder terms.")
    if term is int:
        terms = Placeholders(max([t for t in (mask, oov) if t is not None] + [0]) + 1, n, text=False)
    else:
        terms = Placeholders(1, n, text=True)
    out = {k: v for k, v in written.items() if k != "vocabulary_size"}
    if a.output_mode == "tf_idf" and "idf_weights" not in out:
        out["idf_weights"] = [1.0] * n
    out["vocabulary"] = terms
    return out


def sized(table: dict) -> dict:
    """An imported lookup's arguments: Keras's config carries the vocabulary's size beside its terms, and the size
    is all the count needs, so a vocabulary of thousands of terms is not written into the spec."""
    if "vocabulary_size" not in table:
        return table
    return {k: v for k, v in table.items() if k not in ("vocabulary", "idf_weights")}


def check_salt(salt, allowed: bool) -> None:
    """salt: an integer or a list of two, where the layer hashes strings (Keras refuses it otherwise)."""
    if salt is None or (isinstance(salt, str) and salt.lower() == "none"):
        return
    if not allowed:
        raise SymparamError(f'salt may only be used with oov_method = "farmhash". Received: salt = {show(salt)}.')
    two = isinstance(salt, list) and len(salt) == 2 and all(type(s) is int for s in salt)
    if not (two or type(salt) is int):
        raise SymparamError(f"salt must be an integer or a list of two integers. Received: salt = {show(salt)}.")


@register
class StringLookup(IndexLookup):
    name = "StringLookup"
    term = str
    example = ({"vocabulary": ["the", "a", "of"], "output_mode": "multi_hot"}, ["n"], {"n": 20})
    summary = "maps string tokens to vocabulary indices, or encodes them as vectors over the vocabulary"
    args = {**lookup_args(str, "[UNK]"), "encoding": Opaque("utf-8")}


@register
class IntegerLookup(IndexLookup):
    name = "IntegerLookup"
    term = int
    example = ({"vocabulary": [3, 5, 7], "output_mode": "one_hot"}, ["n"], {"n": 4})
    summary = "maps integer tokens to vocabulary indices, or encodes them as vectors over the vocabulary"
    args = {**lookup_args(int, -1), "vocabulary_dtype": Choice("int64", default="int64", any_case=False)}

