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


def closed_form_values(forms) -> dict:
    """The closed forms' parts by key (JSON and the lines below read this one table)."""
    return {"sequence_length": forms.length, "non_embedding_parameters": forms.parameters,
            "forward_per_token": forms.forward, "forward_weight_products": forms.weights,
            "forward_attention": forms.attention, "forward_attention_causal": forms.causal,
            "training_per_token": forms.training, "kaplan": forms.kaplan, "kaplan_leaves_out": forms.kaplan_leaves_out,
            "palm": forms.palm, "palm_leaves_out": forms.palm_leaves_out}


def closed_form_lines(forms) -> list[str]:
    """Kaplan's and PaLM's forms, read off the exact counts, and what each leaves out (per token, T the length)."""
    from ..totals import readable

    def show(expr) -> str:
        return text(readable(expr))

    t = text(forms.length)
    lines = [f"FLOPs per token (torch convention, T = {t}; N = non-embedding parameters = {show(forms.parameters)}):",
             f"  forward, exact: {show(forms.forward)}",
             f"    products with weights: {show(forms.weights)}; attention's two products: {show(forms.attention)} "
             f"(under a causal mask: {show(forms.causal)})",
             f"  training (forward + backward), exact: {show(forms.training)}",
             f"  Kaplan et al. 2020, C_fwd ≈ 2N + 2·n_layer·n_ctx·d_attn: here {show(forms.kaplan)}",
             "    it leaves out (exact forward minus the form, in parts):"]
    lines += [f"      {words}: {show(value)}" for words, value in forms.kaplan_leaves_out.items()]
    lines += [f"  PaLM (Chowdhery et al. 2022), training 6N + 12·L·H·Q·T: here {show(forms.palm)}",
              "    it leaves out:"]
    lines += [f"      {words}: {show(value)}" for words, value in forms.palm_leaves_out.items()]
    lines.append("  (bias adds, norms, softmax and embedding lookups are no products: the torch convention counts none "
                 "of them; --flops-convention all does)")
    return lines
