"""MixtureOfExperts: a sparse mixture of gated MLP experts, as Mixtral's (transformers' MixtralSparseMoeBlock).

A router (gate.weight, num_experts x hidden_size, no bias) scores the experts for each token, and the token goes
through the top_k best. Each expert is a SwiGLU MLP; transformers holds the experts' weights fused, gate and up
projections as experts.gate_up_proj (num_experts, 2 intermediate_size, hidden_size) and the down projections as
experts.down_proj (num_experts, hidden_size, intermediate_size). Every expert's weights are parameters, but a token
uses only top_k of them: those variables are active for top_k/num_experts of the tokens' work (the account's active
parameters per token).
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import LayerKind, Size
from .core import format_shape
from .torch_args import given_or_inferred
from .costs import SOFTMAX_OPS, size, times


@register
class MixtureOfExperts(LayerKind):
    name = "MixtureOfExperts"
    modelled_on = "transformers' MixtralSparseMoeBlock"
    any_convention = True   # features last in either layout
    summary = ("a router (num_experts x hidden) and num_experts SwiGLU MLP experts (3 x hidden x intermediate "
               "each), top_k used per token")
    saves = ("unmodelled",)   # the routed tokens per expert depend on the data
    args = {"num_experts": Size(), "top_k": Size(), "intermediate_size": Size(), "hidden_size": Size(None)}
    example = ({"num_experts": "E", "top_k": "k", "intermediate_size": "I"}, ["L", "D"],
               {"E": 8, "k": 2, "I": 14336, "D": 4096, "L": 2048})

    def build(self, a, inputs, b):
        (x,) = inputs
        if not x:
            raise SymparamError(f"MixtureOfExperts needs a feature axis. Received input shape {format_shape(x)}.")
        hidden = given_or_inferred(b, a.hidden_size, x[-1], "hidden_size", "last axis", x)
        n, k, inner = a.num_experts, a.top_k, a.intermediate_size
        b.require(sympy.Le(k, n), "top_k", "top_k must be at most num_experts", f"top_k = {k}, num_experts = {n}")
        share = k / n
        b.weight("gate.weight", (n, hidden), role="router weights", labels=("E", "D"), category="weight")
        b.weight("experts.gate_up_proj", (n, 2 * inner, hidden), role="experts' gate and up projections",
                 labels=("E", "2I", "D"), category="weight", active=share)
        b.weight("experts.down_proj", (n, hidden, inner), role="experts' down projections", labels=("E", "D", "I"),
                 category="weight", active=share)
        rows = size(x[:-1])
        b.cost("matmul", times(rows, hidden, n), words="the router: tokens x hidden x num_experts")
        b.cost("softmax", times(SOFTMAX_OPS, rows, n), words="the router's softmax over the experts, per token")
        b.cost("matmul", times(rows, k, 3 * inner, hidden),
               words="top_k experts per token: gate, up and down projections, 3 x hidden x intermediate each")
        b.cost("activation", times(rows, k, inner), words="the experts' SiLU on the gate")
        b.cost("elementwise", times(rows, k, inner + 2 * hidden),
               words="gate times up, then each expert's output weighted and added, per token")
        return tuple(x)
