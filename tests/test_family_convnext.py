"""examples/convnext.toml, the ConvNeXt family: ConvNeXtTiny/Small/Base/Large/XLarge by --set only, each exact (total,
trainable, non-trainable, every row) against keras.applications built live (weights=None, 32 px), and a net Keras
does not publish; the --symbolic total is a polynomial in the block counts, width and classes.

One symparam row of a stage stands for all of Keras's copies of that layer: stage_2_block/pointwise_conv_1 is the sum
of Keras's convnext_tiny_stage_2_block_0_pointwise_conv_1 ... _block_8_.... Keras's stem and downsampling layers sit
in Sequential sub-models, so the comparison looks inside them; its residual additions are operations (`inputs + x`),
not layers, so they are counted among the model's operations."""

from __future__ import annotations

import gc
import re
import types

import pytest
import sympy

from symparam.api import load
from test_cli_errors import assert_one_line, run
from test_families import EXAMPLES, assert_matches_keras, derived

CONVNEXT = EXAMPLES / "convnext.toml"

# name: (blocks, width, classes, img_size, include_preprocessing); Keras's depths and projection_dims[0]
VARIANTS = {
    "ConvNeXtTiny": ((3, 3, 9, 3), 96, 1000, 32, True),
    "ConvNeXtSmall": ((3, 3, 27, 3), 96, 1000, 32, True),
    "ConvNeXtBase": ((3, 3, 27, 3), 128, 1000, 32, True),
    "ConvNeXtLarge": ((3, 3, 27, 3), 192, 1000, 32, True),
    "ConvNeXtXLarge": ((3, 3, 27, 3), 256, 1000, 32, True),
    "other: 0-block stage, 10 classes, 45 px, no preprocessing": ((1, 0, 2, 1), 40, 10, 45, False),
}


@pytest.fixture(scope="module")
def build_convnext(keras):  # noqa: F811 (the imported fixture)
    """A function building one variant in Keras; the test deletes the model after comparing (XLarge holds 350M
    weights)."""
    from keras.src.applications import convnext   # the builder behind ConvNeXtTiny..XLarge, taking any depths

    def build(name):
        blocks, width, classes, size, preprocessing = VARIANTS[name]
        if name.startswith("ConvNeXt"):
            model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), classes=classes)
            assert model.get_layer(f"{model.name}_stem").layers[0].filters == width   # the table above is Keras's
            return model
        return convnext.ConvNeXt(list(blocks), [width, 2 * width, 4 * width, 8 * width], weights=None,
                                 input_shape=(size, size, 3), classes=classes, include_preprocessing=preprocessing)
    return build


def settings(name: str) -> dict:
    blocks, width, classes, size, preprocessing = VARIANTS[name]
    return {**{f"blocks{i}": b for i, b in enumerate(blocks, 1)}, "width": width, "classes": classes,
            "img_size": size, "include_preprocessing": str(preprocessing).lower()}


def flattened(model):
    """The model with its Sequential sub-models (stem, downsampling blocks) opened into their layers."""
    layers = [inner for layer in model.layers
              for inner in (layer.layers if type(layer).__name__ == "Sequential" else [layer])]
    return types.SimpleNamespace(layers=layers, count_params=model.count_params,
                                 trainable_weights=model.trainable_weights,
                                 non_trainable_weights=model.non_trainable_weights)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_convnext_exact_against_keras(name, build_convnext, capsys):
    blocks = VARIANTS[name][0]
    doc = derived(capsys, CONVNEXT, settings(name))
    model = build_convnext(name)
    prefix = re.escape(model.name + "_")

    def pattern(row_name):
        """stage_2_block/layernorm -> {model}_stage_2_block_N_layernorm (every copy); stem_conv -> {model}_stem_conv.
        A block's add is an operation, in no layer."""
        use, sep, inner = row_name.partition("/")
        if inner == "add":
            return "(?!)"
        if sep:
            return prefix + re.escape(use) + r"_\d+_" + re.escape(inner)
        return prefix + re.escape(row_name)

    def copies(row):
        use, sep, inner = row["name"].partition("/")
        return 0 if inner == "add" else blocks[int(use[6])] if sep else 1
    try:
        keras_layers = flattened(model)
        assert_matches_keras(doc, keras_layers, pattern, copies)
        for row in doc["layers"]:   # a repeat's row too: every copy has the shape the row shows
            shapes = {tuple(l.output.shape[1:]) for l in keras_layers.layers if re.fullmatch(pattern(row["name"]),
                                                                                             l.name)}
            assert shapes == ({tuple(row["output_shape"])} if copies(row) else set()), row["name"]
        adds = [op for op in model.operations if type(op).__name__ == "Add"]
        assert len(adds) == sum(blocks)                                 # one residual addition per block
        assert [r["name"] for r in doc["layers"] if r["name"].endswith("/add")] == [
            f"stage_{i}_block/add" for i in range(4)]
    finally:
        del model
        gc.collect()


def test_convnext_defaults_are_convnext_tiny():
    net = load(CONVNEXT)
    assert (net.total, net.trainable, net.non_trainable) == (28_589_128, 28_589_128, 0)   # keras.io: 28.6M


B = [sympy.Symbol(f"blocks{i}", integer=True, nonnegative=True) for i in range(1, 5)]
WIDTH = sympy.Symbol("width", integer=True, positive=True)
CLASSES = sympy.Symbol("classes", integer=True, positive=True)


def by_hand() -> sympy.Expr:
    """The total from the architecture, written independently of the spec. A block on d channels: depthwise 7x7
    (49d + d), layer norm 2d, Dense d -> 4d (4d^2 + 4d), Dense 4d -> d (4d^2 + d), layer scale d: 8d^2 + 58d. Stem
    4*4*3*w + w and its norm 2w; a downsampling on d channels: norm 2d, 2x2 conv d -> 2d (8d^2 + 2d); the head's norm
    2*8w and Dense (8w + 1)*classes."""
    w = WIDTH
    stages = sum(n * (8 * d**2 + 58 * d) for n, d in zip(B, (w, 2 * w, 4 * w, 8 * w)))
    downsampling = sum(2 * d + 8 * d**2 + 2 * d for d in (w, 2 * w, 4 * w))
    return sympy.expand(stages + downsampling + 48 * w + w + 2 * w + 16 * w + (8 * w + 1) * CLASSES)


def test_convnext_symbolic_total_is_a_polynomial_over_depths_and_width():
    net = load(CONVNEXT, symbolic=True)
    total = sympy.expand(net.total)
    assert total.free_symbols == {*B, WIDTH, CLASSES}
    assert not total.has(sympy.floor, sympy.ceiling, sympy.Piecewise)
    assert sympy.expand(total - by_hand()) == 0, total
    assert net.trainable == net.total and net.non_trainable == 0
    for symbol in B:
        assert sympy.Poly(total, symbol).degree() == 1          # copies keep their shape: n x (one block)
    # one row per layer of a block, whatever the depth: the copies are counted, never unrolled
    rows = {len(load(CONVNEXT, **dict(zip(("blocks1", "blocks2", "blocks3", "blocks4"), blocks))).layers)
            for blocks in ((3, 3, 9, 3), (3, 3, 27, 3), (1, 1, 1, 1))}
    assert rows == {len(net.layers)}
    # bound, it is every variant's number
    for name in VARIANTS:
        blocks, width, classes, size, preprocessing = VARIANTS[name]
        values = {**dict(zip(B, blocks)), WIDTH: width, CLASSES: classes}
        assert total.xreplace(values) == load(CONVNEXT, **settings(name) | {"include_preprocessing":
                                                                            preprocessing}).total


def test_convnext_leading_term():
    """In the width: w^2 (8 b1 + 32 b2 + 128 b3 + 512 b4 + 168), the Dense pair (8d^2 per block, d = w, 2w, 4w, 8w)
    and the downsampling convolutions (8d^2, d = w, 2w, 4w: 168 w^2); of highest total degree: w^2 times the
    blocks."""
    total = sympy.expand(load(CONVNEXT, symbolic=True).total)
    b1, b2, b3, b4 = B
    assert sympy.expand(sympy.Poly(total, WIDTH).LC() - (8 * b1 + 32 * b2 + 128 * b3 + 512 * b4 + 168)) == 0
    poly = sympy.Poly(total, *B, WIDTH, CLASSES)
    top = sympy.Add(*(c * sympy.Mul(*(x**e for x, e in zip(poly.gens, m))) for m, c in poly.terms()
                      if sum(m) == poly.total_degree()))
    assert sympy.expand(top - WIDTH**2 * (8 * b1 + 32 * b2 + 128 * b3 + 512 * b4)) == 0


def test_convnext_docs_closed_form_is_the_symbolic_total():
    """docs/spec.md's closed form (w = width, b1..b4 the block counts), read by symparam's own parser."""
    from symparam.expr import parse_expression

    text = (EXAMPLES.parent / "docs" / "spec.md").read_text(encoding="utf-8")
    block = re.search(r"### `examples/convnext\.toml`.*?```\n(.*?)\n```", text, flags=re.S).group(1)
    names = {"w": WIDTH, "classes": CLASSES, **{f"b{i}": b for i, b in enumerate(B, 1)}}
    documented = parse_expression(block.strip(), names.__getitem__)
    assert sympy.expand(documented - load(CONVNEXT, symbolic=True).total) == 0


def test_convnext_image_size_floor_is_keras_minimum(capsys):
    """Keras's ConvNeXt refuses images under 32 px (min_size=32); here the last downsampling's 2x2 window needs
    floor(img_size/16) >= 2, the same bound: 32 derives, 31 is one line naming the layer and the key."""
    assert run(capsys, "derive", CONVNEXT, "--set", "img_size=32")[0] == 0
    code, out, err = run(capsys, "derive", CONVNEXT, "--set", "img_size=31")
    assert code == 2 and out == ""
    assert_one_line(err, "convnext.toml", "'downsampling_conv_2' (Conv2D)", "kernel_size", "img_size=31")
