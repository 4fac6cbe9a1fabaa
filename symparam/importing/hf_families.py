"""What each Hugging Face family builds, as tables: the config fields it reads (sizes become symbols, switches pick
biases and ties, choices pick the activation), the fields that change no count, the model classes it knows from
`architectures`, and the module names of its blocks. Four builders read the tables: decoders and ViT (pre-norm
blocks), the BERT family (post-norm blocks), and T5 (an encoder-decoder with relative position biases).

Names are transformers 5's module paths; a block repeated N times is one name with `/` where the model has `.i.`:
`model.layers/self_attn.q_proj` stands for model.layers.0.self_attn.q_proj ... model.layers.{N-1}.self_attn.q_proj.
Layers without parameters that the model has as code, not modules (the attention itself, residual additions, the
gate's product), get names that no module of the model has.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import SymparamError, show

# Fields any config may carry that change no count (PretrainedConfig's own, token ids, run-time switches).
GENERIC = frozenset((
    "_name_or_path", "architectures", "auto_map", "bos_token_id", "chunk_size_feed_forward", "decoder_start_token_id",
    "dtype", "eos_token_id", "finetuning_task", "gradient_checkpointing", "id2label", "initializer_range",
    "is_encoder_decoder", "label2id", "model_type", "output_attentions", "output_hidden_states", "output_past",
    "pad_token_id", "prefix", "problem_type", "return_dict", "sep_token_id", "task_specific_params", "tokenizer_class",
    "torch_dtype", "torchscript", "transformers_version", "use_cache", "use_return_dict", "num_labels",
))
ROTARY = frozenset(("rope_theta", "rope_scaling", "rope_parameters", "partial_rotary_factor"))

# One line per size field, under the config's own name (the spec's symbol docs).
DOCS = {
    "vocab_size": "tokens in the vocabulary (rows of the token embedding)",
    "hidden_size": "width of the hidden states (the residual stream)",
    "n_embd": "width of the hidden states (the residual stream)",
    "dim": "width of the hidden states (the residual stream)",
    "d_model": "width of the hidden states (the residual stream)",
    "num_hidden_layers": "transformer blocks",
    "n_layer": "transformer blocks",
    "n_layers": "transformer blocks",
    "num_layers": "encoder blocks",
    "num_decoder_layers": "decoder blocks",
    "num_attention_heads": "attention (query) heads",
    "n_head": "attention heads",
    "n_heads": "attention heads",
    "num_heads": "attention heads",
    "num_key_value_heads": "key and value heads (each serves a group of query heads)",
    "head_dim": "width of each attention head (set by the config)",
    "d_kv": "width of each attention head",
    "intermediate_size": "width of each block's MLP",
    "n_inner": "width of each block's MLP",
    "hidden_dim": "width of each block's MLP",
    "d_ff": "width of each block's MLP",
    "ffn_dim": "width of each block's MLP",
    "max_position_embeddings": "learned positions (the longest input)",
    "n_positions": "learned positions (the longest input)",
    "type_vocab_size": "segment (token type) embeddings",
    "num_local_experts": "experts in each mixture-of-experts MLP",
    "num_experts_per_tok": "experts each token is routed to (top_k)",
    "relative_attention_num_buckets": "relative-position buckets of the attention bias",
    "image_size": "image height and width",
    "patch_size": "patch height and width",
    "num_channels": "image channels",
    "num_labels": "classes of the classification head",
    "word_embed_proj_dim": "width of the token embedding (projected to hidden_size)",
    "seq_len": "tokens in the input (changes no count)",
    "target_len": "tokens in the decoder's input (changes no count)",
}

# hidden_act and its kin -> the nn activation module (none of them has parameters).
ACTIVATIONS = {
    "silu": ("nn.SiLU", {}), "swish": ("nn.SiLU", {}), "relu": ("nn.ReLU", {}), "tanh": ("nn.Tanh", {}),
    "gelu": ("nn.GELU", {}), "gelu_python": ("nn.GELU", {}),
    "gelu_new": ("nn.GELU", {"approximate": "tanh"}), "gelu_pytorch_tanh": ("nn.GELU", {"approximate": "tanh"}),
    "gelu_fast": ("nn.GELU", {"approximate": "tanh"}),
}


@dataclass(frozen=True)
class Family:
    builder: str                                   # "decoder", "bert", "t5" or "vit"
    sizes: dict[str, int | None]                   # size fields -> transformers' default (None: derived if absent)
    switches: dict[str, bool] = field(default_factory=dict)   # boolean fields read, with their defaults
    choices: dict[str, str] = field(default_factory=dict)     # activation fields, with their defaults
    fixed: dict[str, Any] = field(default_factory=dict)       # fields modelled only at this value (or absent)
    ignored: frozenset[str] = frozenset()          # fields that change no count
    heads: dict[str, tuple[str, str]] = field(default_factory=dict)   # architecture -> (module prefix, head)
    base: str = ""                                 # the architecture when the config names none
    layout: dict[str, Any] = field(default_factory=dict)      # builder-specific names and facts


_LLAMA_SIZES = {"vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
                "num_attention_heads": 32, "num_key_value_heads": None, "head_dim": None}
_DECODER_IGNORED = ROTARY | {"max_position_embeddings", "rms_norm_eps", "attention_dropout", "pretraining_tp",
                             "sliding_window", "initializer_range"}


def _decoder_heads(prefix: str) -> dict[str, tuple[str, str]]:
    return {f"{prefix}Model": ("", "none"), f"{prefix}ForCausalLM": ("model.", "causal_lm"),
            f"{prefix}ForSequenceClassification": ("model.", "score")}


def _llama_layout(qkv_bias, o_bias, mlp_bias, mlp="gated", fused=False) -> dict:
    return {"norm": "nn.RMSNorm", "attn_norm": "input_layernorm", "mlp_norm": "post_attention_layernorm",
            "qkv": ("self_attn.qkv_proj",) if fused else ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
            "o": "self_attn.o_proj", "mlp": mlp,
            "mlp_names": {"gated": ("mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"),
                          "fused": ("mlp.gate_up_proj", "mlp.down_proj"), "moe": ("mlp",)}[mlp],
            "act": "mlp.act_fn", "qkv_bias": qkv_bias, "o_bias": o_bias, "mlp_bias": mlp_bias,
            "embed": "embed_tokens", "stack": "layers", "final_norm": "norm"}


FAMILIES: dict[str, Family] = {
    "llama": Family(
        "decoder", _LLAMA_SIZES, {"tie_word_embeddings": False, "attention_bias": False, "mlp_bias": False},
        {"hidden_act": "silu"}, ignored=_DECODER_IGNORED, heads=_decoder_heads("Llama"), base="LlamaModel",
        layout=_llama_layout("attention_bias", "attention_bias", "mlp_bias")),
    "mistral": Family(
        "decoder", {**_LLAMA_SIZES, "intermediate_size": 14336, "num_key_value_heads": 8},
        {"tie_word_embeddings": False}, {"hidden_act": "silu"}, ignored=_DECODER_IGNORED,
        heads=_decoder_heads("Mistral"), base="MistralModel", layout=_llama_layout(False, False, False)),
    "mixtral": Family(
        "decoder", {**_LLAMA_SIZES, "intermediate_size": 14336, "num_key_value_heads": 8, "num_local_experts": 8,
                    "num_experts_per_tok": 2},
        {"tie_word_embeddings": False}, {"hidden_act": "silu"},
        ignored=_DECODER_IGNORED | {"output_router_logits", "router_aux_loss_coef", "router_jitter_noise"},
        heads=_decoder_heads("Mixtral"), base="MixtralModel", layout=_llama_layout(False, False, False, "moe")),
    "qwen2": Family(
        "decoder", {**_LLAMA_SIZES, "vocab_size": 151936, "intermediate_size": 22016},
        {"tie_word_embeddings": False}, {"hidden_act": "silu"},
        ignored=_DECODER_IGNORED | {"use_sliding_window", "max_window_layers", "layer_types"},
        heads=_decoder_heads("Qwen2"), base="Qwen2Model", layout=_llama_layout(True, False, False)),
    "gemma": Family(
        "decoder", {**_LLAMA_SIZES, "vocab_size": 256000, "hidden_size": 3072, "intermediate_size": 24576,
                    "num_hidden_layers": 28, "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256},
        {"tie_word_embeddings": True, "attention_bias": False}, {"hidden_act": "gelu_pytorch_tanh",
                                                                 "hidden_activation": "gelu_pytorch_tanh"},
        ignored=_DECODER_IGNORED | {"use_bidirectional_attention"}, heads=_decoder_heads("Gemma"),
        base="GemmaModel", layout=_llama_layout("attention_bias", "attention_bias", False)),
    "phi3": Family(
        "decoder", {**_LLAMA_SIZES, "vocab_size": 32064, "hidden_size": 3072, "intermediate_size": 8192},
        {"tie_word_embeddings": False}, {"hidden_act": "silu"},
        ignored=_DECODER_IGNORED | {"resid_pdrop", "embd_pdrop", "original_max_position_embeddings"},
        heads=_decoder_heads("Phi3"), base="Phi3Model", layout=_llama_layout(False, False, False, "fused", True)),
    "gpt2": Family(
        "decoder", {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12,
                    "n_inner": None},
        {"tie_word_embeddings": True}, {"activation_function": "gelu_new"}, fixed={"add_cross_attention": False},
        ignored=frozenset({"resid_pdrop", "embd_pdrop", "attn_pdrop", "layer_norm_epsilon", "summary_type",
                           "summary_use_proj", "summary_activation", "summary_proj_to_labels", "summary_first_dropout",
                           "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn",
                           "n_ctx"}),
        heads={"GPT2Model": ("", "none"), "GPT2LMHeadModel": ("transformer.", "causal_lm")}, base="GPT2Model",
        layout={"norm": "nn.LayerNorm", "attn_norm": "ln_1", "mlp_norm": "ln_2", "qkv": ("attn.c_attn",),
                "o": "attn.c_proj", "mlp": "plain", "mlp_names": ("mlp.c_fc", "mlp.c_proj"), "act": "mlp.act",
                "qkv_bias": True, "o_bias": True, "mlp_bias": True, "embed": "wte", "positions": ("wpe", 0),
                "stack": "h", "final_norm": "ln_f",
                "names": {"hidden": "n_embd", "layers": "n_layer", "heads": "n_head", "inner": "n_inner",
                          "positions": "n_positions"}}),
    "opt": Family(
        "decoder", {"vocab_size": 50272, "hidden_size": 768, "num_hidden_layers": 12, "ffn_dim": 3072,
                    "max_position_embeddings": 2048, "num_attention_heads": 12, "word_embed_proj_dim": None},
        {"tie_word_embeddings": True, "enable_bias": True}, {"activation_function": "relu"},
        fixed={"do_layer_norm_before": True, "_remove_final_layer_norm": False,
               "layer_norm_elementwise_affine": True},
        ignored=frozenset({"dropout", "attention_dropout", "activation_dropout", "layerdrop", "init_std"}),
        heads={"OPTModel": ("", "none"), "OPTForCausalLM": ("model.", "causal_lm")}, base="OPTModel",
        layout={"norm": "nn.LayerNorm", "attn_norm": "self_attn_layer_norm", "mlp_norm": "final_layer_norm",
                "qkv": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"), "o": "self_attn.out_proj",
                "mlp": "plain", "mlp_names": ("fc1", "fc2"), "act": "activation_fn", "qkv_bias": "enable_bias",
                "o_bias": "enable_bias", "mlp_bias": "enable_bias", "embed": "decoder.embed_tokens",
                "positions": ("decoder.embed_positions", 2), "stack": "decoder.layers",
                "final_norm": "decoder.final_layer_norm",
                "names": {"inner": "ffn_dim", "positions": "max_position_embeddings"}}),
    "bert": Family(
        "bert", {"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "intermediate_size": 3072, "max_position_embeddings": 512, "type_vocab_size": 2},
        {"tie_word_embeddings": True}, {"hidden_act": "gelu"},
        fixed={"position_embedding_type": "absolute", "is_decoder": False, "add_cross_attention": False},
        ignored=frozenset({"hidden_dropout_prob", "attention_probs_dropout_prob", "layer_norm_eps",
                           "classifier_dropout", "gradient_checkpointing"}),
        heads={"BertModel": ("", "pooler"), "BertForMaskedLM": ("bert.", "masked_lm"),
               "BertForSequenceClassification": ("bert.", "classifier")}, base="BertModel",
        layout={"embeddings": "embeddings", "stack": "encoder.layer", "mlm": "cls.predictions",
                "mlm_names": ("transform.dense", "transform.LayerNorm", "decoder")}),
    "roberta": Family(
        "bert", {"vocab_size": 50265, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "intermediate_size": 3072, "max_position_embeddings": 512, "type_vocab_size": 2},
        {"tie_word_embeddings": True}, {"hidden_act": "gelu"},
        fixed={"position_embedding_type": "absolute", "is_decoder": False, "add_cross_attention": False},
        ignored=frozenset({"hidden_dropout_prob", "attention_probs_dropout_prob", "layer_norm_eps",
                           "classifier_dropout"}),
        heads={"RobertaModel": ("", "pooler"), "RobertaForMaskedLM": ("roberta.", "masked_lm")}, base="RobertaModel",
        layout={"embeddings": "embeddings", "stack": "encoder.layer", "mlm": "lm_head",
                "mlm_names": ("dense", "layer_norm", "decoder")}),
    "distilbert": Family(
        "bert", {"vocab_size": 30522, "max_position_embeddings": 512, "n_layers": 6, "n_heads": 12, "dim": 768,
                 "hidden_dim": 3072},
        {"tie_word_embeddings": True}, {"activation": "gelu"},
        ignored=frozenset({"sinusoidal_pos_embds", "dropout", "attention_dropout", "qa_dropout", "seq_classif_dropout",
                           "tie_weights_"}),
        heads={"DistilBertModel": ("", "none"), "DistilBertForMaskedLM": ("distilbert.", "masked_lm")},
        base="DistilBertModel",
        layout={"embeddings": "embeddings", "stack": "transformer.layer", "mlm": "",
                "mlm_names": ("vocab_transform", "vocab_layer_norm", "vocab_projector"),
                "block": ("attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin",
                          "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm"),
                "names": {"hidden": "dim", "layers": "n_layers", "heads": "n_heads", "inner": "hidden_dim"}}),
    "t5": Family(
        "t5", {"vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6,
               "num_decoder_layers": None, "num_heads": 8, "relative_attention_num_buckets": 32},
        {"tie_word_embeddings": True}, {"feed_forward_proj": "relu"},
        fixed={"is_decoder": False},
        ignored=frozenset({"relative_attention_max_distance", "dropout_rate", "layer_norm_epsilon",
                           "initializer_factor", "classifier_dropout", "dense_act_fn", "is_gated_act",
                           "scale_decoder_outputs", "n_positions"}),
        heads={"T5Model": ("", "none"), "T5ForConditionalGeneration": ("", "causal_lm")},
        base="T5Model"),
    "vit": Family(
        "vit", {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                "image_size": 224, "patch_size": 16, "num_channels": 3},
        {"qkv_bias": True}, {"hidden_act": "gelu"},
        fixed={"pooler_act": "tanh"},
        ignored=frozenset({"hidden_dropout_prob", "attention_probs_dropout_prob", "layer_norm_eps", "encoder_stride",
                           "pooler_output_size"}),
        heads={"ViTModel": ("", "pooler"), "ViTForImageClassification": ("vit.", "classifier")}, base="ViTModel",
        layout={"norm": "nn.LayerNorm", "attn_norm": "layernorm_before", "mlp_norm": "layernorm_after",
                "qkv": ("attention.q_proj", "attention.k_proj", "attention.v_proj"), "o": "attention.o_proj",
                "mlp": "plain", "mlp_names": ("mlp.fc1", "mlp.fc2"), "act": "mlp.act", "qkv_bias": "qkv_bias",
                "o_bias": True, "mlp_bias": True, "stack": "layers", "final_norm": "layernorm"}),
}


# ---------------------------------------------------------------------------------------------------------------
# Reading a config against its family's table
# ---------------------------------------------------------------------------------------------------------------

class Doc:
    """The spec being written: the config's values read through the family's table, and the symbols, blocks and
    layers so far."""

    def __init__(self, family: Family, config: dict) -> None:
        self.family, self.config = family, config
        self.symbols: dict[str, dict] = {}
        self.blocks: dict[str, dict] = {}
        self.network = Block()                # the [[layers]]
        self.layer = self.network.layer
        self.inputs: dict[str, list] = {}
        self.notes: list[str] = []
        for key, value in config.items():
            self._check(key, value)
        architectures = config.get("architectures") or [family.base]
        if not isinstance(architectures, list) or len(architectures) != 1 or not isinstance(architectures[0], str) \
                or architectures[0] not in family.heads:
            known = ", ".join(family.heads)
            raise SymparamError(f"field 'architectures' must name one model class symparam knows for model_type "
                                f"{config['model_type']!r} ({known}). Received: architectures = {show(architectures)}.")
        self.architecture = architectures[0]
        self.prefix, self.head = family.heads[self.architecture]

    def _check(self, key: str, value: Any) -> None:
        f = self.family
        if key in GENERIC or key in f.ignored:
            return
        if key in f.sizes:
            if value is None and f.sizes[key] is None:
                return
            if type(value) is not int or value < 1:
                raise SymparamError(f"field {key!r} must be a positive integer. Received: {key} = {show(value)}.")
        elif key in f.switches:
            if not isinstance(value, bool):
                raise SymparamError(f"field {key!r} must be true or false. Received: {key} = {show(value)}.")
        elif key in f.choices:
            act = value.removeprefix("gated-") if key == "feed_forward_proj" and isinstance(value, str) else value
            if not isinstance(act, str) or act not in ACTIVATIONS:
                raise SymparamError(f"field {key!r}: symparam knows the activations {', '.join(ACTIVATIONS)}. "
                                    f"Received: {key} = {show(value)}.")
        elif key in f.fixed:
            if value != f.fixed[key]:
                raise SymparamError(f"field {key!r} = {show(value)} changes the model in a way symparam's import "
                                    f"does not model (only {show(f.fixed[key])} is). Received: {key} = {show(value)}.")
        else:
            raise SymparamError(f"field {key!r} is not one symparam's {self.config['model_type']} import "
                                f"understands, and it may change the count. Received: {key} = {show(value)}.")

    def given(self, key: str) -> bool:
        return self.config.get(key) is not None

    def size(self, key: str) -> str:
        """The symbol for a size field (declared at first use, the config's value or transformers' default)."""
        if key not in self.symbols:
            value = self.config.get(key, self.family.sizes.get(key))
            if value is None:
                raise SymparamError(f"field {key!r} is required. Received: no {key}.")
            self.symbols[key] = {"default": value, "doc": DOCS.get(key, key)}
        return key

    def size_or(self, key: str, otherwise: str) -> str:
        """A size field when the config gives it, else `otherwise` (an expression of other symbols)."""
        if self.given(key) or self.family.sizes.get(key) is not None:
            return self.size(key)
        return otherwise

    def number(self, key: str, value: int, doc: str) -> str:
        self.symbols[key] = {"default": value, "doc": doc}
        return key

    def flag(self, key) -> bool:
        if isinstance(key, bool):
            return key
        return bool(self.config.get(key, self.family.switches[key]))

    def activation(self, key: str) -> dict:
        value = self.config.get(key, self.family.choices[key])
        kind, args = ACTIVATIONS[value.removeprefix("gated-")]
        return {"type": kind, **args}

    def document(self, comment: str) -> dict:
        network = {"name": self.config["model_type"], "convention": "torch", "input": self.inputs}
        notes = "\n".join(textwrap.fill(n, 116, initial_indent="- ", subsequent_indent="  ") for n in self.notes)
        order = list(self.config)   # the config's order, then the symbols it does not have
        place = lambda item: order.index(item[0]) if item[0] in order else len(order)  # noqa: E731
        symbols = dict(sorted(self.symbols.items(), key=place))
        return {"__comment__": comment + ("\n" + notes if notes else ""), "network": network,
                "symbols": symbols, "blocks": self.blocks, "layers": self.network.layers}


def _table(kind: str, name: str, inputs: list[str] | None, args: dict) -> dict:
    table: dict[str, Any] = {"type": kind, "name": name}
    if inputs is not None:
        table["inputs"] = inputs
    table.update({k: v for k, v in args.items() if v is not None})
    return table


class Block:
    """Layers being written, a block's or the network's, as tables (names are the block's own inside one)."""

    def __init__(self) -> None:
        self.layers: list[dict] = []

    def layer(self, kind: str, name: str, inputs: list[str] | None = None, **args) -> str:
        self.layers.append(_table(kind, name, inputs, args))
        return name


def build(family: Family, config: dict, source: str) -> dict:
    doc = Doc(family, config)
    BUILDERS[family.builder](doc)
    comment = textwrap.fill(
        f"{doc.architecture} from {source} (model_type {config['model_type']!r}), imported by symparam: one layer per "
        f"module of the model, named as transformers names them; `/` in a name stands for every block of the stack "
        f"(model.layers/self_attn.q_proj is model.layers.N.self_attn.q_proj for each N). The config's size fields are "
        f"the symbols.", 116)
    return doc.document(comment)


# ---------------------------------------------------------------------------------------------------------------
# Blocks
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Dims:
    hidden: str
    heads: str
    kv: str
    head_dim: str
    inner: str


def _attention(b: Block, d: Doc, lay: dict, dims: Dims, x: str) -> str:
    """q, k, v projections of `x` (or one fused qkv), the attention, the output projection; returns the last name."""
    qkv_bias, o_bias = d.flag(lay["qkv_bias"]), d.flag(lay["o_bias"])
    hd = dims.head_dim
    heads_width, kv_width = _heads_times(dims, dims.heads), _heads_times(dims, dims.kv)
    sdpa = lay["o"].rpartition(".")[0] + ".sdpa" if "." in lay["o"] else "sdpa"
    args = {"num_heads": dims.heads, "num_kv_heads": dims.kv if dims.kv != dims.heads else None, "head_dim": hd}
    if len(lay["qkv"]) == 1:
        (fused,) = lay["qkv"]
        b.layer("nn.Linear", fused, [x], in_features=dims.hidden,
                out_features=_heads_times(dims, f"({dims.heads} + 2 * {dims.kv})"), bias=qkv_bias)
        b.layer("ScaledDotProductAttention", sdpa, [fused], **args)
    else:
        for name, width in zip(lay["qkv"], (heads_width, kv_width, kv_width)):
            b.layer("nn.Linear", name, [x], in_features=dims.hidden, out_features=width, bias=qkv_bias)
        b.layer("ScaledDotProductAttention", sdpa, list(lay["qkv"]), **args)
    return b.layer("nn.Linear", lay["o"], [sdpa], in_features=heads_width, out_features=dims.hidden, bias=o_bias)


def _heads_times(dims: Dims, count: str) -> str:
    """count x head_dim, written as the spec's reader would: hidden_size itself for all the query heads when head_dim
    is hidden_size / num_attention_heads."""
    if dims.head_dim == f"{dims.hidden} / {dims.heads}":
        return dims.hidden if count == dims.heads else f"{count} * {dims.hidden} / {dims.heads}"
    return f"{count} * {dims.head_dim}"


def _mlp(b: Block, d: Doc, lay: dict, dims: Dims, x: str, act: dict) -> str:
    names, bias, kind = lay["mlp_names"], d.flag(lay["mlp_bias"]), lay["mlp"]
    linear = lambda name, src, n_in, n_out: b.layer("nn.Linear", name, [src], in_features=n_in,  # noqa: E731
                                                    out_features=n_out, bias=bias)
    if kind == "plain":
        fc1, fc2 = names
        linear(fc1, x, dims.hidden, dims.inner)
        b.layer(act["type"], lay["act"], [fc1], **{k: v for k, v in act.items() if k != "type"})
        return linear(fc2, lay["act"], dims.inner, dims.hidden)
    if kind == "moe":
        (name,) = names
        return b.layer("MixtureOfExperts", name, [x], num_experts=d.size("num_local_experts"),
                       top_k=d.size("num_experts_per_tok"), intermediate_size=dims.inner)
    args = {k: v for k, v in act.items() if k != "type"}
    prefix = names[0].rpartition(".")[0] + "." if "." in names[0] else ""
    if kind == "fused":   # gate_up_proj, then up * act(gate) over its two halves (nn.GLU's split; its sigmoid is
        gate_up, down = names   # the model's activation, neither has parameters)
        linear(gate_up, x, dims.hidden, f"2 * {dims.inner}")
        b.layer("nn.GLU", prefix + "gated", [gate_up], dim=-1)
        return linear(down, prefix + "gated", dims.inner, dims.hidden)
    gate, up, down = names   # SwiGLU: down(act(gate(x)) * up(x))
    linear(gate, x, dims.hidden, dims.inner)
    b.layer(act["type"], lay["act"], [gate], **args)
    linear(up, x, dims.hidden, dims.inner)
    b.layer("Multiply", prefix + "gated", [lay["act"], up])
    return linear(down, prefix + "gated", dims.inner, dims.hidden)


def prenorm_block(d: Doc, lay: dict, dims: Dims, act: dict) -> dict:
    """norm, attention, residual; norm, MLP, residual (GPT-2, OPT, ViT, Llama and its kin)."""
    b = Block()
    norm = lambda name, src: b.layer(lay["norm"], name, [src], normalized_shape=dims.hidden)  # noqa: E731
    norm(lay["attn_norm"], "x")
    out = _attention(b, d, lay, dims, lay["attn_norm"])
    b.layer("Add", "attn_residual", ["x", out])
    norm(lay["mlp_norm"], "attn_residual")
    out = _mlp(b, d, lay, dims, lay["mlp_norm"], act)
    b.layer("Add", "mlp_residual", ["attn_residual", out])
    return {"doc": "pre-norm self-attention and MLP, each added back to the residual stream", "inputs": ["x"],
            "output": "mlp_residual", "layers": b.layers}


# ---------------------------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------------------------

def _names(d: Doc) -> dict[str, str]:
    return {"hidden": "hidden_size", "layers": "num_hidden_layers", "heads": "num_attention_heads",
            "inner": "intermediate_size", **d.family.layout.get("names", {})}


def _seq(d: Doc, name: str = "seq_len", positions: str | None = None) -> str:
    value = d.config.get(positions) if positions else None
    return d.number(name, value if type(value) is int and value > 0 else 512, DOCS[name])


def decoder(d: Doc) -> None:
    """Token embedding (and learned positions), a stack of pre-norm blocks, a final norm, the head."""
    lay, n = d.family.layout, _names(d)
    hidden, heads = d.size(n["hidden"]), d.size(n["heads"])
    kv = d.size_or("num_key_value_heads", heads) if "num_key_value_heads" in d.family.sizes else heads
    head_dim = d.size_or("head_dim", f"{hidden} / {heads}") if "head_dim" in d.family.sizes else f"{hidden} / {heads}"
    inner = d.size_or(n["inner"], f"4 * {hidden}")
    if inner != n["inner"]:
        d.notes.append(f"{n['inner']} is not set: the MLP is 4 * {hidden} wide, as transformers makes it.")
    dims = Dims(hidden, heads, kv, head_dim, inner)
    p, vocab = d.prefix, d.size("vocab_size")
    positions = lay.get("positions")
    seq = _seq(d, positions=n.get("positions"))
    d.inputs["input_ids"] = [seq]
    width = hidden
    if "word_embed_proj_dim" in d.family.sizes and d.given("word_embed_proj_dim") \
            and d.config["word_embed_proj_dim"] != d.config.get("hidden_size", d.family.sizes["hidden_size"]):
        width = d.size("word_embed_proj_dim")
    x = d.layer("nn.Embedding", p + lay["embed"], ["input_ids"], num_embeddings=vocab, embedding_dim=width)
    if width != hidden:
        x = d.layer("nn.Linear", p + "decoder.project_in", [x], in_features=width, out_features=hidden, bias=False)
    if positions:
        name, offset = positions
        d.inputs["position_ids"] = [seq]
        count = d.size(n["positions"]) + (f" + {offset}" if offset else "")
        d.layer("nn.Embedding", p + name, ["position_ids"], num_embeddings=count, embedding_dim=hidden)
        x = d.layer("Add", p + "embeddings_sum", [x, p + name])
    d.blocks["decoder_layer"] = prenorm_block(d, lay, dims, d.activation(next(iter(d.family.choices))))
    d.layer("decoder_layer", p + lay["stack"], [x], repeat=d.size(n["layers"]))
    x = d.layer(lay["norm"], p + lay["final_norm"], normalized_shape=hidden)
    if width != hidden:
        x = d.layer("nn.Linear", p + "decoder.project_out", [x], in_features=hidden, out_features=width, bias=False)
    _lm_head(d, x, width, vocab, p + lay["embed"])


def _lm_head(d: Doc, x: str, width: str, vocab: str, embedding: str) -> None:
    if d.head == "causal_lm":
        tie = {"weight": f"{embedding}/weight"} if d.flag("tie_word_embeddings") else None
        d.layer("nn.Linear", "lm_head", [x], in_features=width, out_features=vocab, bias=False, tie=tie)
    elif d.head == "score":
        d.layer("nn.Linear", "score", [x], in_features=width, out_features=_labels(d), bias=False)


def _labels(d: Doc) -> str:
    labels = d.config.get("id2label")
    count = len(labels) if isinstance(labels, dict) and labels else d.config.get("num_labels", 2)
    if type(count) is not int or count < 1:
        raise SymparamError(f"field 'num_labels' must be a positive integer. Received: num_labels = {show(count)}.")
    return d.number("num_labels", count, DOCS["num_labels"])


def bert(d: Doc) -> None:
    """Embeddings (word, position, segment) and a layer norm, a stack of post-norm blocks, then the head."""
    lay, n = d.family.layout, _names(d)
    hidden, heads, inner = d.size(n["hidden"]), d.size(n["heads"]), d.size(n["inner"])
    p, e, vocab = d.prefix, d.prefix + lay["embeddings"] + ".", d.size("vocab_size")
    seq = _seq(d, positions="max_position_embeddings")
    d.inputs.update({"input_ids": [seq], "position_ids": [seq]})
    parts = [d.layer("nn.Embedding", e + "word_embeddings", ["input_ids"], num_embeddings=vocab,
                     embedding_dim=hidden),
             d.layer("nn.Embedding", e + "position_embeddings", ["position_ids"],
                     num_embeddings=d.size("max_position_embeddings"), embedding_dim=hidden)]
    if "type_vocab_size" in d.family.sizes:
        d.inputs["token_type_ids"] = [seq]
        parts.append(d.layer("nn.Embedding", e + "token_type_embeddings", ["token_type_ids"],
                             num_embeddings=d.size("type_vocab_size"), embedding_dim=hidden))
    d.layer("Add", e + "sum", parts)
    x = d.layer("nn.LayerNorm", e + "LayerNorm", normalized_shape=hidden)
    act = d.activation(next(iter(d.family.choices)))
    q, k, v, o, attn_norm, fc1, fc2, out_norm = lay.get("block", (
        "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
        "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"))
    b = Block()
    for name in (q, k, v):
        b.layer("nn.Linear", name, ["x"], in_features=hidden, out_features=hidden)
    sdpa = q.rpartition(".")[0] + ".sdpa"
    b.layer("ScaledDotProductAttention", sdpa, [q, k, v], num_heads=heads, head_dim=f"{hidden} / {heads}")
    b.layer("nn.Linear", o, [sdpa], in_features=hidden, out_features=hidden)
    b.layer("Add", "attention_residual", ["x", o])
    b.layer("nn.LayerNorm", attn_norm, normalized_shape=hidden)
    b.layer("nn.Linear", fc1, in_features=hidden, out_features=inner)
    act_name = fc1.rpartition(".")[0] + ".act" if "." in fc1 else "activation"
    b.layer(act["type"], act_name, **{k: v for k, v in act.items() if k != "type"})
    b.layer("nn.Linear", fc2, in_features=inner, out_features=hidden)
    b.layer("Add", "output_residual", [attn_norm, fc2])
    b.layer("nn.LayerNorm", out_norm, normalized_shape=hidden)
    d.blocks["encoder_layer"] = {"doc": "self-attention, add and norm; feed-forward, add and norm (post-norm)",
                                 "inputs": ["x"], "output": out_norm, "layers": b.layers}
    x = d.layer("encoder_layer", p + lay["stack"], [x], repeat=d.size(n["layers"]))
    if d.head in ("pooler", "classifier"):
        _pooler(d, x, hidden, act_type="nn.Tanh")
        if d.head == "classifier":
            d.layer("nn.Linear", "classifier", in_features=hidden, out_features=_labels(d))
    elif d.head == "masked_lm":
        m = lay["mlm"] + "." if lay["mlm"] else ""
        dense, norm, decoder_name = (m + name for name in lay["mlm_names"])
        d.layer("nn.Linear", dense, [x], in_features=hidden, out_features=hidden)
        d.layer(act["type"], m + "act" if m else "activation", **{k: v for k, v in act.items() if k != "type"})
        d.layer("nn.LayerNorm", norm, normalized_shape=hidden)
        tie = {"weight": f"{e}word_embeddings/weight"} if d.flag("tie_word_embeddings") else None
        d.layer("nn.Linear", decoder_name, in_features=hidden, out_features=vocab, tie=tie)


def _pooler(d: Doc, x: str, hidden: str, act_type: str) -> None:
    d.layer("nn.Linear", d.prefix + "pooler.dense", [x], in_features=hidden, out_features=hidden)
    d.layer(act_type, d.prefix + "pooler.activation")
    d.notes.append("The pooler's dense layer is shown on every position; the model applies it to the first token "
                   "only (the count is the same).")


def vit(d: Doc) -> None:
    """Patch embedding with class token and positions, a stack of pre-norm blocks, a final norm, the head."""
    lay = d.family.layout
    hidden, heads, inner = d.size("hidden_size"), d.size("num_attention_heads"), d.size("intermediate_size")
    side, channels = d.size("image_size"), d.size("num_channels")
    p = d.prefix
    d.inputs["pixel_values"] = [channels, side, side]
    x = d.layer("ViTEmbeddings", p + "embeddings", ["pixel_values"], hidden_size=hidden,
                patch_size=d.size("patch_size"), num_channels=channels)
    dims = Dims(hidden, heads, heads, f"{hidden} / {heads}", inner)
    d.blocks["encoder_layer"] = prenorm_block(d, lay, dims, d.activation("hidden_act"))
    d.layer("encoder_layer", p + lay["stack"], [x], repeat=d.size("num_hidden_layers"))
    x = d.layer("nn.LayerNorm", p + lay["final_norm"], normalized_shape=hidden)
    if d.head == "pooler":
        _pooler(d, x, hidden, act_type="nn.Tanh")
    else:
        d.layer("nn.Linear", "classifier", [x], in_features=hidden, out_features=_labels(d))
        d.notes.append("The classifier is shown on every token; the model applies it to the class token only (the "
                       "count is the same).")


def t5(d: Doc) -> None:
    """A shared token embedding; an encoder stack and a decoder stack of pre-norm blocks (RMS norms, no biases), the
    first block of each with the relative position bias (an nn.Embedding(buckets, heads)); the tied head."""
    hidden, heads, d_kv, d_ff = d.size("d_model"), d.size("num_heads"), d.size("d_kv"), d.size("d_ff")
    vocab, buckets = d.size("vocab_size"), d.size("relative_attention_num_buckets")
    enc_layers = d.size("num_layers")
    dec_layers = d.size_or("num_decoder_layers", enc_layers)
    gated = str(d.config.get("feed_forward_proj", "relu")).startswith("gated-")
    act = d.activation("feed_forward_proj")
    d.inputs.update({"input_ids": [_seq(d)], "decoder_input_ids": [_seq(d, "target_len")]})
    d.layer("nn.Embedding", "shared", ["input_ids"], num_embeddings=vocab, embedding_dim=hidden)
    d.layer("nn.Embedding", "decoder.embed_tokens", ["decoder_input_ids"], num_embeddings=vocab,
            embedding_dim=hidden, tie={"weight": "shared/weight"})
    inner = f"{heads} * {d_kv}"

    def attention(b: Block, name: str, x: str, kv_from: str, relative: bool) -> str:
        a = f"{name}."
        b.layer("nn.RMSNorm", f"{a}layer_norm", [x], normalized_shape=hidden)
        kind = "SelfAttention" if kv_from == x else "EncDecAttention"
        s = f"{a}{kind}."
        source = f"{a}layer_norm" if kv_from == x else kv_from
        b.layer("nn.Linear", s + "q", [f"{a}layer_norm"], in_features=hidden, out_features=inner, bias=False)
        for proj in ("k", "v"):
            b.layer("nn.Linear", s + proj, [source], in_features=hidden, out_features=inner, bias=False)
        if relative:
            b.layer("nn.Embedding", s + "relative_attention_bias", ["relative_positions"], num_embeddings=buckets,
                    embedding_dim=heads)
        b.layer("ScaledDotProductAttention", s + "sdpa", [s + "q", s + "k", s + "v"], num_heads=heads, head_dim=d_kv)
        b.layer("nn.Linear", s + "o", [s + "sdpa"], in_features=inner, out_features=hidden, bias=False)
        return b.layer("Add", f"{a}residual", [x, s + "o"])

    def feed_forward(b: Block, name: str, x: str) -> str:
        a = f"{name}."
        b.layer("nn.RMSNorm", f"{a}layer_norm", [x], normalized_shape=hidden)
        f = f"{a}DenseReluDense."
        args = {k: v for k, v in act.items() if k != "type"}
        if gated:
            b.layer("nn.Linear", f + "wi_0", [f"{a}layer_norm"], in_features=hidden, out_features=d_ff, bias=False)
            b.layer(act["type"], f + "act", **args)
            b.layer("nn.Linear", f + "wi_1", [f"{a}layer_norm"], in_features=hidden, out_features=d_ff, bias=False)
            b.layer("Multiply", f + "gated", [f + "act", f + "wi_1"])
        else:
            b.layer("nn.Linear", f + "wi", [f"{a}layer_norm"], in_features=hidden, out_features=d_ff, bias=False)
            b.layer(act["type"], f + "act", **args)
        b.layer("nn.Linear", f + "wo", in_features=d_ff, out_features=hidden, bias=False)
        return b.layer("Add", f"{a}residual", [x, f + "wo"])

    def stack_block(decoder: bool, relative: bool) -> dict:
        b = Block()
        x = attention(b, "layer.0", "x", "x", relative)
        if decoder:
            x = attention(b, "layer.1", x, "encoder", False)
        x = feed_forward(b, "layer.2" if decoder else "layer.1", x)
        inputs = ["x"] + (["encoder"] if decoder else []) + (["relative_positions"] if relative else [])
        what = "decoder" if decoder else "encoder"
        doc = f"{what} block: self-attention{', cross-attention' if decoder else ''} and MLP, each pre-norm"
        return {"doc": doc + (", with the relative position bias" if relative else ""), "inputs": inputs,
                "output": x, "layers": b.layers}

    d.inputs["relative_positions"] = [_seq(d), _seq(d)]
    d.inputs["decoder_relative_positions"] = [_seq(d, "target_len"), _seq(d, "target_len")]
    for decoder_side in (False, True):
        stack = "decoder" if decoder_side else "encoder"
        d.blocks[f"{stack}_first_block"] = stack_block(decoder_side, True)
        d.blocks[f"{stack}_block"] = stack_block(decoder_side, False)
        x = "decoder.embed_tokens" if decoder_side else "shared"
        extra = ["encoder.final_layer_norm"] if decoder_side else []
        rel = ["decoder_relative_positions" if decoder_side else "relative_positions"]
        d.layer(f"{stack}_first_block", f"{stack}.block.0", [x, *extra, *rel])
        layers = dec_layers if decoder_side else enc_layers
        d.layer(f"{stack}_block", f"{stack}.block", [f"{stack}.block.0", *extra], repeat=f"{layers} - 1")
        d.layer("nn.RMSNorm", f"{stack}.final_layer_norm", [f"{stack}.block"], normalized_shape=hidden)
    d.notes.append("T5's layer norms scale without a bias or a mean: nn.RMSNorm. Block 0 of each stack holds the "
                   "relative position bias; the other num_layers - 1 blocks are one repeated block.")
    if d.head == "causal_lm":
        tie = {"weight": "shared/weight"} if d.flag("tie_word_embeddings") else None
        d.layer("nn.Linear", "lm_head", ["decoder.final_layer_norm"], in_features=hidden, out_features=vocab,
                bias=False, tie=tie)


BUILDERS: dict[str, Callable[[Doc], None]] = {"decoder": decoder, "bert": bert, "vit": vit, "t5": t5}
