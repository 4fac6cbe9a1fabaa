"""Symbolic input sizes obey the same rules as numbers: a layer derived on sizes s0, s1, ... and then bound to a
case's numbers gives exactly what symparam derives on the numbers, and a case it refuses on numbers is refused
when derived or bound symbolically. The cases are the framework tests' own generated ones (no framework needed).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.cases import SETTINGS, Case, symparam_facts
from symparam.engine import bind, derive
from symparam.errors import SymparamError
from symparam.spec import from_dict

from . import test_activations, test_conv_variants, test_normalization_extra, test_preprocessing, test_reshaping

GROUPS = [   # kinds drawn as a group first, so that the nine paddings do not crowd out the rest
    [f"Conv{rank}DTranspose" for rank in (1, 2, 3)],
    ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"],
    [f"{family}{rank}D" for family in ("ZeroPadding", "Cropping", "UpSampling") for rank in (1, 2, 3)],
    ["LayerNormalization"], ["GroupNormalization"], ["PReLU"], ["Normalization"], ["Rescaling"], ["Resizing"],
    ["Permute"],
]
GENERATED = {**test_conv_variants.GENERATED, **test_reshaping.GENERATED, **test_normalization_extra.GENERATED,
             **test_activations.GENERATED, **test_preprocessing.GENERATED}

any_case = st.sampled_from(GROUPS).flatmap(st.sampled_from).flatmap(lambda kind: GENERATED[kind].cases)


def derived_then_bound(case: Case):
    """Derive the layer on symbolic input sizes s0, s1, ..., then bind them to the case's numbers."""
    names = [f"s{i}" for i in range(len(case.inputs))]
    document = {"network": {"input": names}, "layers": [{"type": case.type_name, **case.kwargs}]}
    net = derive(from_dict(document, "<symbolic>"))
    return bind(net, dict(zip(names, case.inputs))).layers[0]


@settings(max_examples=80, **SETTINGS)
@given(any_case)
def test_symbolic_input_sizes_agree_with_numbers(case):
    try:
        expected = symparam_facts(case)
    except SymparamError:
        with pytest.raises(SymparamError):
            derived_then_bound(case)
        return
    rec = derived_then_bound(case)
    assert tuple(int(d) for d in rec.output_shape) == expected.output_shape
    assert tuple((v.name, tuple(int(d) for d in v.shape), v.trainable) for v in rec.variables) == expected.variables
