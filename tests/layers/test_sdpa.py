"""symparam/layers/sdpa.py against torch.nn.functional.scaled_dot_product_attention: the output shape for queries,
keys and values of generated heads and widths (grouped-query attention through enable_gqa), or a refusal where torch
refuses (query heads that are not a multiple of the key and value heads, widths that do not fit the heads). No
parameters either side. A fused qkv input is split as Phi-3 splits it."""

from __future__ import annotations

from hypothesis import strategies as st

from oracle.cases import Case, Generated, assert_refused, framework_tests, note, require, symparam_facts
from symparam.errors import SymparamError


def torch_output(case: Case):
    """(L, H*d) from torch, or None where torch refuses or the case is malformed for it."""
    torch = require("torch")
    heads = case.kwargs["num_heads"]
    kv = case.kwargs.get("num_kv_heads", heads)
    if "qkv" in case.inputs:
        (length, width) = case.inputs["qkv"]
        if width % (heads + 2 * kv):
            return None
        d = width // (heads + 2 * kv)
        x = torch.zeros(2, length, width)
        q, k, v = x.split([heads * d, kv * d, kv * d], dim=-1)
    else:
        q, k, v = (torch.zeros(2, *case.inputs[n]) for n in ("q", "k", "v"))
        if q.shape[-1] % heads or k.shape[-1] % kv or v.shape[-1] % kv:
            return None
        d = q.shape[-1] // heads
    split = lambda t, n: t.reshape(2, t.shape[1], n, t.shape[-1] // n).transpose(1, 2)  # noqa: E731
    try:
        y = torch.nn.functional.scaled_dot_product_attention(split(q, heads), split(k, kv), split(v, kv),
                                                             enable_gqa=True)
    except RuntimeError:
        return None
    if y.shape[-1] != d:
        return None
    return (int(y.shape[2]), int(y.shape[1] * y.shape[3]))


def check(case: Case) -> None:
    expected = torch_output(case)
    if expected is None:
        note("torch refuses")
        assert_refused(case, "torch refuses")
        return
    note("torch accepts")
    try:
        got = symparam_facts(case)
    except SymparamError as exc:
        raise AssertionError(f"torch accepts {case}, symparam refuses: {exc}") from None
    assert got.outputs == (expected,) and got.params == 0 and not got.variables, (case, got, expected)


@st.composite
def sdpa_cases(draw):
    kv = draw(st.integers(1, 3))
    heads = kv * draw(st.integers(1, 3)) if draw(st.integers(0, 5)) else draw(st.integers(1, 6))
    d = draw(st.integers(1, 4))
    kwargs = {"num_heads": heads, **({"num_kv_heads": kv} if kv != heads or draw(st.booleans()) else {})}
    length, source = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if draw(st.booleans()):
        width = (heads + 2 * kv) * d + (draw(st.integers(1, 2)) if draw(st.integers(0, 7)) == 0 else 0)
        return Case("ScaledDotProductAttention", kwargs, {"qkv": (length, width)}, convention="torch")
    off = draw(st.integers(0, 7)) == 0
    shapes = {"q": (length, heads * d + (1 if off else 0)), "k": (source, kv * d), "v": (source, kv * d)}
    return Case("ScaledDotProductAttention", kwargs, shapes, convention="torch")


GENERATED = {"ScaledDotProductAttention": Generated(sdpa_cases(), 80, check=check)}
test_generated_cases, _ = framework_tests(GENERATED, [])   # no EXAMPLES: torch has no such nn module to run


def test_llama_3_8b_attention():
    case = Case("ScaledDotProductAttention", {"num_heads": 32, "num_kv_heads": 8},
                {"q": (16, 4096), "k": (16, 1024), "v": (16, 1024)}, convention="torch")
    check(case)
    assert symparam_facts(case).outputs == ((16, 4096),)
