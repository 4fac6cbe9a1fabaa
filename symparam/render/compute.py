"""The compute lines every text output shares: the totals of a symparam.compute.Report, the convention stated."""

from __future__ import annotations

from ..printing import text


def _count(quantity) -> str:
    if quantity is None:
        return "unknown (an axis of unknown length)"
    shown = text(quantity.value)
    if quantity.value.is_number and not quantity.symbolic.is_number:
        shown += f"  (= {text(quantity.symbolic)})"
    return shown


def totals(compute) -> list[str]:
    """'MACs: ...', 'FLOPs (forward): ...', 'FLOPs (training): ...' and the convention they are counted under."""
    batch = "" if compute.batch == 1 else (f", batch of {text(compute.batch)}" if compute.batch.is_number
                                           else f", times the batch {compute.batch}")
    causal = ", causal attention" if compute.options.causal else ""
    return [f"MACs: {_count(compute.macs)}",
            f"FLOPs (forward): {_count(compute.flops)}",
            f"FLOPs (training, forward + backward): {_count(compute.training)}",
            f"FLOPs convention: {compute.convention.name}{batch}{causal} ({compute.convention.summary})"]
