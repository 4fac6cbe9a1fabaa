"""Cost against depth: an unrolled residual network (conv, batch norm, residual addition per unit) derived with
500 and 5,000 layers in one run. Prints both times and their ratio (linear growth would be 10; the goal is < 15).
Also times a repeated block at two repeat counts (the cost must not depend on the count).

    python benchmarks/layers.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def unrolled(layers: int) -> str:
    lines = ['[network]', 'input = ["img_size", "img_size", "c"]', '[symbols]', 'img_size = { default = 56 }',
             'c = { default = 64 }']
    previous = "input"
    for i in range(layers // 3):
        lines += ['[[layers]]', 'type = "Conv2D"', f'name = "conv{i}"', 'filters = "c"', 'kernel_size = 3',
                  'padding = "same"', f'inputs = ["{previous}"]',
                  '[[layers]]', 'type = "BatchNormalization"', f'name = "bn{i}"',
                  '[[layers]]', 'type = "Add"', f'name = "add{i}"', f'inputs = ["{previous}", "bn{i}"]']
        previous = f"add{i}"
    return "\n".join(lines) + "\n"


def repeated(count: int) -> str:
    return ('[network]\ninput = [16, "d"]\n[blocks.unit]\nargs = { d = "required" }\ninputs = ["x"]\n'
            'output = "sum"\n[[blocks.unit.layers]]\ntype = "Dense"\nname = "fc"\nunits = "d"\n'
            '[[blocks.unit.layers]]\ntype = "Add"\nname = "sum"\ninputs = ["x", "fc"]\n'
            f'[[layers]]\ntype = "unit"\nd = "d"\nrepeat = {count}\n')


def timed(text: str) -> float:
    from symparam.api import load_text
    start = time.perf_counter()
    net = load_text(text)
    str(net.total)
    return time.perf_counter() - start


def main() -> None:
    timed(unrolled(30))  # warm imports and caches
    small, large = timed(unrolled(500)), timed(unrolled(5000))
    print(f"unrolled, 500 layers:   {small:.2f} s")
    print(f"unrolled, 5,000 layers: {large:.2f} s")
    print(f"ratio (linear = 10, goal < 15): {large / small:.1f}")
    timed(repeated(3))  # warm
    one, many = timed(repeated(2)), timed(repeated(10**12))
    print(f"repeated block, repeat 2: {one * 1000:.0f} ms; repeat 10**12: {many * 1000:.0f} ms; ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
