"""What computing FLOPs adds to a derive: the gallery's specs and an unrolled residual network of N layers, each
derived and added up as `derive --json` does (parameters, per layer and in total), then the same with the compute
report (MACs, FLOPs forward and training, per layer and in total). The goal: at most 1.20.

Two ratios: with FLOPs / without them in this tree (the cost declarations are made while layers are built, so they
are in both), and with `--baseline DIR` (a symparam tree before the compute work, e.g. the main branch) with FLOPs
here / that tree's plain derive, which counts the declarations too. CPU time (process_time: other processes on the machine do not count), best of --repeat runs, caches cleared before
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
    """The gallery's specs and the unrolled network, by name: (how to read it, the path or the text)."""
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
            start = time.process_time()
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
            took = time.process_time() - start
            best = took if best is None else min(best, took)
        out[name] = best
    return out


def _measure(tree: Path, mode: str, layers: int, repeat: int) -> dict[str, float]:
    """One mode's timings in a fresh interpreter with `tree` on the path (the same start for every side)."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    run = subprocess.run([sys.executable, __file__, "--mode", mode, "--layers", str(layers), "--repeat", str(repeat)],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="a symparam tree without the compute work (e.g. the main branch)")
    parser.add_argument("--mode", choices=("plain", "flops"), help=argparse.SUPPRESS)   # one side, as JSON
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(timings(args.layers, args.repeat, flops=args.mode == "flops")))
        return
    plain = _measure(ROOT, "plain", args.layers, args.repeat)
    with_flops = _measure(ROOT, "flops", args.layers, args.repeat)
    baseline = _measure(Path(args.baseline), "plain", args.layers, args.repeat) if args.baseline else None
    for name in plain:
        line = (f"{name:28} derive {plain[name]:7.3f} s   with FLOPs {with_flops[name]:7.3f} s   "
                f"ratio {with_flops[name] / plain[name]:5.2f}")
        if baseline is not None:
            line += f"   baseline {baseline[name]:7.3f} s   ratio to baseline {with_flops[name] / baseline[name]:5.2f}"
        print(line)
    totals = [sum(side.values()) for side in (plain, with_flops, *([baseline] if baseline else []))]
    line = f"{'all cases':28} derive {totals[0]:7.3f} s   with FLOPs {totals[1]:7.3f} s   ratio {totals[1] / totals[0]:5.2f}"
    if baseline is not None:
        line += f"   baseline {totals[2]:7.3f} s   ratio to baseline {totals[1] / totals[2]:5.2f}"
    print(line)


if __name__ == "__main__":
    main()
