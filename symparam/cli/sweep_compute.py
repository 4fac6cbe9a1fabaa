"""`symparam sweep --flops`: the FLOPs columns (symparam.compute) a sweep adds after the totals."""

from __future__ import annotations


def flops_columns(account, batch, flops_convention) -> dict:
    """{"flops": ..., "flops_training": ...} of a network bound but for the swept symbols, for `batch` examples."""
    from ..compute import Options, convention, report
    from ..errors import SymparamError

    convention(flops_convention)
    counts = report(account, Options(flops_convention, batch))
    if counts.flops is None:
        raise SymparamError("the FLOPs depend on an axis of unknown length; give it a size to sweep them.")
    return {"flops": counts.flops.value, "flops_training": counts.training.value}
