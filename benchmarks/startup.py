"""Start-up cost of `symparam derive examples/cnn.toml` against `python -c "import sympy"`.

Runs both commands alternately, N times each, in this same run, and prints the ratio of their median wall
times, and of their median CPU times (user + system of the child: steadier than wall time on a shared machine).
The goal (issue: core) is a ratio of at most 1.5. A benchmark prints; it does not assert.

Both run as an installed program runs: with its compiled bytecode cached (pip compiles it at install). Where the
environment sets PYTHONDONTWRITEBYTECODE (this workplace does), every run would compile symparam's sources anew and
measure the compiler, so the children run without it and the warm-up run writes the cache.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str]) -> tuple[float, float]:
    """(wall time, CPU time) of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spec", default="examples/cnn.toml")
    args = parser.parse_args()
    baseline_cmd = [sys.executable, "-c", "import sympy"]
    symparam_cmd = [sys.executable, "-m", "symparam", "derive", args.spec]
    wall(baseline_cmd), wall(symparam_cmd)  # warm the file cache and write the bytecode cache
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        print("PYTHONDONTWRITEBYTECODE is set here: the runs below go without it (bytecode cached, as installed)")
    base, ours = [], []
    for _ in range(args.runs):
        base.append(wall(baseline_cmd))
        ours.append(wall(symparam_cmd))
    for i, what in ((0, "wall"), (1, "CPU")):
        b, o = statistics.median(r[i] for r in base), statistics.median(r[i] for r in ours)
        print(f"import sympy:               median {what} {b * 1000:7.1f} ms over {args.runs} runs")
        print(f"symparam derive {args.spec}: median {what} {o * 1000:7.1f} ms over {args.runs} runs")
        print(f"ratio of {what} times (goal <= 1.5): {o / b:.2f}")


if __name__ == "__main__":
    main()
