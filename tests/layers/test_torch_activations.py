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
}


@st.composite
def activation_cases(draw, type_name: str):
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    kwargs = {key: draw(strategy) for key, strategy in ACTIVATION_ARGS[type_name].items() if draw(st.booleans())}
    return Case(type_name, kwargs, shape)


GENERATED = {type_name: Generated(activation_cases(type_name), 20) for type_name in ACTIVATION_ARGS}
EXAMPLES = [Case("nn.Softmax", {"dim": 1}, (3, 4)), Case("nn.Hardtanh", {"min_val": 1.0, "max_val": 1.0}, (3,))]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
