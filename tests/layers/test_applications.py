"""symparam/layers/applications.py against real Keras: ConvNeXt's LayerScale and InceptionResNetV2's
CustomScaleLayer, the classes keras.applications defines for itself (built from keras.src.applications, where Keras
keeps them). LayerScale's gamma has projection_dim values whatever its input; its output is the input broadcast
against them, as `x * gamma` does (or refused where that cannot broadcast). See tests/oracle/cases.py.
"""

from __future__ import annotations

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests


@st.composite
def layer_scale_cases(draw):
    shape = tuple(draw(st.lists(st.one_of(st.integers(1, 5), st.none()), min_size=1, max_size=3)))
    last = shape[-1]
    dim = draw(st.sampled_from([last if last is not None else 3, 1, draw(st.integers(1, 5))]))
    return Case("LayerScale", {"init_values": draw(st.sampled_from([1e-6, 0.5, -1.0])), "projection_dim": dim},
                shape)


@st.composite
def custom_scale_cases(draw):
    base = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    other = tuple(draw(st.sampled_from([d, 1, None])) if draw(st.booleans()) else d for d in base)
    first, second = (base, other) if draw(st.booleans()) else (other, base)
    return Case("CustomScaleLayer", {"scale": draw(st.sampled_from([0.17, 0.1, 1.0, -2.0]))},
                {"x": first, "r": second}, order=("x", "r"))


GENERATED = {
    "LayerScale": Generated(layer_scale_cases(), 30),
    "CustomScaleLayer": Generated(custom_scale_cases(), 30),
}

EXAMPLES = [
    Case("LayerScale", {"init_values": 1e-6, "projection_dim": 96}, (56, 56, 96)),   # ConvNeXt-T, stage 1
    Case("LayerScale", {"init_values": 1e-6, "projection_dim": 4}, (3, 1)),          # broadcast: (3, 4)
    Case("LayerScale", {"init_values": 1e-6, "projection_dim": 4}, (3, 5)),          # refused: 5 and 4
    Case("CustomScaleLayer", {"scale": 0.17}, {"x": (35, 35, 320), "r": (35, 35, 320)}, order=("x", "r")),
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
