"""PyTorch attention layers: nn.MultiheadAttention and the Transformer family, named as named_parameters().

Sequences are (L, E) once the batch axis is dropped (batch_first only moves the batch axis). The Transformer
modules are compositions torch spells out attribute by attribute, and the helpers below declare them the same
way: `attention` is one nn.MultiheadAttention (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias),
`linear` an nn.Linear, `layer_norm` an nn.LayerNorm (bias=False leaves the weight only).
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Build, Choice, Flag, Int, LayerKind, NoTwin, Opaque, Real, Size, Twin, Unsupported
from .costs import attention as attention_products, bias as add_bias, normalization, statistics_ops, times
from .torch_recurrent import features, layer_count, sequence


def attention(b: Build, prefix: str, e: sympy.Expr, kdim: sympy.Expr, vdim: sympy.Expr, *, bias: bool,
              add_bias_kv: bool = False) -> None:
    """nn.MultiheadAttention's parameters in torch's order. One packed in_proj_weight (3E, E) when the keys and
    values have E features, else q_proj_weight, k_proj_weight, v_proj_weight (decided on the expressions: equal
    expressions share one matrix; different ones that turn out equal in numbers give the same count)."""
    if kdim == e and vdim == e:
        b.weight(f"{prefix}in_proj_weight", (3 * e, e), role="query, key and value projections",
                 labels=("3E", "E"), category="weight")
    else:
        b.weight(f"{prefix}q_proj_weight", (e, e), role="query projection", labels=("E", "E"), category="weight")
        b.weight(f"{prefix}k_proj_weight", (e, kdim), role="key projection", labels=("E", "kdim"), category="weight")
        b.weight(f"{prefix}v_proj_weight", (e, vdim), role="value projection", labels=("E", "vdim"), category="weight")
    if bias:
        b.weight(f"{prefix}in_proj_bias", (3 * e,), role="query, key and value biases", labels=("3E",), category="bias")
    if add_bias_kv:
        one = sympy.Integer(1)
        b.weight(f"{prefix}bias_k", (one, one, e), role="learned key appended to the keys", labels=("1", "1", "E"), category="bias")
        b.weight(f"{prefix}bias_v", (one, one, e), role="learned value appended to the values", labels=("1", "1", "E"), category="bias")
    linear(b, f"{prefix}out_proj.", e, e, bias, "output projection", ("E", "E"))


def linear(b: Build, prefix: str, n_in: sympy.Expr, n_out: sympy.Expr, bias: bool, role: str,
           labels: tuple[str, str]) -> None:
    """An nn.Linear: weight (out, in), bias (out,)."""
    b.weight(f"{prefix}weight", (n_out, n_in), role=f"{role} weights", labels=labels, category="weight")
    if bias:
        b.weight(f"{prefix}bias", (n_out,), role=f"{role} biases", labels=labels[:1], category="bias")


def layer_norm(b: Build, prefix: str, e: sympy.Expr, bias: bool, role: str) -> None:
    b.weight(f"{prefix}weight", (e,), role=f"{role} scales", labels=("E",), category="scale")
    if bias:
        b.weight(f"{prefix}bias", (e,), role=f"{role} offsets", labels=("E",), category="offset")


def attention_costs(b: Build, heads, e, kdim, vdim, length, s_key, *, bias: bool, extra_keys: int = 0) -> None:
    """nn.MultiheadAttention's arithmetic: the projections of the query (length L) and of the keys and values
    (length S), each head's QK^T and scores x values over S + extra_keys keys (bias_k/bias_v and the zero
    attention each append one), the output projection."""
    b.cost("matmul", times(length, e, e), words="query projection: L x E x E")
    b.cost("matmul", times(s_key, kdim + vdim, e), words="key and value projections: S x (kdim + vdim) x E")
    if bias:
        b.cost("bias", times(length + 2 * s_key, e) if None not in (length, s_key) else None,
               words="projection biases: (L + 2S) x E")
    keys = None if s_key is None else s_key + extra_keys
    attention_products(b, heads, length, keys, e / heads, e / heads)
    b.cost("matmul", times(length, e, e), words="output projection: L x E x E", of_input=False)
    add_bias(b, bias, (length, e))


def block_costs(b: Build, length, e, a, attentions: int) -> None:
    """A transformer layer's feed-forward block, its layer norms and residual additions (one per sub-block)."""
    b.cost("matmul", times(length, e, a.dim_feedforward), words="feed-forward in: L x E x d_ff", of_input=False)
    add_bias(b, a.bias, (length, a.dim_feedforward))
    b.cost("activation", times(length, a.dim_feedforward), words=f"{a.activation} per feed-forward value")
    b.cost("matmul", times(length, a.dim_feedforward, e), words="feed-forward out: L x d_ff x E", of_input=False)
    add_bias(b, a.bias, (length, e))
    normalization(b, (length, e * (attentions + 1)), statistics_ops(True, a.bias),
                  f"{attentions + 1} layer norms: mean and variance, normalize, the affine parts")
    b.cost("elementwise", times(attentions + 1, length, e), words="the residual additions, one per sub-block")


def heads_divide(b: Build, e: sympy.Expr, heads: sympy.Expr, width: str = "embed_dim",
                 key: str = "num_heads") -> None:
    b.require(sympy.Eq(sympy.Mod(e, heads), 0), key, f"{width} must be divisible by {key}",
              f"{width} = {e}, {key} = {heads}")


def matching(b: Build, found: sympy.Expr, wanted: sympy.Expr, what: str, key: str, note: str) -> None:
    """An input's feature axis must have the length its projection expects."""
    b.require(sympy.Eq(found, wanted), key, f"the {what}'s feature axis must equal {key} (embed_dim when {key} is "
              f"left out){note}", f"{key} = {wanted}, {what} features {found}")


@register
class MultiheadAttention(LayerKind):
    @classmethod
    def twin(cls, a, inputs, convention):
        if a.add_bias_kv or a.add_zero_attn:
            raise NoTwin("Keras's MultiHeadAttention has no bias_k/bias_v or zero attention")
        query = inputs[0]
        key, value = (inputs[1], inputs[2]) if len(inputs) == 3 else (query, query)
        e = query[-1]
        return Twin("MultiHeadAttention", {"num_heads": a.num_heads, "key_dim": e / a.num_heads,
                                           "value_dim": e / a.num_heads, "use_bias": a.bias}, [query, value, key])

    name = "nn.MultiheadAttention"
    saves = ("input", "internal")

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """As Keras's MultiHeadAttention with key_dim = value_dim = embed_dim / num_heads (docs/memory.md: what
        torch's own forward keeps instead)."""
        length, e = output
        source = inputs[1][0] if len(inputs) == 3 else length
        return 2 * length * e + 2 * source * e + a.num_heads * length * source

    @classmethod
    def kv_cache(cls, a, inputs):
        query = inputs[0]
        return 2 * (inputs[1][0] if len(inputs) == 3 else query[0]) * query[1]   # keys and values: embed_dim each
    convention = "torch"
    summary = ("multi-head attention on (query, key, value), or self-attention on one input: query, key and value "
               "projections, an E x E output projection")
    example = ({"num_heads": "h", "inputs": ["query", "key", "value"]},
               {"query": ["L", "E"], "key": ["S", "E"], "value": ["S", "E"]}, {"h": 8, "L": 10, "S": 20, "E": 512})
    n_inputs = (1, 3)
    args = {
        "embed_dim": Size(None), "num_heads": Size(), "dropout": Real(0.0, 0.0, 1.0), "bias": Flag(True),
        "add_bias_kv": Flag(False), "add_zero_attn": Flag(False), "kdim": Size(None), "vdim": Size(None),
        "batch_first": Flag(False), "device": Opaque(), "dtype": Opaque(),
    }

    def build(self, a, inputs, b):
        # torch's forward takes (query, key, value); one input here means self-attention: query = key = value.
        if len(inputs) == 2:
            raise SymparamError("nn.MultiheadAttention takes inputs = [query, key, value], or one input for "
                                "self-attention (query = key = value). Received: 2 inputs.")
        query, key, value = inputs if len(inputs) == 3 else inputs * 3
        note = "" if len(inputs) == 3 else "; with one input, query = key = value"
        length, e_found = sequence(query, self.name, "the query")
        s_key, k_found = sequence(key, self.name, "the key")
        s_value, v_found = sequence(value, self.name, "the value")
        e = features(a.embed_dim, e_found, "embed_dim", b)
        heads_divide(b, e, a.num_heads)
        kdim = e if a.kdim is None else a.kdim
        vdim = e if a.vdim is None else a.vdim
        matching(b, k_found, kdim, "key", "kdim", note)
        matching(b, v_found, vdim, "value", "vdim", note)
        if s_key is not None and s_value is not None:
            b.require(sympy.Eq(s_key, s_value), "inputs", "the key and the value must have the same length",
                      f"key length {s_key}, value length {s_value}")
        attention(b, "", e, kdim, vdim, bias=a.bias, add_bias_kv=a.add_bias_kv)
        attention_costs(b, a.num_heads, e, kdim, vdim, length, s_key, bias=a.bias,
                        extra_keys=int(a.add_bias_kv) + int(a.add_zero_attn))
        return (length, e)


# torch also takes a callable; a spec names one of the two strings torch accepts.
ACTIVATION = Choice("relu", "gelu", default="relu", any_case=False)

# TransformerEncoderLayer / TransformerDecoderLayer's signature. d_model (required by torch) may be left out: it is
# then read from the input.
LAYER_ARGS = {
    "d_model": Size(None), "nhead": Size(), "dim_feedforward": Size(2048), "dropout": Real(0.1, 0.0, 1.0),
    "activation": ACTIVATION, "layer_norm_eps": Opaque(1e-5), "batch_first": Flag(False),
    "norm_first": Flag(False), "bias": Flag(True), "device": Opaque(), "dtype": Opaque(),
}


def model_width(a, shapes, names, kind: str, b: Build) -> list:
    """d_model, given or read from the first input, checked against every input; then each input's length."""
    found = [sequence(shape, kind, f"the {name}") for shape, name in zip(shapes, names)]
    e = features(a.d_model, found[0][1], "d_model", b)
    for (_, f), name in zip(found[1:], names[1:]):
        b.require(sympy.Eq(f, e), "d_model", f"the {name} must have d_model = {e} features",
                  f"{name} features {f}")
    heads_divide(b, e, a.nhead, "d_model", "nhead")
    return [e] + [length for length, _ in found]


def encoder_layer(b: Build, prefix: str, e, a) -> None:
    attention(b, f"{prefix}self_attn.", e, e, e, bias=a.bias)
    feed_forward(b, prefix, e, a)
    for i in (1, 2):
        layer_norm(b, f"{prefix}norm{i}.", e, a.bias, f"layer norm {i}")


def decoder_layer(b: Build, prefix: str, e, a) -> None:
    attention(b, f"{prefix}self_attn.", e, e, e, bias=a.bias)
    attention(b, f"{prefix}multihead_attn.", e, e, e, bias=a.bias)
    feed_forward(b, prefix, e, a)
    for i in (1, 2, 3):
        layer_norm(b, f"{prefix}norm{i}.", e, a.bias, f"layer norm {i}")


def encoder_costs(b: Build, e, length, a) -> None:
    attention_costs(b, a.nhead, e, e, e, length, length, bias=a.bias)
    block_costs(b, length, e, a, 1)


def decoder_costs(b: Build, e, length, memory, a) -> None:
    attention_costs(b, a.nhead, e, e, e, length, length, bias=a.bias)
    attention_costs(b, a.nhead, e, e, e, length, memory, bias=a.bias)
    block_costs(b, length, e, a, 2)


def feed_forward(b: Build, prefix: str, e, a) -> None:
    linear(b, f"{prefix}linear1.", e, a.dim_feedforward, a.bias, "feed-forward in", ("d_ff", "E"))
    linear(b, f"{prefix}linear2.", a.dim_feedforward, e, a.bias, "feed-forward out", ("E", "d_ff"))


@register
class TransformerEncoderLayer(LayerKind):
    no_twin = ("Keras has no transformer layer; write it as a block of MultiHeadAttention, LayerNormalization "
               "and Dense (see examples/bert_base.toml)")
    name = "nn.TransformerEncoderLayer"
    saves = ("unmodelled",)
    convention = "torch"
    summary = ("self-attention (4E x E weights, 4E biases), a feed-forward block E -> d_ff -> E and two layer "
               "norms, on a sequence (L, E)")
    example = ({"nhead": "h", "dim_feedforward": "d_ff"}, ["L", "E"], {"h": 8, "d_ff": 2048, "L": 10, "E": 512})
    args = LAYER_ARGS

    def build(self, a, inputs, b):
        e, length = model_width(a, inputs, ("input",), self.name, b)
        encoder_layer(b, "", e, a)
        encoder_costs(b, e, length, a)
        return (length, e)


@register
class TransformerDecoderLayer(LayerKind):
    no_twin = ("Keras has no transformer layer; write it as a block of MultiHeadAttention, LayerNormalization "
               "and Dense (see examples/bert_base.toml)")
    name = "nn.TransformerDecoderLayer"
    saves = ("unmodelled",)
    convention = "torch"
    summary = ("self-attention on tgt, attention over memory, a feed-forward block E -> d_ff -> E and three layer "
               "norms; inputs tgt (T, E) and memory (S, E)")
    example = ({"nhead": "h", "dim_feedforward": "d_ff", "inputs": ["tgt", "memory"]},
               {"tgt": ["T", "E"], "memory": ["S", "E"]}, {"h": 8, "d_ff": 2048, "T": 10, "S": 20, "E": 512})
    n_inputs = 2
    args = LAYER_ARGS

    def build(self, a, inputs, b):
        e, length, memory = model_width(a, inputs, ("tgt", "memory"), self.name, b)
        decoder_layer(b, "", e, a)
        decoder_costs(b, e, length, memory, a)
        return (length, e)


@register
class Transformer(LayerKind):
    no_twin = ("Keras has no transformer layer; write it as a block of MultiHeadAttention, LayerNormalization "
               "and Dense (see examples/bert_base.toml)")
    name = "nn.Transformer"
    saves = ("unmodelled",)
    convention = "torch"
    summary = ("encoder-decoder transformer: stacked encoder and decoder layers, each stack with a final layer "
               "norm; inputs src (S, E) and tgt (T, E)")
    # one layer per stack keeps the worked line readable (torch's default is 6 + 6: 44,140,544 parameters)
    example = ({"d_model": "E", "nhead": "h", "num_encoder_layers": 1, "num_decoder_layers": 1,
                "dim_feedforward": "d_ff", "inputs": ["src", "tgt"]},
               {"src": ["S", "E"], "tgt": ["T", "E"]}, {"E": 512, "h": 8, "d_ff": 2048, "S": 20, "T": 10})
    n_inputs = 2
    # torch gives d_model and nhead defaults (512, 8): left out, they mean what they mean in torch.
    args = {
        "d_model": Size(512), "nhead": Size(8), "num_encoder_layers": Int(6), "num_decoder_layers": Int(6),
        "dim_feedforward": Size(2048), "dropout": Real(0.1, 0.0, 1.0), "activation": ACTIVATION,
        "custom_encoder": Unsupported(None, "a module cannot be written in a spec; stack "
                                            "nn.TransformerEncoderLayer layers instead"),
        "custom_decoder": Unsupported(None, "a module cannot be written in a spec; stack "
                                            "nn.TransformerDecoderLayer layers instead"),
        "layer_norm_eps": Opaque(1e-5), "batch_first": Flag(False), "norm_first": Flag(False), "bias": Flag(True),
        "device": Opaque(), "dtype": Opaque(),
    }

    def build(self, a, inputs, b):
        # torch's forward indexes layers[0]: a stack of 0 layers builds but cannot run.
        n_enc = layer_count(a.num_encoder_layers, "num_encoder_layers")
        n_dec = layer_count(a.num_decoder_layers, "num_decoder_layers")
        e, source, length = model_width(a, inputs, ("src", "tgt"), self.name, b)
        for i in range(n_enc):
            encoder_layer(b, f"encoder.layers.{i}.", e, a)
            encoder_costs(b, e, source, a)
        layer_norm(b, "encoder.norm.", e, a.bias, "encoder's final layer norm")
        for i in range(n_dec):
            decoder_layer(b, f"decoder.layers.{i}.", e, a)
            decoder_costs(b, e, length, source, a)
        layer_norm(b, "decoder.norm.", e, a.bias, "decoder's final layer norm")
        normalization(b, (source, e), statistics_ops(True, a.bias), "the encoder's final layer norm")
        normalization(b, (length, e), statistics_ops(True, a.bias), "the decoder's final layer norm")
        return (length, e)
