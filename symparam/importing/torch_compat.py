"""Importing the user's MODULE when it is (or imports) a torchvision built for another torch.

The torchvision wheel the package registry serves is built against CUDA torch. Beside a CPU torch its C++
library does not load, and its Python side then fails while it registers fake (meta) kernels for operators that
library would have defined: ``RuntimeError: operator torchvision::nms does not exist``. Its classification,
segmentation and video models never call those operators (they are detection ones), so defining the two schemas
it looks up first (nms, qnms; no kernel: calling them still fails) lets it import and the models build.

This is done only on exactly that error, only if torchvision is installed and the operator is not defined, and
once: the import is retried with the half-imported torchvision forgotten. Any other error, or the same error again,
is the import's own failure, reported as it is. See docs/import.md ("torchvision beside a CPU torch").
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys

_MISSING = re.compile(r"^operator torchvision::(nms|qnms) does not exist$")
SCHEMAS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
           "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
_library = None   # kept alive: a torch.library.Library's definitions last as long as the object


def is_missing_operator(exc: BaseException) -> bool:
    """Is `exc` torchvision failing to import beside a torch it was not built for?"""
    return isinstance(exc, RuntimeError) and bool(_MISSING.match(str(exc).strip()))


def define_schemas() -> bool:
    """Define torchvision::nms and qnms (schemas only) unless torch already has them; True if it did."""
    global _library
    import torch

    if importlib.util.find_spec("torchvision") is None or hasattr(torch.ops.torchvision, "nms"):
        return False
    _library = torch.library.Library("torchvision", "DEF")
    for schema in SCHEMAS:
        _library.define(schema)
    return True


def import_module(name: str):
    """importlib.import_module(name), retried once after define_schemas() if torchvision failed as above."""
    try:
        return importlib.import_module(name)
    except RuntimeError as exc:
        if not is_missing_operator(exc) or not define_schemas():
            raise
    for loaded in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[loaded]   # the half-imported package
    return importlib.import_module(name)
