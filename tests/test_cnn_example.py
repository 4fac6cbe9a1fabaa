"""The lesson's network, examples/cnn.toml: exactly the numbers Keras reports (as quoted in the lesson) and the
symbolic facts a symbolic tool should show."""

import sympy

import symparam
from symparam.api import load

# Keras's model.summary() for the lesson's network at img_size = 32 (quoted in the lesson; re-checked against live
# Keras in tests/layers/). Each also follows by hand: Conv1 3*3*3*32 + 32 = 896, Dense1 256*10 + 10 = 2570.
KERAS_PARAMS = [896, 18_496, 0, 73_856, 33_024, 0, 2_570, 110]
KERAS_SHAPES = [(32, 32, 32), (32, 32, 64), (16, 16, 64), (16, 16, 128), (16, 16, 256), (256,), (10,), (10,)]


def test_counts_and_shapes_at_the_default():
    net = load("examples/cnn.toml")
    assert [layer.name for layer in net.layers] == ["Conv1", "Conv2", "Max1", "Conv3", "Conv4", "GAP1", "Dense1",
                                                    "Output"]
    assert [int(layer.params) for layer in net.layers] == KERAS_PARAMS
    assert [tuple(int(d) for d in layer.output_shape) for layer in net.layers] == KERAS_SHAPES
    assert net.total == 128_952 and net.trainable == 128_952 and net.non_trainable == 0
    assert dict(net.bindings) == {"img_size": 32}
    assert net.free_symbols == []


def test_hand_derivation_of_each_layer():
    net = load("examples/cnn.toml")
    c_in = 3
    for layer in net.layers:
        if layer.type == "Conv2D":
            k_h, k_w, cin, f = (int(d) for d in layer.variables[0].shape)
            assert cin == c_in
            assert layer.params == k_h * k_w * cin * f + f
            c_in = f
    dense1 = net.layer("Dense1")
    assert dense1.params == 256 * 10 + 10


def test_total_does_not_depend_on_img_size_but_shapes_do():
    net = load("examples/cnn.toml", symbolic=True)
    img = sympy.Symbol("img_size", integer=True, positive=True)
    assert net.total == 128_952
    assert net.free_symbols == ["img_size"]
    assert net.layer("Conv1").output_shape == (img, img, 32)
    assert net.layer("Max1").output_shape == (sympy.floor(img / 2), sympy.floor(img / 2), 64)
    assert [str(c.relation) for _, c in net.assumptions] == ["img_size >= 2"]
    for size in (2, 7, 64, 224, 10**9):
        bound = net.subs(img_size=size)
        assert bound.total == 128_952
        assert bound.layer("Conv4").output_shape == (size // 2, size // 2, 256)


def test_notebook_api():
    net = symparam.load("examples/cnn.toml", img_size=64)
    assert net.layer("Max1").output_shape[0] == 32
    assert net.subs(img_size=10).layer("Max1").output_shape[0] == 5


def test_rows_add_up_to_the_totals():
    net = load("examples/cnn.toml", symbolic=True)
    assert sympy.expand(sum(layer.params for layer in net.layers) - net.total) == 0
    assert sympy.expand(net.trainable + net.non_trainable - net.total) == 0
    for layer in net.layers:
        assert sympy.expand(sum(v.size for v in layer.variables) - layer.params) == 0
