"""Family specs' speed: DenseNet-201 (examples/densenet.toml --set blocks3=48 blocks4=32) derived with --symbolic
(every symbol free: the closed-form total over growth_rate and blocks1..blocks4) against its numeric derive (the
defaults bound). Both as `symparam derive` runs them, rendering the table included, best of --repeat runs each, in
fresh interpreters' worth of caches cleared between runs. Prints both times and the ratio; the goal is <= 2.

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


def timed(cli, argv: list[str], repeat: int) -> float:
    from symparam.expr import expansion, sum_over

    best = float("inf")
    for _ in range(repeat):
        expansion.cache_clear()
        sum_over.cache_clear()
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


if __name__ == "__main__":
    main()
