"""Start-up cost of `symparam derive examples/cnn.toml` against `python -c "import sympy"`.

Runs both commands alternately, N times each, in this same run, and prints the ratio of their median wall
times. The goal (issue: core) is a ratio of at most 1.5. A benchmark prints; it does not assert.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spec", default="examples/cnn.toml")
    args = parser.parse_args()
    baseline_cmd = [sys.executable, "-c", "import sympy"]
    symparam_cmd = [sys.executable, "-m", "symparam", "derive", args.spec]
    wall(baseline_cmd), wall(symparam_cmd)  # warm the file cache
    base, ours = [], []
    for _ in range(args.runs):
        base.append(wall(baseline_cmd))
        ours.append(wall(symparam_cmd))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"import sympy:               median {b * 1000:7.1f} ms over {args.runs} runs")
    print(f"symparam derive {args.spec}: median {o * 1000:7.1f} ms over {args.runs} runs")
    print(f"ratio (goal <= 1.5): {o / b:.2f}")


if __name__ == "__main__":
    main()
