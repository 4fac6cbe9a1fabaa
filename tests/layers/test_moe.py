"""symparam/layers/moe.py against transformers' MixtralSparseMoeBlock, built on the meta device from a Mixtral config
of generated sizes: the same named parameters, shapes and counts; the active share is top_k/num_experts of the
experts' weights (checked by hand: transformers has no such count)."""

from __future__ import annotations

import math

import pytest
from hypothesis import strategies as st

from importing.hf_oracle import transformers_module
from oracle.cases import Case, Generated, framework_tests, require, symparam_facts
from symparam.api import layer_record


def transformers_facts(case: Case):
    torch = require("torch")
    transformers = transformers_module()
    from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock
    a = case.kwargs
    config = transformers.MixtralConfig(hidden_size=case.inputs[-1], intermediate_size=a["intermediate_size"],
                                        num_local_experts=a["num_experts"], num_experts_per_tok=a["top_k"])
    with torch.device("meta"):
        block = MixtralSparseMoeBlock(config)
    return tuple((n, tuple(p.shape), p.requires_grad) for n, p in block.named_parameters())




def check(case: Case) -> None:
    expected = transformers_facts(case)
    got = symparam_facts(case)
    assert got.variables == expected, (case, got.variables, expected)
    assert got.params == sum(math.prod(s) for _, s, _ in expected)
    assert got.outputs == (tuple(case.inputs),)


@st.composite
def moe_cases(draw):
    experts = draw(st.integers(1, 8))
    kwargs = {"num_experts": experts, "top_k": draw(st.integers(1, experts)),
              "intermediate_size": draw(st.integers(1, 24))}
    return Case("MixtureOfExperts", kwargs, (draw(st.integers(1, 4)), draw(st.integers(1, 24))), convention="torch")


GENERATED = {"MixtureOfExperts": Generated(moe_cases(), 25, check=check)}
test_generated_cases, _ = framework_tests(GENERATED, [])   # no EXAMPLES: torch has no such nn module to run


def test_active_share_is_top_k_of_the_experts():
    rec = layer_record("MixtureOfExperts", {"num_experts": 8, "top_k": 2, "intermediate_size": 14336},
                       (16, 4096), convention="torch")
    experts = 8 * 3 * 4096 * 14336
    assert rec.params == 8 * 4096 + experts and rec.active == 8 * 4096 + experts // 4


def test_top_k_above_the_experts_is_refused():
    from symparam.errors import SymparamError
    with pytest.raises(SymparamError, match="top_k must be at most num_experts"):
        layer_record("MixtureOfExperts", {"num_experts": 2, "top_k": 3, "intermediate_size": 8}, (4, 8),
                     convention="torch")
