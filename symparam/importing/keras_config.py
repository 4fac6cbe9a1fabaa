"""A Keras model's config (its `to_json()` text, or the config.json of a `.keras` archive) as a spec.

The config is read as JSON and nothing else: no Keras import, no class named in the file is looked up anywhere
but in symparam's own registry of layer kinds, so no code from the file runs. Read:

- Sequential and Functional models (class_name "Model" too, as Keras 2 wrote them), nested ones flattened: the
  layers of a model used as a layer are written under its name, `stem/stem_conv`, and a nested model called at
  several nodes is written at each, its later calls reusing the first call's weights (`share`);
- a layer called at several nodes (a shared layer): one spec layer per call, `name`, `name@2`, ...; every later
  call shares the first call's weights, so they are counted once;
- the Keras 3 node format ({"args", "kwargs"} with `__keras_tensor__` and its keras_history) and Keras 2's
  ([[name, node_index, tensor_index, kwargs], ...]), with Keras's node numbering (a Functional model's node 0 is
  its own; its calls are numbered from 1);
- keras.ops calls in a functional graph (module keras.src.ops.*) as the `ops.*` kinds, with a scalar operand kept.

A layer's config keys become the kind's arguments: those the count or shape does not depend on (initializers,
regularizers, constraints, dtype) are dropped, as are values equal to the kind's default; a key the kind does not
know is an error, unless its value is null. See docs/import.md ("Keras").
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from ..errors import SymparamError, show

MAX_CONFIG = 64 * 1024 * 1024     # bytes of JSON read (a config, not weights: NASNetLarge's is about 3 MB)
MODELS = ("Sequential", "Functional", "Model")
_TOP_CLASS = re.compile(rb'^\s*\{\s*(?:"module"\s*:\s*"[^"\\]*"\s*,\s*)?"class_name"\s*:')


def detect(path: Path, head: bytes) -> bool:
    """A `.keras` archive (a zip holding config.json), or a JSON object with a top-level class_name (a Keras
    object's serialization; convert says whether it is a model)."""
    if head[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                return "config.json" in archive.namelist()
        except (OSError, zipfile.BadZipFile):
            return False
    if _TOP_CLASS.match(head):
        return True
    if len(head) < 65536 and head.lstrip()[:1] == b"{":   # the whole file: keys may come in any order
        try:
            document = json.loads(head)
        except (ValueError, RecursionError):
            return False
        return isinstance(document, dict) and "class_name" in document
    return False


def read_config(path: Path) -> dict:
    """The model's config document from a JSON file or a `.keras` archive."""
    from ..reading import read_text, too_large, utf8

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if "config.json" not in archive.namelist():
                    raise SymparamError("a .keras archive holds config.json; this zip has none.")
                if archive.getinfo("config.json").file_size > MAX_CONFIG:
                    raise too_large("config", MAX_CONFIG)
                text = utf8(archive.read("config.json"), "config")
        else:
            text = read_text(path, MAX_CONFIG, "config")
    except (OSError, zipfile.BadZipFile) as exc:
        raise SymparamError(f"cannot read the config: {getattr(exc, 'strerror', None) or exc}.") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SymparamError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise SymparamError("not valid JSON: nested too deeply.") from None
    if not isinstance(document, dict) or document.get("class_name") not in MODELS or not isinstance(
            document.get("config"), dict):
        found = document.get("class_name") if isinstance(document, dict) else None
        raise SymparamError(f"not a Keras model: a model config is a JSON object with class_name Sequential, "
                            f"Functional or Model and its config. Received: class_name = {show(found)}.")
    return document


def convert(path: Path, options) -> dict:
    from .keras_graph import Writer

    try:
        document = read_config(path)
        writer = Writer()
        outputs = writer.top(document)
        return writer.document(document, outputs, options.symbols)
    except SymparamError as exc:
        raise exc.in_file(str(path))
