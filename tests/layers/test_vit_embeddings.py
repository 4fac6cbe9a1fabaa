"""symparam/layers/vit_embeddings.py against transformers' ViTEmbeddings, built from a ViT config of generated
sizes and run on zero images: the same named parameters, shapes, counts and output shape."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from importing.hf_oracle import transformers_module
from oracle.cases import Case, Generated, assert_refused, framework_tests, require, symparam_facts




def transformers_facts(case: Case):
    torch = require("torch")
    transformers = transformers_module()
    from transformers.models.vit.modeling_vit import ViTEmbeddings
    c, side, _ = case.inputs
    a = case.kwargs
    config = transformers.ViTConfig(hidden_size=a["hidden_size"], patch_size=a["patch_size"], num_channels=c,
                                    image_size=side)
    module = ViTEmbeddings(config, use_mask_token=a.get("use_mask_token", False))
    with torch.no_grad():
        y = module(torch.zeros(2, c, side, side))
    variables = tuple((n, tuple(p.shape), p.requires_grad) for n, p in module.named_parameters())
    return variables, tuple(y.shape[1:])


def check(case: Case) -> None:
    c, side, _ = case.inputs
    if side < case.kwargs["patch_size"]:
        assert_refused(case, "an image smaller than a patch has no patch")
        return
    variables, output = transformers_facts(case)
    got = symparam_facts(case)
    assert got.variables == variables, (case, got.variables, variables)
    assert got.params == sum(math.prod(s) for _, s, _ in variables) and got.outputs == (output,)


@st.composite
def vit_cases(draw):
    side = draw(st.integers(1, 12))
    kwargs = {"hidden_size": draw(st.integers(1, 8)), "patch_size": draw(st.integers(1, 6))}
    if draw(st.booleans()):
        kwargs["use_mask_token"] = draw(st.booleans())
    return Case("ViTEmbeddings", kwargs, (draw(st.integers(1, 3)), side, side), convention="torch")


GENERATED = {"ViTEmbeddings": Generated(vit_cases(), 25, check=check)}
test_generated_cases, _ = framework_tests(GENERATED, [])   # no EXAMPLES: torch has no such nn module to run
