"""The PyTorch import's speed: torchvision models with many modules, each built on the meta device and imported with
symparam.from_torch (one meta forward pass, every module checked against its kind, the spec derived). Prints the
seconds per model beyond building it and the ratio to the goal the issue sets for a 700-layer import (3 s).

    python benchmarks/torch_import.py [MODEL ...]      (default: densenet201 efficientnet_v2_m swin_b vit_l_16)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
GOAL_SECONDS = 3.0


def main(names: list[str]) -> None:
    import torch

    import symparam
    from oracle.torchvision_compat import import_torchvision
    from symparam.importing.torch_module import build

    models = import_torchvision().models
    for name in names:
        module = build(torch, getattr(models, name), name)
        start = time.perf_counter()
        net = symparam.from_torch(module, torch.empty(2, 3, 224, 224, device="meta"), name=name)
        seconds = time.perf_counter() - start
        print(f"{name:20} {len(net.layers):5} layers  {len(list(module.modules())):5} modules  {seconds:6.2f} s  "
              f"{seconds / GOAL_SECONDS:5.2f} of the goal")


if __name__ == "__main__":
    main(sys.argv[1:] or ["densenet201", "efficientnet_v2_m", "swin_b", "vit_l_16"])
