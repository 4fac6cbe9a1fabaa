"""Sweep speed: a 1,000,000-point sweep (two symbols, 1..1000 each) written as CSV, against sympy's `subs`
point by point (timed on a sample and scaled). Prints the wall time and the ratio; the goal is >= 100x.

    python benchmarks/sweep.py [--sample 300]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SPEC = """
[network]
name = "sweep_benchmark"
input = ["img_size", "img_size", 3]
[symbols]
img_size = { default = 32 }
[[layers]]
type = "Conv2D"
filters = "f"
kernel_size = 3
padding = "same"
[[layers]]
type = "Conv2D"
filters = "2*f"
kernel_size = 3
padding = "same"
[[layers]]
type = "MaxPooling2D"
[[layers]]
type = "Conv2D"
filters = "4*f"
kernel_size = 3
padding = "same"
[[layers]]
type = "GlobalAveragePooling2D"
[[layers]]
type = "Dense"
units = "units"
[[layers]]
type = "Dense"
units = 10
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="points timed with subs")
    args = parser.parse_args()
    from symparam.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.toml")
        Path(spec).write_text(SPEC)
        out = os.path.join(tmp, "sweep.csv")
        start = time.perf_counter()
        code = cli(["sweep", spec, "--over", "f=1:1000", "--over", "units=1:1000", "--format", "csv",
                    "--output", out])
        sweep_time = time.perf_counter() - start
        assert code == 0
        rows = sum(1 for _ in open(out)) - 1

        from symparam.api import load
        net = load(spec, symbolic=True, img_size=32)
        total = net.total
        symbols = {s.name: s for s in total.free_symbols}
        points = [(random.randint(1, 1000), random.randint(1, 1000)) for _ in range(args.sample)]
        start = time.perf_counter()
        for f, u in points:
            total.subs({symbols["f"]: f, symbols["units"]: u})
        subs_time = (time.perf_counter() - start) / args.sample * rows
    print(f"sweep of {rows:,} points to CSV: {sweep_time:.2f} s")
    print(f"sympy subs, point by point (scaled from {args.sample} points): {subs_time:.1f} s")
    print(f"ratio (goal >= 100): {subs_time / sweep_time:.0f}")


if __name__ == "__main__":
    main()
