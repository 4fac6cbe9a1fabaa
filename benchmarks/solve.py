"""Solve speed: `symparam solve --for f --budget 1B` on a polynomial total, in-process, against deriving the same
spec once (the baseline, measured in the same run). Prints both times and the ratio; the goal is well under a
second for the solve itself.

    python benchmarks/solve.py
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def timed(fn, runs=7):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from sweep import SPEC
    from symparam.cli import main as cli
    from symparam.engine import derive
    from symparam.spec import loads

    with tempfile.TemporaryDirectory() as tmp:
        spec = os.path.join(tmp, "spec.toml")
        Path(spec).write_text(SPEC)

        def solve():
            with contextlib.redirect_stdout(io.StringIO()):
                assert cli(["solve", spec, "--for", "f", "--budget", "1B", "--set", "units=512"]) == 0

        base = timed(lambda: derive(loads(SPEC)))
        ours = timed(solve)
    print(f"derive the spec (baseline): median {base * 1000:.1f} ms")
    print(f"solve --for f --budget 1B:  median {ours * 1000:.1f} ms")
    print(f"ratio: {ours / base:.1f} (goal: the solve well under a second)")


if __name__ == "__main__":
    main()
