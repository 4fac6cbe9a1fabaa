"""The family gallery (examples/densenet.toml, ...): one spec per architecture family, every variant by --set,
exact against keras.applications built live (weights=None, small images where the model allows), and a symbolic
total that is a closed form over the depths, not an unrolled loop.

A dense block is one repeat whose copies grow, so one symparam row stands for all of Keras's copies of a layer:
`conv2_block/1_conv` is the sum of Keras's conv2_block1_1_conv ... conv2_blockN_1_conv."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sympy

from symparam.api import load
from symparam.cli import main

os.environ.setdefault("KERAS_BACKEND", "torch")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DENSENET = EXAMPLES / "densenet.toml"

# (blocks, classes, img_size): Keras's DenseNet121/169/201, and others (a dense block of 0 conv blocks included)
DENSENET_VARIANTS = {
    "DenseNet121": ((6, 12, 24, 16), 1000, 32),
    "DenseNet169": ((6, 12, 32, 32), 1000, 32),
    "DenseNet201": ((6, 12, 48, 32), 1000, 32),
    "small, 10 classes, 64 px": ((2, 0, 3, 1), 10, 64),
}


@pytest.fixture(scope="module")
def keras_densenets(keras):
    from keras.src.applications import densenet   # the builder behind DenseNet121/169/201, taking any blocks

    return {name: densenet.DenseNet(list(blocks), include_top=True, weights=None, input_shape=(size, size, 3),
                                    classes=classes)
            for name, (blocks, classes, size) in DENSENET_VARIANTS.items()}


def densenet_settings(blocks, classes, size) -> dict[str, int]:
    return {**{f"blocks{i}": b for i, b in enumerate(blocks, 1)}, "classes": classes, "img_size": size}


def weights_size(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def keras_pattern(row_name: str) -> str:
    """The Keras layer names a symparam row stands for: conv2_block/1_conv -> conv2_blockN_1_conv (every copy),
    pool2/bn -> pool2_bn."""
    use, sep, inner = row_name.partition("/")
    if sep and use.endswith("_block"):
        return re.escape(use) + r"\d+_" + re.escape(inner)
    return re.escape(row_name.replace("/", "_"))


def derived(capsys, spec: Path, settings: dict) -> dict:
    """symparam's JSON document of `spec` through the CLI, every setting by --set."""
    import json

    argv = [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(["derive", str(spec), "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def assert_matches_keras(doc: dict, model, pattern, copies=lambda row: 1, skip=()) -> None:
    """Totals, then every row against the Keras layers `pattern(row name)` matches (`copies(row)` of them: a
    repeat's row stands for all its copies), and every Keras layer claimed by one row. Layers of types in `skip`
    (parameter-free, with session-numbered names) are matched by count only."""
    assert doc["total"] == model.count_params()
    assert doc["trainable"] == weights_size(model.trainable_weights)
    assert doc["non_trainable"] == weights_size(model.non_trainable_weights)
    layers = [l for l in model.layers if type(l).__name__ != "InputLayer"]
    claimed: set[str] = set()
    for row in doc["layers"]:
        if row["type"] in skip:
            continue
        matched = [l for l in layers if re.fullmatch(pattern(row["name"]), l.name)]
        assert len(matched) == copies(row), (row["name"], [l.name for l in matched])
        assert row["params"] == sum(l.count_params() for l in matched), row["name"]
        assert row["trainable"] == sum(weights_size(l.trainable_weights) for l in matched), row["name"]
        if copies(row) == 1 and not any(isinstance(d, str) for d in row["output_shape"]):
            assert row["output_shape"] == [int(d) for d in matched[0].output.shape[1:]], row["name"]
        claimed.update(l.name for l in matched)
    rest = [l for l in layers if l.name not in claimed]
    assert sorted(type(l).__name__ for l in rest) == sorted(r["type"] for r in doc["layers"] if r["type"] in skip)


@pytest.mark.parametrize("variant", sorted(DENSENET_VARIANTS))
def test_densenet_exact_against_keras(variant, keras_densenets, capsys):
    blocks, classes, size = DENSENET_VARIANTS[variant]
    doc = derived(capsys, DENSENET, densenet_settings(blocks, classes, size))

    def copies(row):
        use = row["name"].split("/")[0]
        return blocks[int(use[4]) - 2] if use.endswith("_block") else 1
    assert_matches_keras(doc, keras_densenets[variant], keras_pattern, copies, skip=("ZeroPadding2D",))


def test_densenet_defaults_are_densenet121():
    net = load(DENSENET)
    assert (net.total, net.trainable, net.non_trainable) == (8_062_504, 7_978_856, 83_648)   # Keras's published


def test_densenet_symbolic_total_is_a_closed_form_over_the_depths():
    net = load(DENSENET, symbolic=True)
    k = sympy.Symbol("growth_rate", integer=True, positive=True)
    b = [sympy.Symbol(f"blocks{i}", integer=True, nonnegative=True) for i in range(1, 5)]
    total = sympy.expand(net.total)
    assert total.free_symbols == {k, *b, sympy.Symbol("classes", integer=True, positive=True)}
    # one row per layer of a conv block, whatever the depth: the copies are summed, never unrolled
    deep = load(DENSENET, blocks3=48, blocks4=32)
    assert len(deep.layers) == len(net.layers) == len(load(DENSENET, blocks1=1, blocks2=1, blocks3=1, blocks4=1).layers)
    # quadratic in each block count (a dense block's 1x1 conv reads c0 + i*k channels: the sum over i is n(n-1)/2)
    free = total.replace(sympy.floor, lambda x: x)
    for symbol in b:
        assert sympy.Poly(free, symbol).degree() == 2
    # bound, it is every variant's number
    for blocks, classes, size in DENSENET_VARIANTS.values():
        values = {**{s: v for s, v in zip(b, blocks)}, k: 32, sympy.Symbol("classes", integer=True, positive=True):
                  classes}
        assert total.xreplace(values) == load(DENSENET, **densenet_settings(blocks, classes, size)).total


def test_densenet_leading_term_in_growth_rate():
    """The docs' leading term: with the floors dropped (k even: int(c/2) is exact), the k^2 coefficient."""
    net = load(DENSENET, symbolic=True)
    k = sympy.Symbol("growth_rate", integer=True, positive=True)
    b1, b2, b3, b4 = (sympy.Symbol(f"blocks{i}", integer=True, nonnegative=True) for i in range(1, 5))
    free = sympy.expand(net.total.replace(sympy.floor, lambda x: x))
    leading = sympy.Poly(free, k).LC()
    # By hand. A dense block of n copies on c + a*k input channels: copy i's 1x1 conv has (c + (a + i)*k)*4k weights
    # and its 3x3 conv 9*4k*k, so k^2 has 4a + 4i + 36 per copy, 4a*n + 2n^2 + 34n per block. A transition on
    # c + A*k channels has a (c + A*k) x (c + A*k)/2 conv: A^2/2, and passes on c/2 + (A/2)*k.
    a2 = b1 / 2                       # block 2 reads 32 + (b1/2)k, block 3 16 + (b1/4 + b2/2)k, block 4 ...
    a3 = (a2 + b2) / 2
    a4 = (a3 + b3) / 2
    blocks = sum(4 * a * n + 2 * n**2 + 34 * n for a, n in ((0, b1), (a2, b2), (a3, b3), (a4, b4)))
    transitions = sum(A**2 / 2 for A in (b1, a2 + b2, a3 + b3))
    expected = sympy.expand(blocks + transitions)
    assert expected.coeff(b1, 2) == sympy.Rational(85, 32)      # the docs' coefficients
    assert sympy.expand(leading - expected) == 0, leading


# --- MobileNet ------------------------------------------------------------------------------------------------------

MOBILENET = EXAMPLES / "mobilenet.toml"
# (alpha, depth_multiplier, img_size, classes): every alpha Keras publishes, at every published size, and others
MOBILENET_VARIANTS = [("0.25", 1, 128, 1000), ("0.5", 1, 160, 1000), ("0.75", 1, 192, 1000), ("1.0", 1, 224, 1000),
                      ("0.75", 2, 128, 10), ("0.35", 1, 96, 7)]


@pytest.fixture(scope="module")
def keras_mobilenets(keras):
    return {v: keras.applications.MobileNet(input_shape=(v[2], v[2], 3), alpha=float(v[0]), depth_multiplier=v[1],
                                            weights=None, classes=v[3]) for v in MOBILENET_VARIANTS}


def mobilenet_pattern(name: str) -> str:
    """1/conv_dw_bn -> conv_dw_1_bn (a block's layers are named after its block_id, as Keras's); the unnamed
    pooling layer is Keras's global_average_pooling2d with a session counter."""
    if name == "global_average_pooling2d":
        return r"global_average_pooling2d(_\d+)?"
    return re.escape(re.sub(r"^(\d+)/conv_(dw|pw|pad)(.*)$", r"conv_\2_\1\3", name))


@pytest.mark.parametrize("variant", MOBILENET_VARIANTS, ids=lambda v: "-".join(map(str, v)))
def test_mobilenet_exact_against_keras(variant, keras_mobilenets, capsys):
    alpha, multiplier, size, classes = variant
    doc = derived(capsys, MOBILENET, {"alpha": alpha, "depth_multiplier": multiplier, "img_size": size,
                                      "classes": classes})
    assert_matches_keras(doc, keras_mobilenets[variant], mobilenet_pattern)


def test_mobilenet_published_totals():
    """Keras's documented MobileNet sizes (keras.io/api/applications): 4.3M at alpha 1, and the 0.25 model."""
    assert load(MOBILENET).total == 4_253_864
    assert load(MOBILENET, alpha=0.25).total == 475_544


def test_mobilenet_symbolic_total_is_in_alpha_with_keras_floors():
    total = load(MOBILENET, symbolic=True).total
    alpha = sympy.Symbol("alpha", rational=True, positive=True)
    assert alpha in total.free_symbols and total.has(sympy.floor)
    for value in (sympy.Rational(1, 4), sympy.Rational(7, 20), 1):
        bound = total.xreplace({alpha: value, sympy.Symbol("depth_multiplier", integer=True, positive=True): 1,
                                sympy.Symbol("classes", integer=True, positive=True): 1000})
        assert bound == load(MOBILENET, alpha=value).total


# --- ResNet ---------------------------------------------------------------------------------------------------------

RESNET = EXAMPLES / "resnet.toml"
RESNET_VARIANTS = {"ResNet50": ((3, 4, 6, 3), 1000), "ResNet101": ((3, 4, 23, 3), 1000),
                   "ResNet152": ((3, 8, 36, 3), 1000), "small, 10 classes": ((1, 2, 1, 1), 10)}


@pytest.fixture(scope="module")
def keras_resnets(keras):
    from keras.src.applications import resnet   # the builder behind ResNet50/101/152, taking any stage depths

    def build(blocks, classes):
        def stack_fn(x):
            x = resnet.stack_residual_blocks_v1(x, 64, blocks[0], stride1=1, name="conv2")
            x = resnet.stack_residual_blocks_v1(x, 128, blocks[1], name="conv3")
            x = resnet.stack_residual_blocks_v1(x, 256, blocks[2], name="conv4")
            return resnet.stack_residual_blocks_v1(x, 512, blocks[3], name="conv5")
        return resnet.ResNet(stack_fn, False, True, weights=None, input_shape=(32, 32, 3), classes=classes)
    return {name: build(*variant) for name, variant in RESNET_VARIANTS.items()}


def resnet_pattern(name: str) -> str:
    """conv2_block1/0_conv -> conv2_block1_0_conv; conv2_block/1_conv (the repeat) -> conv2_blockN_1_conv, N >= 2."""
    use, sep, inner = name.partition("/")
    if sep and use.endswith("_block"):
        return re.escape(use) + r"([2-9]|\d\d+)_" + re.escape(inner)
    return re.escape(name.replace("/", "_"))


@pytest.mark.parametrize("variant", sorted(RESNET_VARIANTS))
def test_resnet_exact_against_keras(variant, keras_resnets, capsys):
    blocks, classes = RESNET_VARIANTS[variant]
    doc = derived(capsys, RESNET, {**{f"blocks{i}": b for i, b in enumerate(blocks, 1)}, "classes": classes,
                                   "img_size": 32})

    def copies(row):
        use = row["name"].split("/")[0]
        return blocks[int(use[4]) - 2] - 1 if use.endswith("_block") else 1
    assert_matches_keras(doc, keras_resnets[variant], resnet_pattern, copies)


def test_resnet_published_totals_and_linear_symbolic_total():
    assert load(RESNET).total == 25_636_712                                 # keras.io: ResNet50 25.6M
    assert load(RESNET, blocks3=23).total == 44_707_176                     # ResNet101 44.7M
    assert load(RESNET, blocks2=8, blocks3=36).total == 60_419_944          # ResNet152 60.4M
    total = sympy.expand(load(RESNET, symbolic=True).total)
    for i in range(1, 5):
        assert sympy.Poly(total, sympy.Symbol(f"blocks{i}", integer=True, positive=True)).degree() == 1


# --- ResNetV2 -------------------------------------------------------------------------------------------------------

RESNET_V2 = EXAMPLES / "resnet_v2.toml"
RESNET_V2_VARIANTS = {"ResNet50V2": ((3, 4, 6, 3), 1000), "ResNet101V2": ((3, 4, 23, 3), 1000),
                      "ResNet152V2": ((3, 8, 36, 3), 1000), "small, 10 classes": ((2, 3, 2, 2), 10)}


@pytest.fixture(scope="module")
def keras_resnets_v2(keras):
    from keras.src.applications import resnet   # the builder behind ResNet50V2/101V2/152V2

    def build(blocks, classes):
        def stack_fn(x):
            x = resnet.stack_residual_blocks_v2(x, 64, blocks[0], name="conv2")
            x = resnet.stack_residual_blocks_v2(x, 128, blocks[1], name="conv3")
            x = resnet.stack_residual_blocks_v2(x, 256, blocks[2], name="conv4")
            return resnet.stack_residual_blocks_v2(x, 512, blocks[3], stride1=1, name="conv5")
        return resnet.ResNet(stack_fn, True, True, weights=None, input_shape=(32, 32, 3), classes=classes)
    return {name: build(*variant) for name, variant in RESNET_V2_VARIANTS.items()}


@pytest.mark.parametrize("variant", sorted(RESNET_V2_VARIANTS))
def test_resnet_v2_exact_against_keras(variant, keras_resnets_v2, capsys):
    blocks, classes = RESNET_V2_VARIANTS[variant]
    doc = derived(capsys, RESNET_V2, {**{f"blocks{i}": b for i, b in enumerate(blocks, 1)}, "classes": classes,
                                      "img_size": 32})

    def pattern(name):
        """conv2_last -> conv2_block{blocks1}; the middle repeat conv2_block/... -> blocks 2 .. blocks1 - 1."""
        use, sep, inner = name.partition("/")
        depth = blocks[int(use[4]) - 2] if sep else 0
        if use.endswith("_last"):
            return re.escape(f"{use[:5]}_block{depth}_{inner}")
        if use.endswith("_block"):
            middle = "|".join(str(i) for i in range(2, depth))
            return re.escape(use) + f"({middle})_" + re.escape(inner) if middle else "$^"
        return re.escape(name.replace("/", "_"))

    def copies(row):
        use = row["name"].split("/")[0]
        return blocks[int(use[4]) - 2] - 2 if use.endswith("_block") else 1
    assert_matches_keras(doc, keras_resnets_v2[variant], pattern, copies, skip=("MaxPooling2D",))


def test_resnet_v2_published_totals():
    assert load(RESNET_V2).total == 25_613_800                              # keras.io: ResNet50V2 25.6M
    assert load(RESNET_V2, blocks3=23).total == 44_675_560                  # ResNet101V2 44.7M
    assert load(RESNET_V2, blocks2=8, blocks3=36).total == 60_380_648       # ResNet152V2 60.4M


# --- EfficientNet ---------------------------------------------------------------------------------------------------

EFFICIENTNET = EXAMPLES / "efficientnet.toml"
# B0..B7: (width_coefficient, depth_coefficient, Keras's default size); built at 32 px (the count does not depend on
# it; the shapes are checked there), and B0 at 33 px (an odd side: correct_pad pads differently)
EFFICIENTNET_VARIANTS = {"B0": ("1.0", "1.0", 32), "B1": ("1.0", "1.1", 32), "B2": ("1.1", "1.2", 32),
                         "B3": ("1.2", "1.4", 32), "B0 at 33 px": ("1.0", "1.0", 33)}
# B4..B7 take minutes to build in Keras (19M to 66M weights initialised), so their counts (total, non-trainable)
# were read once from keras.applications.EfficientNetB4..B7(weights=None, input_shape=(32, 32, 3)) on Keras 3 /
# torch (count_params() and the non-trainable weights' sizes; the totals are also keras.io's published ones)
EFFICIENTNET_LARGE = {"B4": (("1.4", "1.8", 380), 19_466_823, 125_207), "B5": (("1.6", "2.2", 456), 30_562_527, 172_743),
                      "B6": (("1.8", "2.6", 528), 43_265_143, 224_439), "B7": (("2.0", "3.1", 600), 66_658_687, 310_727)}
EFFICIENTNET_REPEATS = (1, 2, 2, 3, 3, 4, 1)   # Keras's blocks_args, before round_repeats


@pytest.fixture(scope="module")
def keras_efficientnets(keras):
    def build(variant):
        model = variant.split()[0]
        return getattr(keras.applications, f"EfficientNet{model}")(weights=None, input_shape=(
            EFFICIENTNET_VARIANTS[variant][2],) * 2 + (3,))
    return {variant: build(variant) for variant in EFFICIENTNET_VARIANTS}


def efficientnet_pattern(name: str) -> str:
    """block2a/dwconv -> block2a_dwconv; block2b/dwconv (the repeat) -> block2b_dwconv, block2c_dwconv, ...;
    Keras's unnamed rescaling and normalization carry session counters."""
    use, sep, inner = name.partition("/")
    if sep and use.endswith("b"):
        return re.escape(use[:-1]) + "[b-z]_" + re.escape(inner)
    if name in ("rescaling", "normalization"):
        return name + r"(_\d+)?"
    return re.escape(name.replace("/", "_"))


@pytest.mark.parametrize("variant", list(EFFICIENTNET_VARIANTS))
def test_efficientnet_exact_against_keras(variant, keras_efficientnets, capsys):
    import math

    width, depth, size = EFFICIENTNET_VARIANTS[variant]
    doc = derived(capsys, EFFICIENTNET, {"width_coefficient": width, "depth_coefficient": depth, "img_size": size})

    def copies(row):
        use = row["name"].split("/")[0]
        if "/" in row["name"] and use.endswith("b"):   # Keras's round_repeats, in floats as Keras computes it
            return int(math.ceil(float(depth) * EFFICIENTNET_REPEATS[int(use[5]) - 1])) - 1
        return 1
    assert_matches_keras(doc, keras_efficientnets[variant], efficientnet_pattern, copies)


@pytest.mark.parametrize("variant", sorted(EFFICIENTNET_LARGE))
def test_efficientnet_large_variants(variant, capsys):
    (width, depth, size), total, non_trainable = EFFICIENTNET_LARGE[variant]
    doc = derived(capsys, EFFICIENTNET, {"width_coefficient": width, "depth_coefficient": depth, "img_size": size})
    assert (doc["total"], doc["non_trainable"]) == (total, non_trainable)
