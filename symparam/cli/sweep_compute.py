"""`symparam sweep --flops`: the FLOPs columns (symparam.compute) a sweep adds after the totals."""

from __future__ import annotations


def flops_columns(spec, given, swept, flops_convention):
    """The network bound but for the swept symbols, and {"flops": ..., "flops_training": ...} over them."""
    from ..account import build
    from ..compute import Options, convention, report, take_batch
    from ..engine import derive, resolved
    from ..errors import SymparamError
    from ..spec import load

    convention(flops_convention)
    unbound = derive(load(spec))
    batch, values = take_batch(given, unbound.symbols)
    net = resolved(unbound, values, free=swept)
    counts = report(build(net), Options(flops_convention, 1 if batch is None else batch))
    if counts.flops is None:
        raise SymparamError("the FLOPs depend on an axis of unknown length; give it a size to sweep them.")
    return net, {"flops": counts.flops.value, "flops_training": counts.training.value}
