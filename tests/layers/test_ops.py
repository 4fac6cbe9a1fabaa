"""symparam/layers/ops.py against real Keras: the keras.ops element-wise operations a functional graph records
(ops.add, ops.subtract, ops.multiply, ops.divide, ops.maximum, ops.minimum).

Keras runs each through a layer that applies the operation to its inputs (and `scalar`); the cases are built on
symbolic inputs only, as a functional model's graph records them (not called on zeros: a graph node's shape is
what Keras's broadcast_shapes declares, and that is what an imported model is checked against). Two operands of
different ranks, unknown lengths, 1s and mismatches are drawn; symparam must give Keras's shape or refuse where it
refuses. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests

OPS = ["ops.add", "ops.subtract", "ops.multiply", "ops.divide", "ops.maximum", "ops.minimum"]


def two(type_name: str, first: tuple, second: tuple) -> Case:
    return Case(type_name, {}, {"x1": first, "x2": second}, order=("x1", "x2"))


@st.composite
def op_cases(draw, type_name: str):
    base = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    if draw(st.integers(0, 3)) == 0:   # one input and a number
        kwargs: dict[str, Any] = {"scalar": draw(st.sampled_from([3.0, -1.5, 2, 0.16666666666666666]))}
        if draw(st.booleans()):
            kwargs["scalar_first"] = True   # 255 - x
        return Case(type_name, kwargs, tuple(base))
    shapes = []
    for _ in range(2):
        rank = draw(st.integers(0, len(base)))
        dims = []
        for d in base[len(base) - rank:]:
            roll = draw(st.integers(0, 11))
            dims.append(1 if roll < 3 else None if roll < 5 else draw(st.integers(1, 4)) if roll < 6 else d)
        shapes.append(tuple(dims))
    return two(type_name, *shapes)


GENERATED = {name: Generated(op_cases(name), 30) for name in OPS}

EXAMPLES = [
    Case("ops.add", {"scalar": 3.0}, (1, 1, 16)),                 # MobileNetV3's hard sigmoid: x + 3
    Case("ops.multiply", {"scalar": 0.16666666666666666}, (1, 1, 16)),
    two("ops.add", (56, 56, 96), (56, 56, 96)),                   # ConvNeXt's residual addition
    two("ops.add", (5,), (3, 5)),                                 # ranks differ: the batch axis meets a 3
    two("ops.multiply", (None, 4), (3, 1)),                       # an unknown length takes the other's
    two("ops.add", (1,), (None,)),                                # unknown against 1 stays unknown
    two("ops.add", (3,), (4,)),                                   # refused
    Case("ops.subtract", {"scalar": 1.0, "scalar_first": True}, (3, 4)),   # 1 - x
    Case("ops.add", {}, (3,)),                                    # refused: one operand
    Case("ops.add", {"scalar": 1.0}, {"x1": (3,), "x2": (3,)}, order=("x1", "x2")),   # refused: three
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
