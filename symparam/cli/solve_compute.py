"""`symparam solve --flops` and `--compute-optimal`: the solve command over FLOPs (symparam.compute)."""

from __future__ import annotations

from .common import bindings, console


def solve_compute(spec, name, flops, compute_optimal, set_, symbolic, training, flops_convention,
                  tokens_per_param, multiple_of) -> None:
    from ..account import build
    from ..compute import Options, convention, optimal_split, report, sequence_length, take_batch
    from ..engine import derive, resolved
    from ..errors import SymparamError
    from ..printing import text
    from ..solve import parse_amount, solve as run_solve
    from ..spec import load
    from .solve import _refuse_nothing_fits, _report, step_of

    convention(flops_convention)
    limit = parse_amount(flops, "--flops") if flops is not None else parse_amount(compute_optimal, "--compute-optimal")
    unbound = derive(load(spec))
    batch, given = take_batch(bindings(set_), unbound.symbols)
    if name in given:
        raise SymparamError(f"--for {name}: the symbol is also bound by --set; solve for it or set it.")
    net = resolved(unbound, given, defaults=not symbolic, free={name})
    step = step_of(multiple_of, net.bindings)
    out = console()

    def say(words: str) -> None:
        out.print(words, highlight=False, markup=False, soft_wrap=True)

    fixed = ", ".join(f"{k} = {v:,}" for k, v in net.bindings.items() if isinstance(v, int))
    if fixed:
        say(f"With {fixed}.")
    if flops is not None:
        counts = report(build(net), Options(flops_convention, batch))
        quantity = counts.training if training else counts.flops
        if quantity is None:
            raise SymparamError("the FLOPs depend on an axis of unknown length; give it a size to solve over them.")
        what = " FLOPs (forward + backward)" if training else " FLOPs (forward)"
        answer = run_solve(net, name, limit, multiple_of=step, total=quantity.value)
        if answer.relation is not None:
            say(f"More than one symbol is free; the boundary is: {answer.relation}")
            return
        _refuse_nothing_fits(answer, name, limit, step, what, 1, False)
        _report(answer, name, limit, step, what, 1, False, False, out)
        say(f"FLOPs convention: {counts.convention.name} ({counts.convention.summary}).")
        return
    budget = limit
    length = sequence_length(net)
    if length is None or not length.is_number:
        raise SymparamError("--compute-optimal needs a spec that reads token sequences with a known length (its "
                            "first input (L,) or (L, features), L bound).")
    n, tokens = optimal_split(budget, tokens_per_param)
    say(f"Compute-optimal split of C = {budget:,} training FLOPs (Chinchilla's convention: C = 6·N·D with D = "
        f"{tokens_per_param}·N tokens): N = {n:,} parameters, D = {tokens:,} tokens.")
    answer = run_solve(net, name, n, multiple_of=step, target=True)
    if answer.relation is not None:
        say(f"More than one symbol is free; the boundary is: {answer.relation}")
        return
    _report(answer, name, n, step, " parameters", 1, False, True, out)
    chosen = answer.value if answer.value is not None else answer.next_value
    if chosen is None:
        return
    params = answer.total if chosen == answer.value else answer.next_total
    at = resolved(unbound, {**given, name: chosen}, defaults=not symbolic)
    per_sequence = report(build(at), Options(flops_convention, 1)).training
    data = tokens_per_param * params
    sequences = -(-data // int(length))
    say(f"At {name} = {chosen:,}: {params:,} parameters, {data:,} tokens = {sequences:,} sequences of "
        f"{text(length)} (rounded up).")
    if per_sequence is not None:
        exact = per_sequence.value * sequences
        say(f"  training FLOPs by symparam's count ({flops_convention}): {text(exact)}; by 6·N·D: "
            f"{6 * params * data:,}")
