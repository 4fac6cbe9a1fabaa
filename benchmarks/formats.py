"""Every output format on a deep network: an unrolled residual network (conv, batch norm, residual addition per
unit) of N layers (default 10,000), derived once, then rendered in each format of symparam.render.FORMATS.
Prints seconds per format and per 10,000 layers (the goal: a few seconds per 10,000 layers, up to the 100,000-layer
limit). A benchmark prints; it does not assert.

    python benchmarks/formats.py [--layers 10000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    from layers import unrolled

    from symparam.api import load_text
    from symparam.render import FORMATS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=10_000)
    n = parser.parse_args().layers
    text = unrolled(n)
    per = 10_000 / n
    start = time.perf_counter()
    net = load_text(text)
    net.account.total.value
    took = time.perf_counter() - start
    print(f"{n:,} layers; derive and add up: {took:.2f} s ({took * per:.2f} s per 10,000 layers)")
    for fmt in FORMATS:
        start = time.perf_counter()
        out = net.render(fmt.name)
        took = time.perf_counter() - start
        print(f"  {fmt.name:15} {took:6.2f} s ({took * per:.2f} s per 10,000 layers), {len(out):,} characters")


if __name__ == "__main__":
    main()
