"""ScaledDotProductAttention: the attention computation between a transformer's projections, softmax(q·kᵀ/√d)·v
per head, with groups of query heads sharing a key and value head (grouped-query attention when num_kv_heads is
smaller than num_heads; multi-query when it is 1).

It has no parameters: the projections around it are layers of their own (q_proj, k_proj and v_proj before it, o_proj
after it), as Hugging Face's models hold them. Inputs are the queries, keys and values, `inputs = [q, k, v]`, each
(..., heads x head_dim); or one fused input (..., (num_heads + 2 num_kv_heads) x head_dim), as Phi-3's qkv_proj
gives it. The output is (..., num_heads x head_dim) over the queries' positions. Rotary position embeddings,
applied to q and k in here, have no parameters either.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..expr import as_sympy
from ..shapes import product
from . import register
from .base import LayerKind, Size
from .core import format_shape
from .merging import require_same
from .costs import attention, size, times


@register
class ScaledDotProductAttention(LayerKind):
    name = "ScaledDotProductAttention"
    modelled_on = "torch's scaled_dot_product_attention (inside transformers' attention modules)"
    any_convention = True   # the same computation in either layout: features last
    summary = ("attention of num_heads query heads over num_kv_heads key and value heads of head_dim; inputs q, k, v "
               "(or one fused qkv); output (..., num_heads x head_dim)")
    saves = ("input", "output", "statistics")   # q, k, v, its output and a logsumexp, as the fused kernel keeps
    no_params = "attention only weighs the projected values it receives by the projected queries and keys"
    n_inputs = (1, 3)
    args = {"num_heads": Size(), "num_kv_heads": Size(None), "head_dim": Size(None)}
    example = ({"num_heads": "H", "num_kv_heads": "KV", "inputs": ["q", "k", "v"]},
               {"q": ["L", "H*d"], "k": ["L", "KV*d"], "v": ["L", "KV*d"]}, {"H": 32, "KV": 8, "d": 128, "L": 2048})

    def build(self, a, inputs, b):
        heads = a.num_heads
        kv = a.num_kv_heads if a.num_kv_heads is not None else heads
        received = "input shapes " + ", ".join(format_shape(s) for s in inputs)
        if len(inputs) == 2:
            raise SymparamError(f"ScaledDotProductAttention takes the queries, keys and values (3 inputs) or one "
                                f"fused qkv input. Received: {received}.")
        if any(not s for s in inputs):
            raise SymparamError(f"every input needs a feature axis. Received: {received}.")
        b.require(sympy.Eq(sympy.Mod(heads, kv), 0), "num_kv_heads", "num_heads must be a multiple of num_kv_heads "
                  "(each key and value head serves a group of query heads)",
                  f"num_heads = {heads}, num_kv_heads = {kv}")
        if len(inputs) == 1:
            (x,) = inputs
            width, parts = x[-1], heads + 2 * kv
            d = a.head_dim if a.head_dim is not None else (None if width is None else width / parts)
            if d is None:
                raise SymparamError(f"head_dim cannot be read from a fused input of unknown width; give head_dim. "
                                    f"Received: {received}.")
            self._width(b, width, parts * d, "(num_heads + 2*num_kv_heads)*head_dim", received)
            self._whole(b, d, "the fused width must be (num_heads + 2*num_kv_heads) times a whole head_dim", received)
            length = x[-2] if len(x) >= 2 else sympy.Integer(1)
            attention(b, times(heads, size(x[:-2])), length, length, d, d, of_input=True)
            return (*x[:-1], heads * d)
        q, k, v = inputs
        d = a.head_dim if a.head_dim is not None else (None if q[-1] is None else q[-1] / heads)
        if d is None:
            raise SymparamError(f"head_dim cannot be read from queries of unknown width; give head_dim. "
                                f"Received: {received}.")
        self._width(b, q[-1], heads * d, "num_heads*head_dim", received)
        self._whole(b, d, "the queries' width must be num_heads times a whole head_dim", received)
        self._width(b, k[-1], kv * d, "num_kv_heads*head_dim", received)
        self._width(b, v[-1], kv * d, "num_kv_heads*head_dim", received)
        if len(k) != len(q) or len(v) != len(q):
            raise SymparamError(f"q, k and v must have the same number of axes. Received: {received}.")
        for i in range(len(q) - 2):   # batch-like axes: the same for all three
            require_same(q[i], k[i], b, "inputs", "q and k must agree on every axis before the positions", received)
        if len(k) >= 2:
            require_same(k[-2], v[-2], b, "inputs", "k and v must have the same positions", received)
        one = sympy.Integer(1)
        attention(b, times(heads, size(q[:-2])), q[-2] if len(q) >= 2 else one, k[-2] if len(k) >= 2 else one, d, d,
                  of_input=True)
        return (*q[:-1], heads * d)

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        """The fused kernel's logsumexp: one per query position and head."""
        return a.num_heads * product(inputs[0][:-1])

    @classmethod
    def kv_cache(cls, a, inputs):
        """The keys and values it attends over (a fused input: its key and value parts)."""
        if len(inputs) == 1:
            x = inputs[0]
            kv = a.num_kv_heads if a.num_kv_heads is not None else a.num_heads
            return product(x[:-1]) * 2 * kv * (x[-1] / (a.num_heads + 2 * kv))
        return product(inputs[1][:-1]) * inputs[1][-1] + product(inputs[2][:-1]) * inputs[2][-1]

    @staticmethod
    def _whole(b, d, why: str, received: str) -> None:
        numerator, denominator = sympy.fraction(sympy.together(d))
        if denominator != 1:
            b.require(sympy.Eq(sympy.Mod(numerator, denominator), 0), "inputs", why, received)

    @staticmethod
    def _width(b, have, want, rule: str, received: str) -> None:
        if have is not None:
            b.require(sympy.Eq(have, want), "inputs", f"the feature axis must be {rule} ({want})", received)
        if not as_sympy(want).is_integer and want.is_number:
            raise SymparamError(f"head_dim must be a whole number; the feature axis is not a multiple of the heads. "
                                f"Received: {received}.")
