"""`symparam import` of Keras models with the lookup layers (StringLookup, IntegerLookup, Hashing, HashedCrossing,
TextVectorization) on string and integer inputs, from to_json() and from a `.keras` archive, checked against the
same models in live Keras 3 (torch backend; the layers run on TensorFlow). An adapted layer's config carries no
vocabulary (the archive keeps it in its assets) but its vocabulary_size, which is all the count and shapes need."""

from __future__ import annotations

import warnings

import pytest

from symparam.api import load_text
from symparam.importing import Options, convert

from .test_keras_config import assert_same, imported, keras

WORDS = ["the", "cat", "sat", "on", "mat", "dog"]


def text_classifier(vectorize):
    text = keras.Input((1,), dtype="string", name="text")
    x = vectorize(text)
    x = keras.layers.Embedding(vectorize.vocabulary_size(), 8, name="embed")(x)
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    return keras.Model(text, keras.layers.Dense(2, name="head")(x), name="classifier")


def test_a_text_classifier_and_the_lookups(tmp_path):
    vectorize = keras.layers.TextVectorization(vocabulary=WORDS, output_sequence_length=12, name="vectorize")
    text = keras.Input((1,), dtype="string", name="text")
    tags = keras.Input((3,), dtype="string", name="tags")
    year = keras.Input((1,), dtype="int64", name="year")
    city = keras.Input((1,), dtype="int64", name="city")
    words = keras.layers.GlobalAveragePooling1D(name="pool")(
        keras.layers.Embedding(len(WORDS) + 2, 8, name="embed")(vectorize(text)))
    tagged = keras.layers.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot", num_oov_indices=2,
                                       name="tag_lookup")(tags)
    years = keras.layers.IntegerLookup(vocabulary=[1999, 2000, 2001], output_mode="one_hot", mask_token=0,
                                       name="year_lookup")(year)
    hashed = keras.layers.Hashing(num_bins=16, output_mode="count", name="hashed")(tags)
    crossed = keras.layers.HashedCrossing(num_bins=10, output_mode="one_hot", name="crossed")([year, city])
    joined = keras.layers.Concatenate(name="joined")([words, tagged, years, hashed, crossed])
    model = keras.Model([text, tags, year, city], keras.layers.Dense(3, name="head")(joined), name="mixed")
    spec, net = imported(model, tmp_path)
    assert_same(model, net)
    assert "vocabulary = [" not in spec and "vocabulary_size = 8" in spec   # the size is written, not the terms
    assert [tuple(net.layers[i].output_shape) for i in range(len(net.layers)) if net.layers[i].name in
            ("tag_lookup", "year_lookup")] == [(4,), (4,)]   # 2 terms + 2 OOV; 3 terms + 1 OOV (no mask index)


@pytest.mark.parametrize("mode", ["int", "multi_hot", "tf_idf"])
def test_an_adapted_layer_from_a_keras_archive(tmp_path, mode):
    """Adapted layers: the archive's config has vocabulary null and vocabulary_size set."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vectorize = keras.layers.TextVectorization(output_mode=mode, name="vectorize",
                                                   **({"output_sequence_length": 5} if mode == "int" else {}))
        vectorize.adapt(["the cat sat", "on the mat", "a dog"])
        lookup = keras.layers.StringLookup(output_mode="count", name="lookup")
        lookup.adapt(["x", "y", "z", "x"])
        text = keras.Input((1,) if mode == "int" else (), dtype="string", name="text")   # one string each
        tags = keras.Input((4,), dtype="string", name="tags")
        x = vectorize(text)
        if mode == "int":
            x = keras.layers.Flatten(name="flat")(keras.layers.Embedding(vectorize.vocabulary_size(), 4,
                                                                         name="embed")(x))
        x = keras.layers.Concatenate(name="joined")([x, lookup(tags)])
        model = keras.Model([text, tags], keras.layers.Dense(2, name="head")(x), name="adapted")
        model.save(tmp_path / "adapted.keras")
    config = model.get_layer("lookup").get_config()
    assert config["vocabulary"] is None and config["vocabulary_size"] == 4
    assert_same(model, load_text(convert(str(tmp_path / "adapted.keras"), Options())))


def test_a_vocabulary_size_lifted_into_a_symbol(tmp_path):
    model = text_classifier(keras.layers.TextVectorization(max_tokens=50, output_mode="int", vocabulary=WORDS,
                                                           output_sequence_length=9, name="vectorize"))
    spec, net = imported(model, tmp_path, seq_len=9, vocab=len(WORDS) + 2)
    assert 'output_sequence_length = "seq_len"' in spec and 'vocabulary_size = "vocab"' in spec
    assert 'input_dim = "vocab"' in spec
    assert_same(model, net)
