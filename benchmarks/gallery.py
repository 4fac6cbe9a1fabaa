"""The gallery's derive times: each examples/*.toml derived in-process (as `symparam derive` runs it, the table
rendered), numeric and --symbolic, best of --repeat runs, as a ratio to the lesson's CNN (examples/cnn.toml) derived
in the same run. The interpreter's start-up is benchmarks/startup.py's business. A benchmark prints; it does not
assert.

    python benchmarks/gallery.py [--repeat 2] [NAME ...]
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


def timed(argv: list[str], repeat: int) -> float:
    from symparam.cli import main

    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(argv) == 0, argv
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    names = args.names or sorted(p.stem for p in (ROOT / "examples").glob("*.toml"))
    cnn = ["derive", str(ROOT / "examples" / "cnn.toml")]
    timed(cnn, 1)                                # warm: the imports are start-up's, not the derive's
    base = timed(cnn, args.repeat)
    print(f"baseline: cnn.toml numeric derive {base:.3f} s")
    print(f"{'spec':<20} {'numeric s':>10} {'ratio':>8} {'symbolic s':>11} {'ratio':>8}")
    for name in names:
        path = str(ROOT / "examples" / f"{name}.toml")
        numeric, symbolic = (timed(["derive", path, *more], args.repeat) for more in ([], ["--symbolic"]))
        print(f"{name:<20} {numeric:>10.2f} {numeric / base:>8.1f} {symbolic:>11.2f} {symbolic / base:>8.1f}")


if __name__ == "__main__":
    main()
