"""Llama-3-70B from its config.json: `symparam import` + `symparam derive` against transformers building the model
on the meta device (issue 14's goal: symparam at least 10x faster). One run of each, both as a user runs them, in
a fresh process (interpreter start-up and imports included), and both again in this process after one untimed
run each (the work alone: modules imported).
Prints the times and the ratios.

    python benchmarks/hf_import.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # this tree's symparam, also in process
CONFIG = ROOT / "tests" / "importing" / "configs" / "llama-3-70b.json"
COMPAT = """
import torch
lib = torch.library.Library("torchvision", "DEF")
lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
"""
BUILD = COMPAT + f"""
import json, transformers
config = json.load(open({str(CONFIG)!r}))
cfg = transformers.AutoConfig.for_model(**config)
with torch.device("meta"):
    model = transformers.LlamaForCausalLM(cfg)
print(sum(p.numel() for p in model.parameters()))
"""

API = f"""
from symparam.engine import derive, resolved
from symparam.importing import convert
from symparam.spec import loads
print(resolved(derive(loads(convert({str(CONFIG)!r})))).total)
"""


def run(argv: list[str]) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    return time.perf_counter() - start, done.stdout


def cold() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = str(Path(tmp) / "llama3_70b.toml")
        t_import, _ = run([sys.executable, "-m", "symparam", "import", str(CONFIG), "--output", spec])
        t_derive, out = run([sys.executable, "-m", "symparam", "derive", spec, "--json"])
    assert '"total": 70553706496' in out, out[-300:]
    t_hf, out = run([sys.executable, "-c", BUILD])
    assert out.strip() == "70553706496", out
    return t_import + t_derive, t_hf


def one_process() -> float:
    """Import and derive in one fresh process through the library (a notebook's way)."""
    t, out = run([sys.executable, "-c", API])
    assert out.strip() == "70553706496", out
    return t


def warm() -> tuple[float, float]:
    keep: dict = {}
    exec(COMPAT, keep)   # the schema library lives as long as `keep`
    import json

    import torch
    import transformers

    from symparam.engine import derive, resolved
    from symparam.importing import convert
    from symparam.spec import loads

    cfg = transformers.AutoConfig.for_model(**json.loads(CONFIG.read_text()))

    def ours():
        return resolved(derive(loads(convert(str(CONFIG)))))

    def theirs():
        with torch.device("meta"):
            return transformers.LlamaForCausalLM(cfg)

    ours(), theirs()   # one untimed run each: modules imported, caches filled
    start = time.perf_counter()
    net = ours()
    ours_s = time.perf_counter() - start
    assert int(net.total) == 70553706496
    start = time.perf_counter()
    model = theirs()
    theirs_s = time.perf_counter() - start
    assert sum(p.numel() for p in model.parameters()) == 70553706496 and keep
    return ours_s, theirs_s


def main() -> None:
    together = cold()
    for label, (ours, theirs) in (("fresh processes (two commands)", together),
                                  ("one fresh process (the API)", (one_process(), together[1])),
                                  ("warm, in process", warm())):
        print(f"{label}: symparam import + derive {ours:.2f} s, transformers on meta {theirs:.2f} s, "
              f"ratio {theirs / ours:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()
