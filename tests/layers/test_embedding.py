"""symparam/layers/embedding.py against real Keras: Embedding (with LoRA, mask_zero, trainable) and
ReversibleEmbedding (tied or with a reverse table of its own; its forward call).

Any input shape works, an unknown length included; the output adds the embedding axis. See tests/oracle/cases.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import maybe


@st.composite
def embedding_cases(draw):
    kwargs: dict[str, Any] = {"input_dim": draw(st.integers(1, 20)), "output_dim": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "mask_zero", st.booleans())
    maybe(draw, kwargs, "lora_rank", st.integers(0, 3))
    maybe(draw, kwargs, "trainable", st.booleans())
    shape = tuple(draw(st.lists(st.one_of(st.none(), st.integers(1, 6)), max_size=3)))
    return Case("Embedding", kwargs, shape)


@st.composite
def reversible_cases(draw):
    kwargs: dict[str, Any] = {"input_dim": draw(st.integers(1, 20)), "output_dim": draw(st.integers(1, 8))}
    maybe(draw, kwargs, "tie_weights", st.booleans())
    maybe(draw, kwargs, "mask_zero", st.booleans())
    maybe(draw, kwargs, "trainable", st.booleans())
    shape = tuple(draw(st.lists(st.one_of(st.none(), st.integers(1, 6)), max_size=3)))
    return Case("ReversibleEmbedding", kwargs, shape)


GENERATED = {"Embedding": Generated(embedding_cases(), 50),
             "ReversibleEmbedding": Generated(reversible_cases(), 40)}

EXAMPLES = [
    Case("Embedding", {"input_dim": 10000, "output_dim": 128}, (50,)),
    Case("Embedding", {"input_dim": 10, "output_dim": 3}, ()),
    Case("Embedding", {"input_dim": 10, "output_dim": 3, "lora_rank": 2}, (5, None)),
    Case("Embedding", {"input_dim": 10, "output_dim": 3, "lora_rank": 2, "trainable": False}, (5,)),
    Case("Embedding", {"input_dim": 10, "output_dim": 3, "lora_rank": 2, "embeddings_constraint": "non_neg"},
         (5,)),                                                                                  # refused
    Case("Embedding", {"input_dim": 10, "output_dim": 3, "lora_rank": -1}, (5,)),                # refused
    Case("Embedding", {"input_dim": 0, "output_dim": 3}, (5,)),                                  # refused
    Case("ReversibleEmbedding", {"input_dim": 32000, "output_dim": 64}, (50,)),
    Case("ReversibleEmbedding", {"input_dim": 32000, "output_dim": 64, "tie_weights": False}, (50,)),
    Case("ReversibleEmbedding", {"input_dim": 10, "output_dim": 3, "tie_weights": False, "trainable": False}, ()),
    Case("ReversibleEmbedding", {"input_dim": 10, "output_dim": 0}, (5,)),                       # refused
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
