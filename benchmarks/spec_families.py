"""Family specs' speed: DenseNet-201 (examples/densenet.toml --set blocks3=48 blocks4=32) derived with --symbolic
(every symbol free: the closed-form total over growth_rate and blocks1..blocks4) against its numeric derive (the
defaults bound); and EfficientNet-B0 and -B7 (examples/efficientnet.toml, B7 by --set) against DenseNet-121's
numeric derive, the baseline measured in the same run. All as `symparam derive` runs them, rendering the table
included, best of --repeat runs each, with symparam's caches cleared between runs (a fresh interpreter's worth).
Prints the times and the ratios; the DenseNet goal is <= 2.

    python benchmarks/spec_families.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SPEC = ROOT / "examples" / "densenet.toml"
DENSENET201 = ["--set", "blocks3=48", "--set", "blocks4=32"]
EFFICIENTNET = ROOT / "examples" / "efficientnet.toml"
B7 = ["--set", "width_coefficient=2.0", "--set", "depth_coefficient=3.1", "--set", "img_size=600"]


def clear_caches() -> None:
    """symparam's memo tables (a fresh interpreter starts without them)."""
    from symparam import engine, expr, printing

    for module, name in ((expr, "expansion"), (expr, "sum_over"), (expr, "_expanded"), (engine, "_symbolic_divisor"),
                         (printing, "_spec_text")):
        cached = getattr(module, name, None)   # (an older tree, run for an A/B, may lack one)
        if cached is not None:
            cached.cache_clear()


def timed(cli, argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        clear_caches()
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli(argv)
        best = min(best, time.perf_counter() - start)
        assert code == 0, argv
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    args = parser.parse_args()
    from symparam.cli import main as cli

    with contextlib.redirect_stdout(io.StringIO()):
        cli(["derive", str(SPEC)])   # imports and first-use costs out of both timings
    numeric = timed(cli, ["derive", str(SPEC), *DENSENET201], args.repeat)
    symbolic = timed(cli, ["derive", str(SPEC), "--symbolic"], args.repeat)
    print(f"DenseNet-201 numeric derive:  {numeric:.3f} s")
    print(f"DenseNet      --symbolic:     {symbolic:.3f} s")
    print(f"ratio symbolic / numeric:     {symbolic / numeric:.2f}  (goal <= 2)")
    baseline = timed(cli, ["derive", str(SPEC)], args.repeat)
    b0 = timed(cli, ["derive", str(EFFICIENTNET)], args.repeat)
    b7 = timed(cli, ["derive", str(EFFICIENTNET), *B7], args.repeat)
    print(f"DenseNet-121 numeric derive:  {baseline:.3f} s  (the baseline)")
    print(f"EfficientNet-B0 derive:       {b0:.3f} s  ratio to the baseline {b0 / baseline:.2f}")
    print(f"EfficientNet-B7 derive:       {b7:.3f} s  ratio to the baseline {b7 / baseline:.2f}")


if __name__ == "__main__":
    main()
