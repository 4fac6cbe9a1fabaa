"""Resource bombs for sweep, quiz and solve: each is run as a real `symparam` process; prints its wall time, its peak
memory (maximum resident set size) and its exit status. The goal (issue 11): every refusal within 2 s and 500 MB;
the work that is not refused (a quiz over 100,000 sizes, a streamed per-layer CSV) in bounded memory.

    python benchmarks/bombs.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS, GOAL_MB = 2.0, 500

ONE = '[network]\ninput = ["a"]\n[[layers]]\ntype = "Dense"\nunits = "a"\n'
TWO = '[network]\ninput = ["a"]\n[[layers]]\ntype = "Dense"\nunits = "b"\n'
WIDE = "\n".join(['[network]', 'input = ["a"]'] + [f'[[layers]]\ntype = "Dense"\nname = "d{i}"\nunits = "a"'
                                                     for i in range(40)])
CNN = str(ROOT / "examples" / "cnn.toml")


def measure(argv: list[str]) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit status, last line of stderr) of `python -m symparam ARGV`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "symparam", *argv], stdout=subprocess.DEVNULL, stderr=err,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), lines[-1] if lines else ""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        one, two, wide = Path(tmp, "one.toml"), Path(tmp, "two.toml"), Path(tmp, "wide.toml")
        one.write_text(ONE)
        two.write_text(TWO)
        wide.write_text(WIDE)
        refusals = [
            ("sweep --over a=1:100000000", ["sweep", one, "--over", "a=1:100000000"]),
            ("sweep --over a=1:9999999999999999999", ["sweep", one, "--over", "a=1:9999999999999999999"]),
            ("sweep 10,000 x 10,000 points", ["sweep", two, "--over", "a=1:10000", "--over", "b=1:10000"]),
            ("sweep --plot over 2,000,000 points", ["sweep", one, "--over", "a=1:2000000", "--plot",
                                                    str(Path(tmp, "c.png"))]),
            ("quiz --vary img_size=1:100000000", ["quiz", CNN, "--vary", "img_size=1:100000000"]),
            ("solve a total that barely grows", ["solve", two, "--for", "a", "--set", "b=1", "--budget",
                                                 "9" * 30 + "T"]),
        ]
        work = [
            ("quiz --vary img_size=1:100000 --count 1", ["quiz", CNN, "--vary", "img_size=1:100000", "--count", "1"]),
            ("sweep --per-layer 40 layers x 250,000 points, CSV to a file",
             ["sweep", wide, "--over", "a=1:250000", "--per-layer", "--format", "csv", "-o", str(Path(tmp, "g.csv"))]),
            ("solve examples/gpt2.toml --for d_model --budget 350M",
             ["solve", str(ROOT / "examples" / "gpt2.toml"), "--for", "d_model", "--budget", "350M"]),
        ]
        base, mb, _, _ = measure(["derive", CNN])
        print(f"baseline: derive examples/cnn.toml takes {base:.2f} s and {mb:.0f} MB (start-up included); the "
              f"'+base' column is a case's time less that")
        print(f"{'case':<62} {'seconds':>8} {'+base':>6} {'peak MB':>8} {'exit':>5}  verdict")
        for title, argv in refusals:
            seconds, mb, code, line = measure([str(a) for a in argv])
            ok = code == 2 and seconds <= GOAL_SECONDS and mb <= GOAL_MB
            print(f"{title:<62} {seconds:8.2f} {seconds - base:+6.2f} {mb:8.0f} {code:5}  {'ok' if ok else 'MISSED'}: "
                  f"{line[:90]}")
        for title, argv in work:
            seconds, mb, code, line = measure([str(a) for a in argv])
            verdict = "ok" if code == 0 and mb <= GOAL_MB else "MISSED"
            print(f"{title:<62} {seconds:8.2f} {seconds - base:+6.2f} {mb:8.0f} {code:5}  {verdict}"
                  f"{': ' + line[:90] if line else ''}")
    print(f"goal: refusals (exit 2) within {GOAL_SECONDS:.0f} s and {GOAL_MB} MB; the rest in {GOAL_MB} MB")


if __name__ == "__main__":
    main()
