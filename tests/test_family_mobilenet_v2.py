"""examples/mobilenet_v2.toml, the MobileNetV2 family: every width multiplier alpha Keras publishes, at its sizes and
others, by --set only, exact against keras.applications.MobileNetV2 built live (weights=None): totals, trainable,
non-trainable, and every row against the Keras layers it stands for (a stage's repeat row block_4-5/expand stands
for Keras's block_4_expand and block_5_expand). The --symbolic total is one formula in alpha and classes, checked
against a count by hand from Keras's own _make_divisible at many alphas."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
import sympy

from symparam.api import load
from test_families import EXAMPLES, assert_matches_keras, derived, weights_size

MOBILENET_V2 = EXAMPLES / "mobilenet_v2.toml"

# (alpha, img_size, classes): each published alpha at a published size, odd sides (Keras's correct_pad pads one row
# before only there), other class counts, and alphas Keras publishes no weights for
VARIANTS = [("0.35", 96, 1000), ("0.5", 128, 1000), ("0.75", 160, 1000), ("1.0", 224, 1000), ("1.3", 192, 1000),
            ("1.4", 224, 1000), ("1.0", 97, 10), ("0.35", 33, 7), ("1.4", 35, 3), ("0.6", 128, 5), ("1.1", 32, 1000)]
BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
          (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
ALPHA = sympy.Symbol("alpha", rational=True, positive=True)
CLASSES = sympy.Symbol("classes", integer=True, positive=True)


@pytest.fixture(scope="module")
def keras_model(keras):
    """Each variant's Keras model, built once when a test first needs it (an xdist worker builds only its own)."""
    built = {}

    def model(variant):
        if variant not in built:
            alpha, size, classes = variant
            built[variant] = keras.applications.MobileNetV2(weights=None, alpha=float(alpha),
                                                            input_shape=(size, size, 3), classes=classes)
        return built[variant]
    return model


@pytest.fixture(scope="module")
def make_divisible(keras):
    from keras.src.applications.mobilenet_v2 import _make_divisible
    return _make_divisible


@pytest.fixture(scope="module")
def symbolic():
    return load(MOBILENET_V2, symbolic=True)


def blocks_of(use: str) -> list[int]:
    """The Keras block ids a use stands for: block_7-9 -> [7, 8, 9], block_1 -> [1], expanded_conv -> [0]."""
    found = re.fullmatch(r"block_(\d+)(?:-(\d+))?", use)
    if use == "expanded_conv" or found is None:
        return [0] if use == "expanded_conv" else []
    first, last = int(found[1]), int(found[2] or found[1])
    return list(range(first, last + 1))


def keras_pattern(name: str) -> str:
    """block_7-9/expand -> block_(7|8|9)_expand; expanded_conv/project -> expanded_conv_project; the pooling layer
    Keras leaves unnamed carries a session counter."""
    use, sep, inner = name.partition("/")
    if sep and use != "expanded_conv":
        return "block_(" + "|".join(map(str, blocks_of(use))) + ")_" + re.escape(inner)
    if name == "global_average_pooling2d":
        return r"global_average_pooling2d(_\d+)?"
    return re.escape(name.replace("/", "_"))


def copies(row: dict) -> int:
    use, sep, _ = row["name"].partition("/")
    return len(blocks_of(use)) if sep else 1


def assert_mobilenet_v2_matches(doc: dict, model) -> None:
    """symparam's JSON document against a live Keras MobileNetV2: totals and every row (test_families' check), then
    each row's type and output shape against every Keras layer it stands for (a repeat's copies keep the shape)."""
    assert_matches_keras(doc, model, keras_pattern, copies)
    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    assert len(layers) == sum(copies(row) for row in doc["layers"])
    for row in doc["layers"]:
        for layer in (l for l in layers if re.fullmatch(keras_pattern(row["name"]), l.name)):
            assert type(layer).__name__ == row["type"], row["name"]
            assert row["output_shape"] == [int(d) for d in layer.output.shape[1:]], row["name"]


def keras_count(alpha: float, classes: int, make_divisible) -> tuple[int, int]:
    """(total, non-trainable) of Keras's MobileNetV2 by hand, with Keras's own _make_divisible and its float
    arithmetic: a 3x3 stem; per block an expansion (1x1, 6x the input's channels; none in block 0), a 3x3 depthwise
    convolution, a 1x1 projection to make_divisible(int(filters*alpha), 8); BatchNormalization after each
    convolution (4 values per channel, 2 of them moving statistics); a 1x1 convolution to 1280 filters (more for
    alpha > 1), then the classifier."""
    channels = make_divisible(32 * alpha, 8)
    weights, normalized = 3 * 3 * 3 * channels, channels
    for i, (filters, _, expansion) in enumerate(BLOCKS):
        hidden = channels * expansion
        if i:
            weights += channels * hidden
            normalized += hidden
        out = make_divisible(int(filters * alpha), 8)
        weights += 3 * 3 * hidden + hidden * out
        normalized += hidden + out
        channels = out
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    weights += channels * last + last * classes + classes
    normalized += last
    return weights + 4 * normalized, 2 * normalized


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(map(str, v)))
def test_mobilenet_v2_exact_against_keras(variant, keras_model, make_divisible, capsys):
    alpha, size, classes = variant
    doc = derived(capsys, MOBILENET_V2, {"alpha": alpha, "img_size": size, "classes": classes})
    model = keras_model(variant)
    assert_mobilenet_v2_matches(doc, model)
    # and the by-hand count the symbolic test below relies on is Keras's
    assert keras_count(float(alpha), classes, make_divisible) == (model.count_params(),
                                                                  weights_size(model.non_trainable_weights))


def test_symbolic_total_is_a_formula_in_alpha_and_classes(symbolic, make_divisible):
    """One formula, with Keras's rounding as floors and pieces; bound at alpha = 0.05, 0.10, ..., 3 and at 0.30,
    0.33, ..., 1.50 (where Keras's float arithmetic and int() could differ from exact fractions), it is the count by
    hand from Keras's own _make_divisible."""
    total, non_trainable = symbolic.total, symbolic.non_trainable
    assert total.free_symbols == {ALPHA, CLASSES}                     # img_size is gone: global average pooling
    assert total.has(sympy.floor) and total.has(sympy.Piecewise)
    assert non_trainable.free_symbols == {ALPHA}
    alphas = {sympy.Rational(m, 20) for m in range(1, 61)} | {sympy.Rational(m, 100) for m in range(30, 151, 3)}
    for alpha in sorted(alphas):
        at_alpha, statistics = total.xreplace({ALPHA: alpha}), non_trainable.xreplace({ALPHA: alpha})
        for classes in (1000, 10):
            bound = (at_alpha.xreplace({CLASSES: classes}), statistics)
            assert bound == keras_count(float(alpha), classes, make_divisible), alpha


def test_symbolic_total_piece_for_alpha_one_is_published(symbolic):
    """Where alpha <= 1 the last convolution keeps 1280 filters: MobileNetV2 1.0 is keras.io's 3,538,984, and the
    classifier is 1280*classes + classes of it."""
    assert symbolic.total.xreplace({ALPHA: 1, CLASSES: 1000}) == 3_538_984
    assert sympy.expand(symbolic.total.xreplace({ALPHA: 1}) - symbolic.total.xreplace({ALPHA: 1, CLASSES: 0})) \
        == 1281 * CLASSES


def test_a_stage_repeat_is_one_row_counted_per_copy():
    """block_7-9 is one repeat of 3 copies: its rows carry the repeat, and they hold 3 blocks' worth of weights."""
    rows = {row.name: row for row in load(MOBILENET_V2).layers}
    assert rows["block_7-9/expand"].repeat == 3 and rows["block_7-9/add"].repeat == 3
    one_block = 64 * 384 + 4 * 384 + 9 * 384 + 4 * 384 + 384 * 64 + 4 * 64     # 64 -> 384 -> 64 channels
    assert sum(int(r.params) for name, r in rows.items() if name.startswith("block_7-9/")) == 3 * one_block


def test_below_alpha_028_keras_also_adds_in_block_0(keras):
    """A known difference, parameter-free: where Keras's rounding gives block 0 as many channels out as in (alpha
    below 0.28) Keras adds its input (expanded_conv_add); the spec's Adds are the stage repeats'. Counts agree."""
    model = keras.applications.MobileNetV2(weights=None, alpha=0.25, input_shape=(32, 32, 3))
    net = load(MOBILENET_V2, alpha=Fraction(1, 4), img_size=32)
    assert (int(net.total), int(net.non_trainable)) == (model.count_params(),
                                                        weights_size(model.non_trainable_weights))
    assert "expanded_conv_add" in [l.name for l in model.layers]
    assert "expanded_conv/add" not in [row.name for row in net.layers]
