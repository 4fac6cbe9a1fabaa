"""symparam/layers/einsum_dense.py against real Keras: EinsumDense, on equations of Keras's three forms.

Generated equations keep some input letters, contract others, bring in new ones through the kernel, now and then
with a wrong output_shape (a length, or one too many or too few) or a bias letter the output lacks. Every case is
also called on zeros (``called=True``): Keras builds some equations its einsum then cannot run (an equation that
does not cover the input; a left ellipsis over two axes, which Keras declares in reverse order). Hand-picked cases
check the equation parser's refusals. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from symparam.api import layer_record
from symparam.errors import SymparamError

LETTERS = "abcdefgh"


def einsum(kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case("EinsumDense", kwargs, input_shape, called=True)


@st.composite
def einsum_cases(draw):
    form = draw(st.sampled_from(["", "", "left", "right"]))
    letters = list(draw(st.permutations(LETTERS)))
    n_in = draw(st.integers(2 if form == "right" else 1, 3))
    x = letters[:n_in]                      # input letters (no ellipsis or right: x[0] is the batch axis)
    fresh = letters[n_in:n_in + draw(st.integers(0, 2))]
    batch = x[0] if form != "left" else None
    kept = [d for d in x if d == batch or draw(st.booleans())]
    contracted = [d for d in x if d not in kept]
    in_weight = [d for d in x if d != batch and (d in contracted or draw(st.integers(0, 3)) == 0)]
    weight = draw(st.permutations(in_weight + fresh)) or [draw(st.sampled_from(x))]
    out = kept + fresh
    out = ([batch] + draw(st.permutations([d for d in out if d != batch]))) if batch else draw(st.permutations(out))
    if not out:
        out = [x[0]]
    elided = draw(st.integers(0, 2)) if form else 0
    lengths = {d: draw(st.integers(1, 5)) for d in LETTERS}
    shape = [lengths[d] for d in x[1:]] if form != "left" else [lengths[d] for d in x]
    extra = [draw(st.integers(1, 4)) for _ in range(elided)]
    shape = extra + shape if form == "left" else shape + extra
    if draw(st.integers(0, 9)) == 0:
        shape = shape[:-1] if len(shape) > 1 else shape + [2]   # does not fit the equation
    partial = [d for d in out if d != batch]
    output_shape: list[Any] = []
    for d in partial:
        choice = draw(st.integers(0, 9))
        output_shape.append("none" if choice == 0 else draw(st.integers(1, 5)) if choice == 1 else lengths[d])
    if draw(st.integers(0, 9)) == 0:
        output_shape = output_shape[:-1] if output_shape and draw(st.booleans()) else output_shape + [3]
    dots = "..."
    left = dots if form == "left" else ""
    right = dots if form == "right" else ""
    kwargs: dict[str, Any] = {
        "equation": f"{left}{''.join(x)}{right},{''.join(weight)}->{left}{''.join(out)}{right}",
        "output_shape": output_shape[0] if len(output_shape) == 1 and output_shape[0] != "none"
        and draw(st.booleans()) else output_shape,
    }
    if draw(st.booleans()):
        axes = draw(st.lists(st.sampled_from(out), min_size=1, max_size=2, unique=True))
        if draw(st.integers(0, 9)) == 0:
            axes.append("z")
        kwargs["bias_axes"] = "".join(axes)
    if draw(st.integers(0, 5)) == 0:
        kwargs["lora_rank"] = draw(st.integers(1, 3))
    return einsum(kwargs, tuple(shape))


GENERATED = {
    "EinsumDense": Generated(einsum_cases(), 200),
}

EXAMPLES = [
    einsum({"equation": "ab,bc->ac", "output_shape": 64, "bias_axes": "c"}, (32,)),
    einsum({"equation": "abc,cd->abd", "output_shape": ["none", 64], "bias_axes": "d"}, (10, 32)),
    einsum({"equation": "abc,cde->abde", "output_shape": [10, 8, 16], "bias_axes": "de"}, (10, 32)),
    einsum({"equation": "abc,cde->abde", "output_shape": [10, 8, 16], "bias_axes": "b"}, (10, 32)),
    einsum({"equation": "...b,bc->...c", "output_shape": 64, "bias_axes": "c"}, (5, 6, 32)),   # reversed by Keras
    einsum({"equation": "...b,bc->...c", "output_shape": 64}, (5, 5, 32)),
    einsum({"equation": "...b,bc->...c", "output_shape": 64}, (7, 32)),
    einsum({"equation": "ab...,bc->ac...", "output_shape": 64, "bias_axes": "c"}, (32, 5, 6)),
    einsum({"equation": "ab,bc->ac", "output_shape": 64}, (5, 32)),        # refused: the equation misses an axis
    einsum({"equation": "ab,bc->ac", "output_shape": 64, "bias_axes": "d"}, (32,)),   # refused: d is no output
    einsum({"equation": "ab,bc->ad", "output_shape": 64}, (32,)),          # refused: d is in no operand
    einsum({"equation": "ab,cd->ac", "output_shape": 64}, (32,)),          # refused: d is in neither side
    einsum({"equation": "abc,cd->abd", "output_shape": [9, 64]}, (10, 32)),   # refused: b is 10, not 9
    einsum({"equation": "ab,bc->ac", "output_shape": 64, "lora_rank": 4}, (32,)),
    einsum({"equation": "ab,bc->ac", "output_shape": ["none"]}, (32,)),    # refused: the kernel's c unknown
    einsum({"equation": "a b,bc->ac", "output_shape": 64}, (32,)),         # refused: not Keras's form
    einsum({"equation": "ab,bc,cd->ad", "output_shape": 64}, (32,)),       # refused
    einsum({"equation": "a...,ab->b...", "output_shape": 64}, (32,)),      # refused: Keras needs two letters
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)


@pytest.mark.parametrize("equation", ["ab,bc->ac; import os", "__import__('os')", "ab,bc->a.c", "ab,bb->ab",
                                      "ab,bc->ac->d", "...ab,bc->ac", "a" * 300])
def test_the_parser_takes_only_keras_forms(equation):
    with pytest.raises(SymparamError, match="equation must have the form"):
        layer_record("EinsumDense", {"equation": equation, "output_shape": 4}, (3,))


def test_symbolic_kernel_and_bias():
    rec = layer_record("EinsumDense", {"equation": "abc,cde->abde", "output_shape": ["n", "h", "k"],
                                       "bias_axes": "de"}, ("n", "d"))
    assert [(v.name, tuple(str(d) for d in v.shape)) for v in rec.variables] == [
        ("kernel", ("d", "h", "k")), ("bias", ("h", "k"))]
    assert tuple(str(d) for d in rec.output_shape) == ("n", "h", "k")
