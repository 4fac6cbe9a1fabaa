"""`symparam verify`: build the network in the installed framework and compare it with the account, layer by layer.

The layers are built live from the same plan the exported file is written from (symparam.export; nothing is
executed from text): Keras on the torch backend, symbolically; torch on the meta device, its forward run on meta
tensors for the shapes. Each spec layer (each copy of a repeated one) is compared on its parameters, trainable and
non-trainable ones, buffers and output shapes; a variable another layer already holds (shared or tied weights) is
counted there, by identity. The first disagreement is reported; none means verified.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from .errors import SymparamError, layer_where
from .export import FRAMEWORKS, Expected, plan_for, framework_module

WHO = {"keras": "Keras", "torch": "torch"}
INSTALL = {"keras": "Keras 3 and torch (pip install 'keras>=3.3' torch, or pip install 'symparam[oracle]')",
           "torch": "torch (pip install torch, or pip install 'symparam[oracle]')"}
FIELDS = ("params", "trainable", "non_trainable", "buffers")
WORDS = {"params": "parameters", "trainable": "trainable parameters", "non_trainable": "non-trainable parameters",
         "buffers": "buffer elements"}


@dataclass(frozen=True)
class Disagreement:
    where: str              # "layer 3 'Conv2' (Conv2D)", a copy named when the layer repeats
    what: str               # "parameters", "output shape", ...
    symparam: object
    framework: object

    def text(self, who: str) -> str:
        return f"{self.where}: {self.what}: symparam {self.symparam}, {who} {self.framework}"


@dataclass(frozen=True)
class Report:
    target: str
    version: str
    layers: int             # framework layers compared (copies counted)
    total: int
    first: Disagreement | None

    @property
    def verified(self) -> bool:
        return self.first is None

    def text(self) -> str:
        who = f"{WHO[self.target]} {self.version}"
        if self.first is not None:
            return self.first.text(who)
        return f"verified: {self.layers} layers, {self.total:,} parameters, the same in {who}"


def require(target: str) -> None:
    """One line saying how to install the framework, when it is not installed."""
    if target not in FRAMEWORKS:
        raise SymparamError(f"--to must be one of {', '.join(FRAMEWORKS)}. Received: --to {target}.")
    needed = ("keras", "torch") if target == "keras" else ("torch",)
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        raise SymparamError(f"verify --to {target} needs {INSTALL[target]}; {', '.join(missing)} is not installed.")


def compare(expected: Expected, found: Expected, where: str) -> Disagreement | None:
    for key in FIELDS:
        if getattr(expected, key) != getattr(found, key):
            return Disagreement(where, WORDS[key], getattr(expected, key), getattr(found, key))
    want, got = expected.outputs, found.outputs
    if len(got) != len(want):
        want, got = want[:1], got[:1]
    for i, (a, b) in enumerate(zip(want, got)):
        # None from the framework: a length its symbolic build leaves unknown (Keras's Reshape with -1), not another
        if len(a) != len(b) or any(y is not None and x != y for x, y in zip(a, b)):
            what = "output shape" if len(want) == 1 else f"output {i + 1}'s shape"
            return Disagreement(where, what, _shape(a), _shape(b))
    return None


def _shape(dims) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def verify(account, target: str | None = None, plan=None) -> Report:
    """Build the account's network in `target` (default: the spec's framework) and compare it layer by layer.
    `plan` may be given (a test alters one to prove a disagreement is found)."""
    target = target or account.convention
    require(target)
    plan = plan if plan is not None else plan_for(account, target)
    module = framework_module(target)
    built = module.facts(plan)
    total = 0
    for node, copy, found in built:
        where = layer_where(node.layer.position, node.layer.name, node.layer.type)
        if copy is not None or node.at:   # a repeat's copy, written in a loop or unrolled (copies that grow)
            where += f", copy {(copy if copy is not None else node.at[0][1]) + 1} of its repeat"
        total += found.params
        first = compare(node.expected, found, where)
        if first is not None:
            return Report(target, module.version(), len(built), total, first)
    return Report(target, module.version(), len(built), total, None)
