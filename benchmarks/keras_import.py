"""`symparam import` of NASNetLarge's Keras config (1,041 layers with its InputLayer: 1,040 spec layers) against
`python -c "import sympy"`.

The config is built live from Keras (keras.src.applications.nasnet.NASNet with NASNetLarge's arguments, on the meta
device: keras.applications.NASNetLarge refuses the torch backend), written to a temporary file, then both commands
run alternately N times each. Prints the median wall and CPU times (CPU: the child's user + system time, which a
busy shared machine distorts less), the import's time beyond the baseline, and their ratio. The goal (issue 15):
under 3 s beyond start-up. Also prints `symparam derive` of the written spec, for scale. A benchmark prints; it does
not assert.

    python benchmarks/keras_import.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nasnet_large_json() -> str:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    from keras.src.applications import nasnet

    with warnings.catch_warnings(), keras.device("meta"):
        warnings.simplefilter("ignore")
        model = nasnet.NASNet(input_shape=(331, 331, 3), penultimate_filters=4032, num_blocks=6,
                              stem_block_filters=96, skip_reduction=True, filter_multiplier=2, weights=None,
                              default_size=331)
    print(f"NASNetLarge: {len(model.layers)} layers, {model.count_params():,} parameters")
    return model.to_json()


def measure(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config, spec = Path(tmp, "nasnet_large.json"), Path(tmp, "nasnet_large.toml")
        config.write_text(nasnet_large_json(), encoding="utf-8")
        print(f"config: {config.stat().st_size / 2**20:.1f} MiB of JSON")
        commands = {
            "import sympy": [sys.executable, "-c", "import sympy"],
            "symparam import": [sys.executable, "-m", "symparam", "import", str(config)],   # the spec to stdout
            "symparam derive (the imported spec)": [sys.executable, "-m", "symparam", "derive", str(spec)],
        }
        measure([*commands["symparam import"], "-o", str(spec)])   # the spec derive reads
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(measure(cmd))
        medians = {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
                   for name, runs in times.items()}
        for name, (wall, cpu) in medians.items():
            print(f"{name:38s} median wall {wall:6.2f} s, CPU {cpu:6.2f} s over {args.runs} runs")
        (bw, bc), (iw, ic) = medians["import sympy"], medians["symparam import"]
        print(f"import beyond start-up (goal < 3 s): wall {iw - bw:.2f} s, CPU {ic - bc:.2f} s")
        print(f"ratio to import sympy: wall {iw / bw:.2f}, CPU {ic / bc:.2f}")


if __name__ == "__main__":
    main()
