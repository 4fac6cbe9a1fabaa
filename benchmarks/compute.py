"""What computing FLOPs adds to a derive: the gallery's specs and an unrolled residual network of N layers, each
derived and added up as `derive --json` does (parameters, per layer and in total), then the same with the compute
report (MACs, FLOPs forward and training, per layer and in total). The goal: at most 1.20.

Two ratios: with FLOPs / without them in this tree (the cost declarations are made while layers are built, so they
are in both), and with `--baseline DIR` (a symparam tree before the compute work, e.g. the main branch) with FLOPs
here / that tree's plain derive, which counts the declarations too. Best of --repeat runs, caches cleared before
each. A benchmark prints; it does not assert.

    python benchmarks/compute.py [--layers 2000] [--repeat 3] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def cases(layers: int) -> dict:
    sys.path.insert(0, str(HERE))
    from layers import unrolled
    found = {path.name: ("file", str(path)) for path in sorted((ROOT / "examples").glob("*.toml"))}
    found[f"unrolled ({layers:,} layers)"] = ("text", unrolled(layers))
    return found


def timings(layers: int, repeat: int, flops: bool) -> dict[str, float]:
    """Best seconds per case of derive + account (+ the compute report with `flops`), in this interpreter."""
    from sympy.core.cache import clear_cache

    from symparam import totals
    from symparam.account import build
    from symparam.engine import derive, resolved
    from symparam.spec import load, loads

    report = None
    if flops:
        from symparam.compute import report
    out = {}
    for name, (how, what) in cases(layers).items():
        best = None
        for _ in range(repeat):
            totals._readable.cache_clear()
            clear_cache()
            start = time.perf_counter()
            account = build(resolved(derive(load(what) if how == "file" else loads(what)), {}))
            for layer in account.layers:
                layer.params.value, layer.trainable.value, layer.formula_text()
            account.total.value, account.trainable.value, account.non_trainable.value
            if report is not None:
                counts = report(account)
                for q in (counts.macs, counts.flops, counts.training):
                    q is None or q.value
                for layer in counts.layers:
                    layer.macs is None or (layer.macs.value, layer.flops.value)
            took = time.perf_counter() - start
            best = took if best is None else min(best, took)
        out[name] = best
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="a symparam tree without the compute work (timed in a subprocess)")
    parser.add_argument("--plain-json", action="store_true", help=argparse.SUPPRESS)   # the baseline's side
    args = parser.parse_args()
    if args.plain_json:
        print(json.dumps(timings(args.layers, args.repeat, flops=False)))
        return
    sys.path.insert(0, str(ROOT))
    plain = timings(args.layers, args.repeat, flops=False)
    with_flops = timings(args.layers, args.repeat, flops=True)
    baseline = None
    if args.baseline:
        env = {**os.environ, "PYTHONPATH": str(Path(args.baseline).resolve())}
        run = subprocess.run([sys.executable, __file__, "--plain-json", "--layers", str(args.layers), "--repeat",
                              str(args.repeat)], env=env, capture_output=True, text=True, check=True)
        baseline = json.loads(run.stdout)
    for name in plain:
        line = (f"{name:28} derive {plain[name]:7.3f} s   with FLOPs {with_flops[name]:7.3f} s   "
                f"ratio {with_flops[name] / plain[name]:5.2f}")
        if baseline is not None:
            line += f"   baseline {baseline[name]:7.3f} s   ratio to baseline {with_flops[name] / baseline[name]:5.2f}"
        print(line)


if __name__ == "__main__":
    main()
