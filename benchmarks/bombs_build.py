"""Resource bombs against parsing and building (issue 11): each must be refused within 2 s and 500 MB.

Each bomb runs in a fresh process (`symparam derive BOMB`, in-process main() there), which reports the exit
status, the time main() took, the process's peak resident memory (getrusage) and the peak of Python allocations
during main() (tracemalloc, in a second run so that tracing does not slow the timed one). One line per bomb:

    python benchmarks/bombs_build.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS, GOAL_MB = 2.0, 500
DENSE = '[[layers]]\ntype = "Dense"\nunits = 3\n'


def nested_blocks(depth: int, fan_out: int) -> str:
    lines = ['[network]', 'input = [8]']
    for d in range(depth):
        lines.append(f'[blocks.b{d}]')
        for _ in range(fan_out):
            lines += [f'[[blocks.b{d}.layers]]', f'type = "b{d + 1}"' if d < depth - 1 else 'type = "Dense"\nunits = 8']
    return "\n".join(lines + ['[[layers]]', 'type = "b0"']) + "\n"


def mlp(widths: int) -> str:
    return '[network]\ninput = ["w0"]\n' + "".join(f'[[layers]]\ntype = "Dense"\nunits = "w{i}"\n'
                                                   for i in range(1, widths + 1))


def bombs() -> dict[str, tuple[str, list[str]]]:
    """name -> (spec text, extra arguments)."""
    axis = '"n**16*n**16*n**16*n**16"'
    coefficient = '"(2**16*2**16*2**16*2**16*n)**16"'
    chain = "\n".join(f'd{i} = {{ default = "d{i - 1}**16*d{i - 1}**16*d{i - 1}**16*d{i - 1}**16" }}'
                      for i in range(1, 5))
    divides = '[network]\ninput = ["n"]\n[symbols]\nn = 8\nm = 5\n[[layers]]\ntype = "Dense"\nunits = "n // (m - 3)"\n'
    return {
        "power of a sum (a+...+j)**16": ('[network]\ninput = ["(a+b+c+d+e+f+g+h+i+j)**16"]\n' + DENSE, []),
        "flattened product of 4 x 20-term axes": (
            f'[network]\ninput = [{", ".join(f"{chr(34)}(a + b + c + x{i})**3{chr(34)}" for i in range(4))}]\n'
            '[[layers]]\ntype = "Flatten"\n' + DENSE, []),
        "nested blocks, fan-out 10, depth 15": (nested_blocks(15, 10), []),
        "a length of 9,216 digits (n = 10**18)": (
            f'[network]\ninput = [{", ".join([axis] * 8)}]\n[symbols]\nn = {10**18}\n[[layers]]\ntype = "Flatten"\n'
            + DENSE, []),
        "a coefficient of 4,933 digits": (f'[network]\ninput = [{", ".join([coefficient] * 16)}]\n'
                                          '[[layers]]\ntype = "Flatten"\n' + DENSE, []),
        "symbol defaults, each the 64th power of the last": (
            f'[network]\ninput = ["d4"]\n[symbols]\nd0 = {2**64 - 1}\n{chain}\n' + DENSE, []),
        "a TOML integer of 5,000 digits": ('[network]\ninput = [8]\n[[layers]]\ntype = "Dense"\nunits = '
                                           + "9" * 5000 + "\n", []),
        "1,001 symbols": ('[network]\ninput = [8]\n[symbols]\n' + "".join(f"s{i} = 4\n" for i in range(1001)) + DENSE,
                          []),
        "--set of 5,000 digits": (divides, ["--set", "m=" + "9" * 5000]),
        "--set m=3 with n // (m - 3)": (divides, ["--set", "m=3"]),
        "100,001 layers": ('[network]\ninput = [8]\n' + '[[layers]]\ntype = "ReLU"\n' * 100_001, []),
        "MLP of 50 symbolic widths (derives)": (mlp(50), []),
    }


def one(path: str, extra: list[str], trace: bool) -> None:
    """In the child: run derive once and print a JSON line."""
    import contextlib
    import io
    import resource
    import time
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    from symparam.cli import main

    out, err = io.StringIO(), io.StringIO()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["derive", path, *extra])
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"code": code, "seconds": elapsed, "rss_mb": rss, "traced_mb": peak / 2**20,
                      "message": err.getvalue().strip()[:110]}))


def measure(path: str, extra: list[str], trace: bool) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--one", path, str(int(trace)), *extra], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"goal: every refusal within {GOAL_SECONDS} s and {GOAL_MB} MB (RSS includes the interpreter and sympy)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, extra) in bombs().items():
            path = Path(tmp) / "bomb.toml"
            path.write_text(text, encoding="utf-8")
            timed, traced = measure(str(path), extra, False), measure(str(path), extra, True)
            ok = timed["seconds"] <= GOAL_SECONDS and timed["rss_mb"] <= GOAL_MB
            print(f"{name:50} exit {timed['code']}  {timed['seconds']:6.2f} s ({timed['seconds'] / GOAL_SECONDS:4.2f} of "
                  f"goal)  peak RSS {timed['rss_mb']:4d} MB  Python peak {traced['traced_mb']:6.1f} MB  "
                  f"{'ok' if ok else 'OVER'}")
            print(f"{'':50} {timed['message'] or '(no message)'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], sys.argv[4:], sys.argv[3] == "1")
    else:
        main()
