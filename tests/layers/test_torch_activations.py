"""symparam/layers/torch_activations.py against real PyTorch: every activation module, with its arguments drawn
(tests/oracle/torch_facts.py runs it on zeros); symparam must report no parameters, the same output shape, or
refuse where torch refuses (a dim out of range, Hardtanh's max_val not above min_val)."""

from __future__ import annotations

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests

_REAL = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2])
ACTIVATION_ARGS = {   # the elementwise kinds and their arguments
    "nn.ReLU": {"inplace": st.booleans()}, "nn.SiLU": {"inplace": st.booleans()}, "nn.Mish": {"inplace": st.booleans()},
    "nn.ReLU6": {"inplace": st.booleans()}, "nn.Hardswish": {"inplace": st.booleans()},
    "nn.Hardsigmoid": {"inplace": st.booleans()}, "nn.GELU": {"approximate": st.sampled_from(["none", "tanh"])},
    "nn.LeakyReLU": {"negative_slope": _REAL}, "nn.ELU": {"alpha": _REAL},
    "nn.Softmax": {"dim": st.one_of(st.none(), st.integers(-5, 4))},
    "nn.LogSoftmax": {"dim": st.one_of(st.none(), st.integers(-5, 4))},
    "nn.Hardtanh": {"min_val": _REAL, "max_val": _REAL}, "nn.Softplus": {"beta": _REAL, "threshold": _REAL},
    "nn.Tanh": {}, "nn.Sigmoid": {},
    "nn.CELU": {"alpha": _REAL, "inplace": st.booleans()}, "nn.SELU": {"inplace": st.booleans()}, "nn.Softsign": {},
    "nn.LogSigmoid": {}, "nn.Tanhshrink": {}, "nn.Hardshrink": {"lambd": _REAL}, "nn.Softshrink": {"lambd": _REAL},
    "nn.RReLU": {"lower": _REAL, "upper": _REAL, "inplace": st.booleans()},
    "nn.Softmin": {"dim": st.one_of(st.none(), st.integers(-5, 4))}, "nn.Softmax2d": {},
}


@st.composite
def activation_cases(draw, type_name: str):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=4 if type_name == "nn.Softmax2d" else 3)))
    kwargs = {key: draw(strategy) for key, strategy in ACTIVATION_ARGS[type_name].items() if draw(st.booleans())}
    return Case(type_name, kwargs, shape)


@st.composite
def threshold_cases(draw):
    """nn.Threshold's two arguments are required: always given."""
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    return Case("nn.Threshold", {"threshold": draw(_REAL), "value": draw(_REAL)}, shape)


GENERATED = {**{type_name: Generated(activation_cases(type_name), 20) for type_name in ACTIVATION_ARGS},
             "nn.Threshold": Generated(threshold_cases(), 20)}
EXAMPLES = [Case("nn.Softmax", {"dim": 1}, (3, 4)), Case("nn.Hardtanh", {"min_val": 1.0, "max_val": 1.0}, (3,)),
            Case("nn.CELU", {"alpha": 0.0}, (3,)), Case("nn.Softshrink", {"lambd": -0.5}, (3,)),
            Case("nn.RReLU", {"lower": 0.5, "upper": 0.25}, (3,)), Case("nn.Softmax2d", {}, (3,)),
            Case("nn.Softmax2d", {}, (3, 4, 5)), Case("nn.Threshold", {"threshold": 0.5, "value": 2}, (3, 4))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
