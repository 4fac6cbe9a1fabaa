"""A Hugging Face config.json (gpt2, llama, mistral, mixtral, qwen2, gemma, phi3, bert, roberta, distilbert, t5, vit,
opt) written as a symbolic spec in the torch convention.

Hugging Face's models are PyTorch modules, so the spec has one layer per module (nn.Linear, nn.Embedding,
nn.LayerNorm, nn.RMSNorm), named as the model names it: `model.layers/self_attn.q_proj` is every decoder layer's
`model.layers.N.self_attn.q_proj` (a block repeated num_hidden_layers times). The config's size fields become declared
symbols under the config's own names, with its values as defaults, so `--set num_hidden_layers=...` and
`solve --for hidden_size` work on the spec. What each family builds lives in a table per family
(symparam.importing.hf_families); this module reads and checks the file.

Every field of the config must be one the family's table knows: a size (a symbol), a switch it reads (biases,
ties), a choice it maps (the activation), or a field that changes no count (dropout, epsilons, rotary settings,
token ids). Anything else, or a value the import does not model, is one error naming the field: never a silently
different model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SymparamError, show
from . import Options

MAX_CONFIG = 1024 * 1024   # a config.json is a few kilobytes


def detect(path: Path, head: bytes) -> bool:
    """A JSON object with "model_type" or "architectures" near its start (no framework import)."""
    text = head.lstrip()
    return text.startswith(b"{") and (b'"model_type"' in head or b'"architectures"' in head)


def read(path: Path) -> dict[str, Any]:
    from ..reading import read_text

    where = str(path)
    try:
        config = json.loads(read_text(path, MAX_CONFIG, "config"))
    except SymparamError as exc:
        raise exc.in_file(where) from None
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise SymparamError(f"not a JSON config ({reason}).").in_file(where) from None
    if not isinstance(config, dict):
        raise SymparamError(f"a config.json is a JSON object. Received: {show(config)}.").in_file(where)
    return config


def convert(path: Path, options: Options) -> dict:
    from .hf_families import FAMILIES, build

    if options.convention not in (None, "torch"):
        raise SymparamError(f"a Hugging Face model is a PyTorch module; its spec is in the torch convention. "
                            f"Received: --convention {options.convention}.").in_file(str(path))
    if options.symbols:
        raise SymparamError("--symbol is not needed for a config.json: its size fields are symbols already, under "
                            "the config's own names.").in_file(str(path))
    config = read(path)
    model_type = config.get("model_type")
    if not isinstance(model_type, str) or model_type not in FAMILIES:
        known = ", ".join(FAMILIES)
        raise SymparamError(f"model_type {show(model_type)} is not a family symparam imports; it imports "
                            f"{known}.").in_file(str(path))
    try:
        return build(FAMILIES[model_type], config, path.name)
    except SymparamError as exc:
        raise exc.in_file(str(path)) from None
