"""Attention kinds: MultiHeadAttention (query, key and value projections per head, an output projection),
GroupQueryAttention (query heads sharing fewer key and value heads), Attention (dot-product or concat scores,
optional scalar scale) and AdditiveAttention (Bahdanau-style, a scale per feature).

Inputs come from the layer's `inputs = [query, value]` or `[query, value, key]` (Keras's call order; the key is
the value when left out). Shapes are checked as Keras checks them when the layer is built and when it runs: a
configuration Keras builds but cannot run, or runs with a shape other than the one it declared, is refused.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError, show
from ..model import Shape
from ..shapes import product
from . import register
from .base import Arg, Choice, Flag, LayerKind, NoTwin, Opaque, Real, Size, Twin, _is_none
from .core import KERNEL_ARGS, format_shape, last_axis
from .costs import attention, size, times
from .merging import broadcast_length, require_same, shapes_text


class OptionalSize(Arg):
    """A positive size, or "none" for Keras's default."""
    expected = 'a positive integer, an expression over symbols, or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.refuse(value, key)
        return ctx.size(value, key)


class OutputShape(Arg):
    """MultiHeadAttention's output_shape: a size or a list of sizes; "none" (and Keras's other falsy values, 0 and
    an empty list) keep the query's last axis."""
    expected = 'a positive size, a list of positive sizes, or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value) or (type(value) is int and value == 0) or value == []:
            return None
        items = value if isinstance(value, list) else [value]
        if len(items) > 8 or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(ctx.size(v, key) for v in items)


class AttentionAxes(Arg):
    """The axes attention runs over: an integer or a list of them (Keras's axes, 0 being the batch), or "none"."""
    expected = 'an integer, a list of integers, or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        items = [value] if type(value) is int else value
        if not isinstance(items, list) or not items or len(items) > 16 or any(type(v) is not int for v in items):
            raise self.refuse(value, key)
        return tuple(items)


class PositiveInt(Arg):
    """A plain positive integer (not a size: it does not enter the count), or "none"."""
    expected = 'a positive integer or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        if type(value) is int and value > 0:
            return value
        raise self.refuse(value, key)


class OptionalFlag(Arg):
    expected = 'true, false or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        if isinstance(value, bool):
            return value
        raise self.refuse(value, key)


def same_rank(inputs, kind: str, least: int) -> int:
    rank = len(inputs[0])
    if any(len(s) != rank for s in inputs) or rank < least:
        axes = "axis" if least == 1 else "axes"
        raise SymparamError(f"{kind} needs query, value and key of the same rank, with at least {least} {axes} "
                            f"besides the batch. Received: input shapes {shapes_text(inputs)}.")
    return rank


def into_query(q: Shape, other: Shape, axes, b, kind: str, received: str) -> None:
    """Axes that are not attended over pair query with value and key: each length equals the query's or is 1
    (which broadcasts to it). Keras declares the query's length; a query length of 1 stretched by the value would
    make Keras compute another shape than it declares."""
    why = (f"{kind}: on the axes attention does not run over, the value and key lengths must equal the query's "
           f"(or be 1)")
    for i in axes:
        if q[i] is not None and other[i] is not None:
            b.require(sympy.Or(sympy.Eq(other[i], q[i]), sympy.Eq(other[i], 1)), "inputs", why, received)


@register
class MultiHeadAttention(LayerKind):
    name = "MultiHeadAttention"
    saves = ("input", "internal", "statistics")
    summary = ("attention with num_heads heads: query, key and value projections (key_dim, value_dim per head) "
               "and an output projection")
    lesson = ("each of the $h$ heads projects the query and the key to $d_k$ numbers and the value to $d_v$, each "
              "projection with its biases; an output projection maps the $h · d_v$ values back to $E_q$ features")
    legend = {"E_q": ("query features", "input"), "E_k": ("key features", "input"),
              "E_v": ("value features", "input"), "h": ("heads", "num_heads"), "d_k": ("numbers per head", "key_dim"),
              "d_v": ("numbers per head", "value_dim=key_dim")}
    n_inputs = (2, 3)
    args = {
        "num_heads": Size(), "key_dim": Size(), "value_dim": OptionalSize(None), "dropout": Real(0.0, 0.0, 1.0),
        "use_bias": Flag(True), "output_shape": OutputShape(None), "attention_axes": AttentionAxes(None),
        "sliding_window": PositiveInt(None), "flash_attention": OptionalFlag(None), **KERNEL_ARGS,
        "use_gate": Flag(False), "seed": Opaque(),
    }
    example = ({"num_heads": "h", "key_dim": "d_k", "inputs": ["query", "value"]},
               {"query": ["t_q", "d_model"], "value": ["t_v", "d_model"]},
               {"h": 8, "d_k": 64, "t_q": 10, "t_v": 12, "d_model": 512})

    @staticmethod
    def fused(a, inputs) -> bool:
        """Keras computes attention with one fused kernel (ops.dot_product_attention; on torch,
        scaled_dot_product_attention) when there is no dropout and query and value are sequences. The kernel keeps
        its output and a logsumexp per query position and head instead of the probabilities."""
        return a.dropout == 0 and len(inputs[0]) == 2

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """The projected query, key and value (what the attention reads) and the heads' merged output (what the
        output projection reads); fused, the kernel's output too; else the probabilities (h per query and key
        position; with dropout also its noise and the dropped probabilities)."""
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        h, d_k = a.num_heads, a.key_dim
        d_v = a.value_dim if a.value_dim is not None else d_k
        t_q, t_k = product(query[:-1]), product(key[:-1])
        projected = t_q * h * d_k + t_k * h * (d_k + d_v) + t_q * h * d_v
        if cls.fused(a, inputs):
            return projected + t_q * h * d_v
        attended = cls.attention_axes(a.attention_axes, len(query), query)
        others = sympy.Mul(*(d for i, d in enumerate(query[:-1]) if i not in attended))
        probabilities = h * others * sympy.Mul(*(query[i] for i in attended)) * sympy.Mul(*(key[i] for i in attended))
        return projected + probabilities * (3 if a.dropout > 0 else 1)

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        """The fused kernel's logsumexp: one per query position and head."""
        return a.num_heads * product(inputs[0][:-1]) if cls.fused(a, inputs) else sympy.Integer(0)

    @classmethod
    def kv_cache(cls, a, inputs):
        key = inputs[2] if len(inputs) > 2 else inputs[1]
        return product(key[:-1]) * a.num_heads * (a.key_dim + (a.value_dim if a.value_dim is not None else a.key_dim))

    def build(self, a, inputs, b):
        if a.flash_attention and a.dropout > 0:
            raise SymparamError(f"dropout is not supported with flash attention; set dropout = 0.0 or "
                                f"flash_attention = false. Received: dropout = {a.dropout}.")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        received = f"query, value, key shapes {shapes_text((query, value, key))}"
        if len(value) != len(key):
            raise SymparamError(f"MultiHeadAttention needs value and key of the same rank. Received: {received}.")
        for v_len, k_len in zip(value[:-1], key[:-1]):
            require_same(v_len, k_len, b, "inputs", "MultiHeadAttention needs value and key to agree on every axis "
                         "but the last", received)
        rank = same_rank((query, value, key), "MultiHeadAttention", 2)
        d_q = last_axis(query, "MultiHeadAttention's query")
        d_k = last_axis(key, "MultiHeadAttention's key")
        d_v = last_axis(value, "MultiHeadAttention's value")
        attended = self.attention_axes(a.attention_axes, rank, query)
        into_query(query, value, [i for i in range(rank - 1) if i not in attended], b, "MultiHeadAttention",
                   received)

        heads, key_dim = a.num_heads, a.key_dim
        value_dim = a.value_dim if a.value_dim is not None else key_dim
        out = a.output_shape if a.output_shape is not None else (d_q,)
        out_labels = ("E_q",) if a.output_shape is None else (
            ("d_out",) if len(out) == 1 else tuple(f"d_out{i}" for i in range(1, len(out) + 1)))

        def projection(name, d_in, label, per_head, per_label, what):
            b.weight(f"{name}/kernel", (d_in, heads, per_head), role=f"{what} projection weights",
                     labels=(label, "h", per_label), category="weight")
            if a.use_bias:
                b.weight(f"{name}/bias", (heads, per_head), role=f"{what} projection biases", labels=("h", per_label), category="bias")

        projection("query", d_q, "E_q", key_dim, "d_k", "query")
        projection("key", d_k, "E_k", key_dim, "d_k", "key")
        if a.use_gate:
            projection("gate", d_q, "E_q", value_dim, "d_v", "gate")
        projection("value", d_v, "E_v", value_dim, "d_v", "value")
        b.weight("attention_output/kernel", (heads, value_dim, *out), role="output projection weights",
                 labels=("h", "d_v", *out_labels), category="weight")
        if a.use_bias:
            b.weight("attention_output/bias", out, role="output projection biases", labels=out_labels, category="bias")
        other = [i for i in range(rank - 1) if i not in attended]
        q_len = size([query[i] for i in sorted(attended)])
        k_len = size([key[i] for i in sorted(attended)])
        projections(b, size(query[:-1]), size(key[:-1]), ((d_q, heads * key_dim), (d_k, heads * key_dim),
                    (d_v, heads * value_dim)), heads * value_dim, size(out), a.use_bias,
                    gate=(d_q, heads * value_dim) if a.use_gate else None)
        attention(b, times(heads, size([query[i] for i in other])), q_len, k_len, key_dim, value_dim)
        return (*query[:-1], *out)

    @classmethod
    def twin(cls, a, inputs, convention):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if len(query) != 2 or a.output_shape is not None or a.use_gate or a.attention_axes is not None:
            raise NoTwin("PyTorch's nn.MultiheadAttention matches only sequences (L, E) with the default output "
                         "shape, no gate and the default attention axes")
        e = query[-1]
        value_dim = a.value_dim if a.value_dim is not None else a.key_dim
        if sympy.Eq(a.num_heads * a.key_dim, e) is not sympy.true or \
                sympy.Eq(a.num_heads * value_dim, e) is not sympy.true:
            raise NoTwin("PyTorch's nn.MultiheadAttention needs num_heads * key_dim = num_heads * value_dim = the "
                         "query's features (embed_dim)")
        return Twin("nn.MultiheadAttention", {"embed_dim": e, "num_heads": a.num_heads, "kdim": key[-1],
                                              "vdim": value[-1], "bias": a.use_bias}, [query, key, value])

    @staticmethod
    def attention_axes(axes, rank: int, query: Shape) -> set[int]:
        """The batch-less indices attention runs over: by default every axis but the batch and the features."""
        if axes is None:
            return set(range(rank - 1))
        full = rank + 1
        chosen = []
        for axis in axes:
            if not (1 <= axis <= full - 2 or -(full - 1) <= axis <= -2):
                raise SymparamError(
                    f"attention_axes must name axes of the query other than the batch (0) and the features (the "
                    f"last): from 1 to {full - 2}, or from {-(full - 1)} to -2. Received: attention_axes = "
                    f"{show(list(axes))} for query shape {format_shape(query)}.")
            chosen.append(axis % full - 1)
        if len(set(chosen)) != len(chosen):
            raise SymparamError(f"attention_axes names an axis twice. Received: attention_axes = "
                                f"{show(list(axes))} for query shape {format_shape(query)}.")
        return set(chosen)


class ScoreAttention(LayerKind):
    """Keras's Attention base: scores of query against key, softmax over the key's positions, applied to value."""
    n_inputs = (2, 3)

    @staticmethod
    def sizes(inputs):
        """(independent rows, query positions, key positions, query features, value features)."""
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        k_len = key[-2] if len(key) >= 2 else sympy.Integer(1)
        q_len = query[-2] if len(query) >= 2 else sympy.Integer(1)
        return size(query[:-2]), q_len, k_len, query[-1], value[-1]

    @staticmethod
    def additive(b, rows, q_len, k_len, d, d_v, ops: int, per_score: int = 0) -> None:
        """Scores as sums over d of tanh(query + key): per pair and feature the add, the tanh and the add into the
        sum (`ops` 2), 3 with a scale per feature; `per_score` multiplies per score (a scalar weight, a scale)."""
        pairs = times(rows, q_len, k_len, d)
        b.cost("elementwise", times(ops, pairs), words="query + key, (times the scale,) summed, per pair and feature")
        b.cost("activation", pairs, words="tanh per pair and feature")
        if per_score:
            b.cost("elementwise", times(per_score, rows, q_len, k_len), words="the scores times their weights")
        attention(b, rows, q_len, k_len, d, d_v, of_input=True, scores=False)

    def check(self, inputs, b, additive: bool) -> Shape:
        """Keras checks none of this when it builds the layer; its kernels need it when the layer runs. A length
        that is unknown here is left to the run."""
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        received = f"query, value, key shapes {shapes_text((query, value, key))}"
        rank = same_rank((query, value, key), self.name, 1)
        if additive:        # query + key: the feature axes broadcast
            broadcast_length(query[-1], key[-1], b, "inputs", f"{self.name} needs query and key features of equal "
                             f"length (or 1, which broadcasts)", received)
        else:               # query @ key^T
            if_known(query[-1], key[-1], b, f"{self.name} needs query and key features of equal length", received)
        if rank >= 2:       # the key's positions are the value's positions
            if_known(key[-2], value[-2], b, f"{self.name} needs key and value of the same length on the positions "
                     f"axis (the second to last)", received)
            into_query(query, key, range(rank - 2), b, self.name, received)
            into_query(query, value, range(rank - 2), b, self.name, received)
        return (*query[:-1], value[-1])


def projections(b, q_rows, k_rows, widths, attended, d_out, use_bias: bool, gate=None) -> None:
    """The query, key and value projections (`widths`: (input, output) of each; the key's and value's over the key
    positions), an optional gate on the query, and the output projection from `attended` values back to d_out."""
    for (d_in, d_proj), rows, what in zip(widths, (q_rows, k_rows, k_rows), ("query", "key", "value")):
        b.cost("matmul", times(rows, d_in, d_proj), words=f"{what} projection: positions x features x heads·head size")
        if use_bias:
            b.cost("bias", times(rows, d_proj), words=f"{what} projection biases")
    if gate is not None:
        b.cost("matmul", times(q_rows, *gate), words="gate projection: positions x features x heads·value size")
        b.cost("activation", times(q_rows, gate[1]), words="the gate's sigmoid")
        b.cost("elementwise", times(q_rows, gate[1]), words="the gate's product with the attended values")
        if use_bias:
            b.cost("bias", times(q_rows, gate[1]), words="gate projection biases")
    b.cost("matmul", times(q_rows, attended, d_out), words="output projection: positions x heads·value size x d_out",
           of_input=False)
    if use_bias:
        b.cost("bias", times(q_rows, d_out), words="output projection biases")


def if_known(x, y, b, why: str, received: str) -> None:
    if x is not None and y is not None:
        b.require(sympy.Eq(x, y), "inputs", why, received)


@register
class Attention(ScoreAttention):
    no_twin = "PyTorch has no module for this scored attention; its forward() would compute it"
    name = "Attention"
    saves = ("input", "internal")
    summary = ("dot-product attention of query over value (Luong-style); use_scale adds a scalar scale, "
               "score_mode \"concat\" a scalar weight")
    args = {"use_scale": Flag(False), "score_mode": Choice("dot", "concat", default="dot", any_case=False),
            "dropout": Opaque(0.0), "seed": Opaque()}

    @classmethod
    def saved_inside(cls, a, inputs, output):
        t_q, t_k = product(inputs[0][:-1]), (inputs[1][-2] if len(inputs[1]) > 1 else 1)
        return t_q * t_k * (2 if a.use_scale else 1)    # the probabilities (and the unscaled scores)

    example = ({"use_scale": True, "inputs": ["query", "value"]}, {"query": ["t_q", "d"], "value": ["t_v", "d"]},
               {"t_q": 10, "t_v": 12, "d": 64})

    def build(self, a, inputs, b):
        shape = self.check(inputs, b, additive=a.score_mode == "concat")
        if a.use_scale:
            b.weight("scale", (), role="score scale", labels=(), category="scale")
        if a.score_mode == "concat":
            b.weight("concat_score_weight", (), role="concat score weight", labels=(), category="scale")
        rows, q_len, k_len, d, d_v = self.sizes(inputs)
        if a.score_mode == "concat":
            self.additive(b, rows, q_len, k_len, d, d_v, 2, per_score=1 + a.use_scale)
        else:
            b.cost("attention", times(rows, q_len, k_len, d), words="QK^T: query positions x key positions x d",
                   of_input=True)
            if a.use_scale:
                b.cost("elementwise", times(rows, q_len, k_len), words="the scores times the scale")
            attention(b, rows, q_len, k_len, d, d_v, of_input=True, scores=False)
        return shape


@register
class AdditiveAttention(ScoreAttention):
    no_twin = "PyTorch has no additive (Bahdanau) attention module"
    name = "AdditiveAttention"
    saves = ("internal",)

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """The value (the probabilities multiply it; query and key are only added, so not kept), tanh(query + key)
        per query and key position and feature, and the probabilities."""
        t_q, t_k = product(inputs[0][:-1]), (inputs[1][-2] if len(inputs[1]) > 1 else 1)
        return product(inputs[1]) + t_q * t_k * inputs[0][-1] + t_q * t_k
    summary = "additive attention of query over value (Bahdanau-style); use_scale adds a scale per query feature"
    args = {"use_scale": Flag(True), "dropout": Opaque(0.0)}
    example = ({"inputs": ["query", "value"]}, {"query": ["t_q", "d"], "value": ["t_v", "d"]},
               {"t_q": 10, "t_v": 12, "d": 64})

    def build(self, a, inputs, b):
        shape = self.check(inputs, b, additive=True)
        if a.use_scale:
            d = last_axis(inputs[0], "AdditiveAttention's query (its scale has a value per query feature)")
            b.weight("scale", (d,), role="scales, one per query feature", labels=("d",), category="scale")
        rows, q_len, k_len, d, d_v = self.sizes(inputs)
        self.additive(b, rows, q_len, k_len, d, d_v, 2 + a.use_scale)
        return shape


@register
class GroupQueryAttention(LayerKind):
    name = "GroupQueryAttention"
    saves = ("input", "internal", "statistics")
    # keras.layers exports the class GroupedQueryAttention as GroupQueryAttention only
    aliases = ("GroupedQueryAttention",)
    no_twin = "PyTorch has no grouped-query attention module (nn.MultiheadAttention gives every head its own keys)"
    summary = ("attention with num_query_heads query heads sharing num_key_value_heads key and value heads of "
               "head_dim, and an output projection")
    n_inputs = (2, 3)
    args = {
        "head_dim": Size(), "num_query_heads": Size(), "num_key_value_heads": Size(),
        "dropout": Real(0.0, 0.0, 1.0), "use_bias": Flag(True), "sliding_window": PositiveInt(None),
        "flash_attention": OptionalFlag(None), **KERNEL_ARGS, "use_gate": Flag(False), "seed": Opaque(),
    }

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """As MultiHeadAttention's, with the key and value repeated to the query heads (what the attention reads);
        fused (no dropout) its output, else the probabilities, their dropout noise and the dropped ones."""
        t_q, t_k, u, d = inputs[0][0], inputs[1][0], a.num_query_heads, a.head_dim
        projected = t_q * u * d + 2 * t_k * u * d + t_q * u * d
        return projected + (t_q * u * d if a.dropout == 0 else 3 * u * t_q * t_k)

    @classmethod
    def saved_statistics(cls, a, inputs, output):
        """The fused kernel's logsumexp (no dropout): one per query position and head."""
        return a.num_query_heads * inputs[0][0] if a.dropout == 0 else sympy.Integer(0)

    @classmethod
    def kv_cache(cls, a, inputs):
        return inputs[1][0] * a.num_key_value_heads * 2 * a.head_dim   # the cache holds the shared heads only

    example = ({"head_dim": "d_head", "num_query_heads": "n_q", "num_key_value_heads": "n_kv",
                "inputs": ["x", "x"]}, {"x": ["seq", "d_model"]},
               {"d_head": 128, "n_q": 32, "n_kv": 8, "seq": 4096, "d_model": 4096})

    def build(self, a, inputs, b):
        if a.flash_attention and a.dropout > 0:
            raise SymparamError(f"dropout is not supported with flash attention; set dropout = 0.0 or "
                                f"flash_attention = false. Received: dropout = {a.dropout}.")
        u, v, h = a.num_query_heads, a.num_key_value_heads, a.head_dim
        b.require(sympy.Eq(sympy.Mod(u, v), 0), "num_query_heads", "num_query_heads must be divisible by "
                  "num_key_value_heads", f"num_query_heads = {u}, num_key_value_heads = {v}")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        received = f"query, value, key shapes {shapes_text((query, value, key))}"
        if any(len(s) != 2 for s in (query, value, key)):
            raise SymparamError(f"GroupQueryAttention takes query, value and key of shape (sequence, features). "
                                f"Received: {received}.")
        d_q = last_axis(query, "GroupQueryAttention's query")
        d_k = last_axis(key, "GroupQueryAttention's key")
        d_v = last_axis(value, "GroupQueryAttention's value")
        b.require(sympy.Eq(d_q, d_v), "inputs", "GroupQueryAttention needs query and value of the same features",
                  received)
        if value[0] != key[0] and (value[0] is None or key[0] is None):
            raise SymparamError(f"GroupQueryAttention needs value and key of the same length. Received: {received}.")
        if value[0] is not None:
            b.require(sympy.Eq(value[0], key[0]), "inputs", "GroupQueryAttention needs value and key of the same "
                      "length", received)

        def projection(name, d_in, label, heads, head_label, what):
            b.weight(f"{name}/kernel", (d_in, heads, h), role=f"{what} projection weights",
                     labels=(label, head_label, "d_head"), category="weight")
            if a.use_bias:
                b.weight(f"{name}/bias", (heads, h), role=f"{what} projection biases", labels=(head_label, "d_head"),
                         category="bias")

        projection("query", d_q, "E_q", u, "n_q", "query")
        projection("key", d_k, "E_k", v, "n_kv", "key")
        if a.use_gate:
            projection("gate", d_q, "E_q", u, "n_q", "gate")
        projection("value", d_v, "E_v", v, "n_kv", "value")
        b.weight("attention_output/kernel", (u, h, d_q), role="output projection weights",
                 labels=("n_q", "d_head", "E_q"), category="weight")
        if a.use_bias:
            b.weight("attention_output/bias", (d_q,), role="output projection biases", labels=("E_q",),
                     category="bias")
        projections(b, query[0], key[0], ((d_q, u * h), (d_k, v * h), (d_v, v * h)), u * h, d_q, a.use_bias,
                    gate=(d_q, u * h) if a.use_gate else None)
        attention(b, u, query[0], key[0], h, h)
        return query
