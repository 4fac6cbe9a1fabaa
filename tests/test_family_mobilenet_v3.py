"""examples/mobilenet_v3.toml, the MobileNetV3 family: MobileNetV3Small and MobileNetV3Large, minimalistic or not,
at several alphas and class counts, each exact (total, trainable, non-trainable, every layer and its output shape)
against keras.applications built live (weights=None), through --set only; and its --symbolic total, a formula in
alpha and classes that every variant's number is a value of.

Three residual Adds exist only at some alphas (Keras's rule: a stride-1 block whose input and output channels agree);
the spec's `when` is that rule, decided at alpha's value, and the comparison checks every Keras layer is a row."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy

from symparam.api import load
from symparam.cli import main
from test_families import EXAMPLES, assert_matches_keras, derived

MOBILENET_V3 = EXAMPLES / "mobilenet_v3.toml"

# (variant, alpha, minimalistic, img_size, classes)
VARIANTS = [
    ("small", "1.0", False, 32, 1000),
    ("large", "1.0", False, 32, 1000),
    ("small", "1.0", True, 32, 10),
    ("large", "1.0", True, 64, 1000),
    ("small", "0.75", False, 32, 1000),
    ("large", "0.75", False, 32, 7),
    ("small", "1.25", False, 32, 1000),
    ("large", "1.25", True, 32, 1000),
    ("small", "0.5", False, 33, 1000),     # an odd side (correct_pad pads differently); Small's block 6 adds here
    ("large", "1.0", False, 224, 1000),    # the defaults: MobileNetV3Large at Keras's size
]
PARAMETER_FREE = ("ReLU", "Activation", "Dropout", "Flatten")   # Keras names them with session counters


def _depth(v: float) -> int:
    """keras.applications.mobilenet_v3._depth, as Keras computes it (floats)."""
    new_v = max(8, int(v + 4) // 8 * 8)
    return new_v + 8 if new_v < 0.9 * v else new_v


def alpha_dependent_adds(variant: str, alpha: float) -> set[str]:
    """The residual Adds Keras builds where a stride-1 block's input and output channels agree only at some alphas
    (its stack_fn: Large's block 0 reads the stem's 16 channels, block 10 depth(80) into depth(112); Small's block 6
    depth(40) into depth(48)). The spec leaves these out."""
    pairs = {"large": {0: (16, _depth(16 * alpha)), 10: (_depth(80 * alpha), _depth(112 * alpha))},
             "small": {6: (_depth(40 * alpha), _depth(48 * alpha))}}[variant]
    return {f"expanded_conv{'_' + str(i) if i else ''}_add" for i, (a, b) in pairs.items() if a == b}


@pytest.fixture(scope="module")
def keras_models(keras):
    def build(variant, alpha, minimalistic, size, classes):
        factory = keras.applications.MobileNetV3Small if variant == "small" else keras.applications.MobileNetV3Large
        return factory(input_shape=(size, size, 3), alpha=float(alpha), minimalistic=minimalistic, weights=None,
                       classes=classes)
    return {v: build(*v) for v in VARIANTS}


def pattern(name: str) -> str:
    """expanded_conv_3/squeeze_excite_conv -> expanded_conv_3_squeeze_excite_conv; Keras's unnamed layers
    (rescaling, the top's global_average_pooling2d) carry session counters."""
    import re

    if name in ("rescaling", "global_average_pooling2d"):
        return name + r"(_\d+)?"
    return re.escape(name.replace("/", "_"))


def settings(variant, alpha, minimalistic, size, classes) -> dict:
    return {"variant": variant, "alpha": alpha, "minimalistic": str(minimalistic).lower(), "img_size": size,
            "classes": classes}


@pytest.mark.parametrize("case", VARIANTS, ids=lambda v: "-".join(map(str, v)))
def test_exact_against_keras(case, keras_models, capsys):
    variant, alpha = case[0], float(case[1])
    model = keras_models[case]
    doc = derived(capsys, MOBILENET_V3, settings(*case))
    alpha_adds = alpha_dependent_adds(variant, alpha)
    assert alpha_adds <= {l.name for l in model.layers}, "Keras's rule, as this test reads it, names an Add the model lacks"
    assert alpha_adds <= {r["name"].replace("/", "_") for r in doc["layers"]}   # decided at this alpha, as Keras does
    assert_matches_keras(doc, model, pattern, skip=PARAMETER_FREE)


def test_some_variant_has_an_alpha_dependent_add(keras_models):
    """The variants compared above include Adds whose presence depends on alpha: at alpha 1 (Large's block 0) and
    Small's block 6 at alpha 0.5, and none at Small alpha 1."""
    assert alpha_dependent_adds("large", 1.0) == {"expanded_conv_add"}
    assert alpha_dependent_adds("small", 0.5) == {"expanded_conv_6_add"}
    assert alpha_dependent_adds("small", 1.0) == set()


def test_defaults_are_mobilenet_v3_large(keras_models):
    net = load(MOBILENET_V3)
    model = keras_models[("large", "1.0", False, 224, 1000)]
    assert net.total == model.count_params()


ALPHA = sympy.Symbol("alpha", rational=True, positive=True)
CLASSES = sympy.Symbol("classes", integer=True, positive=True)


# Under --symbolic the layers are those at the default alpha = 1 (the residual Adds decided there), and the network
# assumes so: Large's block-0 Add holds for 5/9 < alpha <= 10/9, so its formula is checked there; Small's layers at
# alpha 1 lack only Adds without parameters that keep their input's shape, so its formula holds at every alpha.
SYMBOLIC_ALPHAS = {"large": ("0.6", "0.75", "1", "1.1"), "small": ("0.35", "1", "1.25")}


@pytest.mark.parametrize("variant, minimalistic", [("large", False), ("small", True)])
def test_symbolic_total_is_a_formula_in_alpha_and_classes(variant, minimalistic):
    net = load(MOBILENET_V3, symbolic=True, variant=variant, minimalistic=minimalistic)
    total = net.total
    assert {ALPHA, CLASSES} <= total.free_symbols
    assert not total.atoms(sympy.Float)
    assert any(c.key == "when" for _, c in net.assumptions)   # the Adds decided at alpha = 1, said
    for alpha in SYMBOLIC_ALPHAS[variant]:
        value = sympy.Rational(Fraction(alpha).numerator, Fraction(alpha).denominator)
        numeric = load(MOBILENET_V3, variant=variant, minimalistic=minimalistic, alpha=Fraction(alpha), classes=10)
        assert total.xreplace({ALPHA: value, CLASSES: 10}) == numeric.total, alpha


def test_make_divisible_helper_is_keras_depth():
    """The spec's make_divisible (written without a condition) is Keras's _depth, worked exactly, at many v: the
    sizes Keras meets here (d * alpha, a depth times an expansion, a quarter of one) and more."""
    from symparam.spec import load as load_spec

    symbols = load_spec(MOBILENET_V3).symbols
    for v in {Fraction(n, q) for n in range(1, 1200) for q in (1, 2, 3, 4, 5, 10, 20, 24)}:
        got = symbols.parse(f"make_divisible({v.numerator}/{v.denominator}, 8)", "units")
        assert got == _exact_depth(v), v


def _exact_depth(v: Fraction) -> int:
    import math

    new_v = max(8, math.floor(v + 4) // 8 * 8)
    return new_v + 8 if new_v < Fraction(9, 10) * v else new_v


@pytest.mark.parametrize("binding, says", [("variant=medium", "variant"), ("minimalistic=maybe", "minimalistic"),
                                           ("alpha=-1", "alpha")])
def test_bad_bindings_are_one_line(binding, says, capsys):
    assert main(["derive", str(MOBILENET_V3), "--set", binding]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and says in err, err
