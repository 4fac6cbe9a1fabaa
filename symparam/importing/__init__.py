"""`symparam import`: a model described elsewhere, written as a symparam spec.

Each source format is one module here, listed in SOURCES with what it reads. A module offers
    detect(path: Path, head: bytes) -> bool        does this file look like my format? (cheap: no framework import)
    convert(path: Path, options: Options) -> dict   the spec as a TOML document (plain Python values)
and the document is written by `toml_text.dumps`, then read back through the spec loader before it is shown, so an
importer can never hand the user a spec that symparam itself refuses.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SymparamError, show

# (module, what it reads), tried in order by `detect`.
SOURCES: tuple[tuple[str, str], ...] = (
    ("hf_config", "a Hugging Face config.json (gpt2, llama, mistral, mixtral, qwen2, gemma, phi3, bert, roberta, "
                  "distilbert, t5, vit, opt)"),
    ("keras_config", "a Keras model: its to_json() text or a .keras archive"),
    ("torch_module", "a PyTorch module factory written MODULE:FACTORY (--convention torch)"),
)

HEAD_BYTES = 65536   # what detect() sees of a file


@dataclass
class Options:
    """What the command line (or the API) asks of an import."""
    convention: str | None = None                          # "keras" or "torch"; None: the source's own
    symbols: dict[str, int] = field(default_factory=dict)  # --symbol NAME=VALUE: lift VALUE into symbol NAME
    inputs: list[str] = field(default_factory=list)        # --input SHAPE[:DTYPE]: a PyTorch module's example inputs


def available() -> list[str]:
    return [name for name, _ in SOURCES if importlib.util.find_spec(f"{__name__}.{name}") is not None]


def source_module(source: str, options: Options):
    """The importer module for `source` (a path, or MODULE:FACTORY for torch)."""

    if options.convention == "torch" or (":" in source and not Path(source).exists()):
        name = "torch_module"
    else:
        path = Path(source)
        from ..reading import read_head
        try:
            head = read_head(path, HEAD_BYTES, "model file")
        except SymparamError as exc:
            raise exc.in_file(source) from None
        for name, _ in SOURCES:
            if importlib.util.find_spec(f"{__name__}.{name}") is None:
                continue
            module = importlib.import_module(f"{__name__}.{name}")
            if module.detect(path, head):
                break
        else:
            kinds = "; ".join(what for _, what in SOURCES)
            raise SymparamError(f"{show(source)}: not a model symparam can import. Expected one of: {kinds}.")
    if importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise SymparamError(f"{show(source)}: importing {dict(SOURCES)[name]} is not available yet.")
    return importlib.import_module(f"{__name__}.{name}")


def convert(source: str, options: Options | None = None) -> str:
    """The spec text for `source`, checked by symparam's own loader."""
    from ..spec import loads
    from .toml_text import dumps

    options = options or Options()
    module = source_module(source, options)
    document = module.convert(source if module.__name__.endswith("torch_module") else Path(source), options)
    text = dumps(document)
    loads(text, f"{source} (imported)")   # an importer bug shows here, not in the user's next command
    return text
