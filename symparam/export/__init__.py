"""`symparam export`: a derived network as runnable Keras or PyTorch code, read from its account.

    text = export(account, "torch")          # the source of a file that builds the network
    p = plan_for(account, "keras")           # what the file and verify's live build are both made from

The spec's own framework writes each layer as it is; the other framework writes it through its twin
(symparam.twins), or refuses it naming why. Sizes must be bound: a free symbol is an error naming it.
"""

from __future__ import annotations

import importlib

from ..errors import SymparamError
from .plan import FRAMEWORKS, Expected, Input, Node, Plan, Unit, plan

__all__ = ["FRAMEWORKS", "Expected", "Input", "Node", "Plan", "Unit", "export", "framework_module", "plan_for"]


def framework_module(target: str):
    if target not in FRAMEWORKS:
        raise SymparamError(f"--to must be one of {', '.join(FRAMEWORKS)}. Received: --to {target}.")
    return importlib.import_module(f"{__name__}.{target}")


def plan_for(account, target: str) -> Plan:
    """The plan of a bound account for `target` ("keras" or "torch")."""
    module = framework_module(target)
    translation = None
    try:
        if account.convention != target:
            from ..twins import translate
            translation = translate(account.net, target)
        return plan(account, target, module.recipe_for(translation))
    except SymparamError as exc:
        raise exc.in_file(account.net.source)


def export(account, target: str) -> str:
    """The Python source of a file that builds the network in `target`."""
    return framework_module(target).write(plan_for(account, target))
