"""torchvision beside the pinned CPU torch.

The torchvision 0.28 wheel the package registry serves is built against CUDA torch; imported beside the CPU torch
2.13 it fails with ``RuntimeError: operator torchvision::nms does not exist``, because its Python side registers
fake (meta) kernels for operators its C++ library would have defined. Defining the schemas of the two it looks up
first (nms and qnms) lets the import finish; the classification models never call them (they are detection
operators), so nothing else is needed. A torchvision that imports by itself (a build matching torch) is used as it is.
"""

from __future__ import annotations

_LIBRARY = None   # kept alive: a torch.library.Library's definitions last as long as the object


def import_torchvision():
    """torchvision, imported as it is if it can be; else with the two detection operator schemas defined first."""
    global _LIBRARY
    import sys

    try:
        import torchvision
        return torchvision
    except RuntimeError as exc:
        if "torchvision::nms" not in str(exc):
            raise
    for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
        del sys.modules[name]   # the half-imported package
    import torch

    if not hasattr(torch.ops.torchvision, "nms"):   # defined once per process, whoever asks first
        _LIBRARY = torch.library.Library("torchvision", "DEF")
        _LIBRARY.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _LIBRARY.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision

    return torchvision
