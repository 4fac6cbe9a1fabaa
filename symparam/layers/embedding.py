"""Embedding: a table of input_dim vectors of output_dim; each integer index of the input looks up one row."""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from . import register
from .base import Flag, Int, LayerKind, NoTwin, Opaque, Size, Twin, Unsupported
from .core import lora_rank


@register
class Embedding(LayerKind):
    name = "Embedding"
    saves = ("indices",)
    summary = "a lookup table of input_dim vectors of output_dim, one per token index"
    lesson = "an embedding is a table with one row of $d$ learned numbers for each of the $V$ token indices"
    legend = {"V": ("token indices", "input_dim"), "d": ("numbers per row", "output_dim"),
              "r": ("the LoRA rank", "lora_rank")}
    inert_args = ("mask_zero",)   # a mask changes no count and no shape
    example = ({"input_dim": "V", "output_dim": "d"}, ["T"], {"V": 10000, "d": 128, "T": 50})
    args = {
        "input_dim": Size(), "output_dim": Size(), "embeddings_initializer": Opaque("uniform"),
        "embeddings_regularizer": Opaque(), "embeddings_constraint": Opaque(), "mask_zero": Flag(False),
        "weights": Unsupported(None, "initial weight values cannot be written in a spec"),
        "lora_rank": Int(None, optional=True), "lora_alpha": Opaque(),
        "quantization_config": Unsupported(None, "quantized layers are not modelled"),
    }

    def build(self, a, inputs, b):
        (x,) = inputs
        lora = lora_rank(a.lora_rank)
        if lora and a.embeddings_constraint is not None:
            raise SymparamError("lora_rank cannot be combined with embeddings_constraint (Keras refuses it). "
                                f"Received: lora_rank = {lora}.")
        shape = (a.input_dim, a.output_dim)
        b.weight("embeddings", shape, role="embedding vectors, one row per token index", labels=("V", "d"),
                 trainable=not lora, category="embedding")
        if lora:
            r = sympy.Integer(lora)
            b.weight("lora_embeddings_a", (a.input_dim, r), role="LoRA down-projection", labels=("V", "r"), category="embedding")
            b.weight("lora_embeddings_b", (r, a.output_dim), role="LoRA up-projection", labels=("r", "d"), category="embedding")
            b.cost("matmul", a.input_dim * r * a.output_dim, words="LoRA: the table's update V x r x d, once per call",
                   of_input=False)
        else:
            b.free("a lookup: no arithmetic")
        return (*x, a.output_dim)

    @classmethod
    def twin(cls, a, inputs, convention):
        if lora_rank(a.lora_rank):
            raise NoTwin("PyTorch's nn.Embedding has no LoRA weights")
        return Twin("nn.Embedding", {"num_embeddings": a.input_dim, "embedding_dim": a.output_dim}, list(inputs))


@register
class ReversibleEmbedding(LayerKind):
    name = "ReversibleEmbedding"
    saves = ("indices",)
    summary = ("an Embedding that can also project back to input_dim logits: with the same table (tie_weights), "
               "or an output_dim x input_dim reverse table of its own")
    example = ({"input_dim": "V", "output_dim": "d", "tie_weights": False}, ["T"], {"V": 32000, "d": 4096, "T": 50})
    args = {
        "input_dim": Size(), "output_dim": Size(), "tie_weights": Flag(True),
        "embeddings_initializer": Opaque("uniform"), "embeddings_regularizer": Opaque(),
        "embeddings_constraint": Opaque(), "mask_zero": Flag(False), "reverse_dtype": Opaque(),
        "logit_soft_cap": Opaque(),
    }

    def build(self, a, inputs, b):
        (x,) = inputs
        b.weight("embeddings", (a.input_dim, a.output_dim), role="embedding vectors, one row per token index",
                 labels=("V", "d"), category="embedding")
        if not a.tie_weights:
            b.weight("reverse_embeddings", (a.output_dim, a.input_dim),
                     role="reverse projection to token logits (untied)", labels=("d", "V"), category="weight")
        b.free("a lookup (called forward): no arithmetic")
        return (*x, a.output_dim)

    @classmethod
    def twin(cls, a, inputs, convention):
        if not a.tie_weights:
            raise NoTwin("PyTorch's nn.Embedding has no reverse table; an untied output head is an nn.Linear of "
                         "its own")
        return Twin("nn.Embedding", {"num_embeddings": a.input_dim, "embedding_dim": a.output_dim}, list(inputs))
