"""Whole example networks against real Keras: the lesson's CNN (examples/cnn.toml) as a keras.Sequential at
several image sizes, and examples/attention_block.toml as a functional keras.Model. Layer by layer the facts must
agree (tests/oracle/cases.py's Facts), and so must the totals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import symparam
from oracle.cases import record_facts
from symparam.errors import SymparamError

REPO = Path(__file__).resolve().parents[2]
LESSON_SPEC = REPO / "examples" / "cnn.toml"
ATTENTION_BLOCK = REPO / "examples" / "attention_block.toml"

LESSON_LAYERS = [
    ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 128, "kernel_size": 3, "padding": "same", "activation": "relu"}),
    ("Conv2D", {"filters": 256, "kernel_size": 1, "padding": "same", "activation": "relu"}),
    ("GlobalAveragePooling2D", {}),
    ("Dense", {"units": 10, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]
NOT_KERAS_LAYERS = {"Input", "InputLayer"}  # a spec may list its input; a Sequential's layers do not


def model_facts(layers, input_shape):
    from oracle.keras_facts import keras_model_facts

    return keras_model_facts(layers, input_shape)


def assert_network_matches_keras(derived: Any, img_size: int) -> None:
    keras_layers, keras_total = model_facts(LESSON_LAYERS, (img_size, img_size, 3))
    layers = [layer for layer in derived.layers if str(layer.type) not in NOT_KERAS_LAYERS]
    assert [str(layer.type) for layer in layers] == [t for t, _ in keras_layers]
    for index, (layer, (type_name, expected)) in enumerate(zip(layers, keras_layers), start=1):
        assert record_facts(layer) == expected, f"layer {index} {layer.name!r} ({type_name}) differs from Keras"
    assert sum(int(layer.trainable) for layer in layers) == keras_total.trainable
    assert sum(int(layer.non_trainable) for layer in layers) == keras_total.non_trainable
    assert (int(derived.total), int(derived.trainable), int(derived.non_trainable)) == (
        keras_total.params, keras_total.trainable, keras_total.non_trainable)


def test_lesson_network_matches_keras_sequential(keras):
    from symparam.api import derive_spec_file

    _, keras_total = model_facts(LESSON_LAYERS, (32, 32, 3))
    assert keras_total.params == 128_952  # the oracle itself: 896+18496+73856+33024+2570+110
    assert_network_matches_keras(derive_spec_file(str(LESSON_SPEC)), 32)


@pytest.mark.parametrize("img_size", [2, 9, 64])
def test_lesson_network_at_other_image_sizes(keras, img_size):
    assert_network_matches_keras(symparam.load(LESSON_SPEC, img_size=img_size), img_size)


def test_lesson_network_refused_where_keras_refuses(keras):
    """img_size = 1: the 2x2 max pooling would output 0 rows; Keras refuses to build."""
    with pytest.raises(ValueError):
        model_facts(LESSON_LAYERS, (1, 1, 3))
    with pytest.raises(SymparamError):
        symparam.load(LESSON_SPEC, img_size=1)


def test_attention_block_example_derives():
    """The example's counts at its defaults, by hand: 4 projections of 64·4·16 + 64 and the two Dense layers."""
    net = symparam.load(ATTENTION_BLOCK)
    assert [layer.name for layer in net.layers] == ["cross_attention", "residual_1", "ffn_1", "ffn_2", "residual_2"]
    projection = 64 * 4 * 16 + 4 * 16
    assert [int(layer.params) for layer in net.layers] == [4 * projection, 0, 64 * 256 + 256, 256 * 64 + 64, 0]
    assert all(tuple(layer.output_shape) == (10, 64) for layer in net.layers if layer.name != "ffn_1")
    assert net.total == 4 * projection + 64 * 256 + 256 + 256 * 64 + 64 == 49_728
    sym = symparam.load(ATTENTION_BLOCK, symbolic=True)
    assert set(sym.free_symbols) == {"t_q", "d_model", "heads", "d_k", "d_ff"}   # t_v does not count
    assert sym.assumptions == ()


def test_attention_block_example_matches_keras(keras):
    net = symparam.load(ATTENTION_BLOCK, t_q=7, t_v=9, d_model=24, heads=3, d_k=8, d_ff=40)
    query, value = keras.Input((7, 24)), keras.Input((9, 24))
    attention = keras.layers.MultiHeadAttention(num_heads=3, key_dim=8, dropout=0.1)
    residual_1 = keras.layers.Add()([query, attention(query, value)])
    ffn_1 = keras.layers.Dense(40, activation="relu")
    ffn_2 = keras.layers.Dense(24)
    out = keras.layers.Add()([residual_1, ffn_2(ffn_1(residual_1))])
    model = keras.Model([query, value], out)
    assert int(net.total) == model.count_params()
    assert tuple(net.layers[-1].output_shape) == tuple(out.shape[1:])
    for layer, keras_layer in zip([net.layer("cross_attention"), net.layer("ffn_1"), net.layer("ffn_2")],
                                  [attention, ffn_1, ffn_2]):
        prefix = f"{keras_layer.name}/"
        assert [(v.name, tuple(int(d) for d in v.shape)) for v in layer.variables] == \
               [(v.path.removeprefix(prefix), tuple(v.shape)) for v in keras_layer.weights]
