"""`symparam solve SPEC --for NAME --budget 350M`: the largest NAME within a budget (or hitting a target)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from .common import OptimizerOption, SetOption, SymbolicOption, bindings, console


def solve(
    spec: Annotated[str, typer.Argument(help="The network spec (TOML).", show_default=False)],
    for_: Annotated[str, typer.Option("--for", help="The symbol to solve for.", metavar="NAME")] = "",
    budget: Annotated[Optional[str], typer.Option(
        "--budget", help="The largest total allowed: 350M, 1.5B, 7B (K, M, B, T; with --bytes also 24GB, 24GiB).",
        metavar="AMOUNT")] = None,
    target: Annotated[Optional[str], typer.Option(
        "--target", help="The total to hit exactly (or the nearest values on each side).", metavar="AMOUNT")] = None,
    set_: SetOption = None,
    symbolic: SymbolicOption = False,
    bytes_: Annotated[bool, typer.Option("--bytes", help="Budget in bytes: parameters x bytes per parameter.")]
    = False,
    dtype: Annotated[str, typer.Option("--dtype", help="With --bytes: fp32, fp16, bf16, int8 (fp64, tf32, fp8).")]
    = "fp32",
    multiple_of: Annotated[Optional[str], typer.Option(
        "--multiple-of", "--step", help="Only multiples of this (an integer, or a symbol bound by --set or a "
                                        "default, e.g. n_head).", metavar="K")] = None,
    flops: Annotated[Optional[str], typer.Option(
        "--flops", help="A budget of FLOPs, not parameters: the forward pass of one batch (--set batch=N; 1 by "
                        "default), or forward + backward with --training: 1e21, 3.5e20, 2T.", metavar="AMOUNT")] = None,
    training: Annotated[bool, typer.Option("--training", help="With --flops: count forward + backward.")] = False,
    flops_convention: Annotated[str, typer.Option(
        "--flops-convention", metavar="NAME", help="With --flops: torch, all or macs (see derive).")] = "torch",
    compute_optimal: Annotated[Optional[str], typer.Option(
        "--compute-optimal", help="A training compute budget C: split into N parameters and D = r·N tokens with "
                                  "C = 6·N·D (Chinchilla's convention), then the value of NAME whose parameters are "
                                  "nearest N.", metavar="AMOUNT")] = None,
    tokens_per_param: Annotated[int, typer.Option(
        "--tokens-per-param", help="With --compute-optimal: r, training tokens per parameter.")] = 20,
    memory: Annotated[Optional[str], typer.Option(
        "--memory", metavar="SIZE", show_default=False,
        help="A memory budget (24GiB, 80GB): the training memory under --optimizer (activations for --set batch=N, "
             "1 by default), else the weights and KV cache, at --dtype.")] = None,
    optimizer: OptimizerOption = None,
) -> None:
    """Find the largest value of a symbol whose total fits a budget, or that hits a target."""
    from ..engine import derive_file
    from ..solve import DTYPES, parse_amount, solve as run_solve

    if not for_:
        raise SymparamError("solve needs --for NAME, the symbol to solve for.")
    if memory is not None:
        return _solve_memory(spec, for_, memory, budget, target, set_, symbolic, bytes_, dtype, optimizer,
                             multiple_of)
    if optimizer is not None:
        raise SymparamError("--optimizer is used with --memory SIZE. Received: --optimizer without --memory.")
    asked = [o for o, v in (("--budget", budget), ("--target", target), ("--flops", flops),
                            ("--compute-optimal", compute_optimal)) if v is not None]
    if len(asked) != 1:
        raise SymparamError("solve needs exactly one of --budget AMOUNT, --target AMOUNT, --flops AMOUNT or "
                            f"--compute-optimal AMOUNT. Received: {', '.join(asked) or 'none'}.")
    if flops is not None or compute_optimal is not None:
        from .solve_compute import solve_compute
        solve_compute(spec, for_, flops, compute_optimal, set_, symbolic, training, flops_convention,
                      tokens_per_param, multiple_of)
        return
    if dtype not in DTYPES:
        raise SymparamError(f"--dtype must be one of {', '.join(DTYPES)}. Received: --dtype {dtype}.")
    option = "--budget" if budget is not None else "--target"
    limit = parse_amount(budget if budget is not None else target, option)
    per_param = DTYPES[dtype] if bytes_ else 1
    given = bindings(set_)
    if for_ in given:
        raise SymparamError(f"--for {for_}: the symbol is also bound by --set; solve for it or set it.")
    net = derive_file(spec, given, use_defaults=not symbolic, free={for_})
    values = net.bindings
    step = step_of(multiple_of, values)
    answer = run_solve(net, for_, limit, per_param=per_param, multiple_of=step, target=target is not None)
    unit = f" bytes ({dtype})" if bytes_ else " parameters"
    _answer(answer, for_, limit, step, unit, per_param, bytes_, target is not None, values)


def _solve_memory(spec, for_, size, budget, target, set_, symbolic, bytes_, dtype, optimizer, multiple_of) -> None:
    """`--memory SIZE`: the largest value of --for whose memory (symparam.memory) fits SIZE bytes."""
    import sympy

    from ..account import build
    from ..engine import derive as derive_network, resolved
    from ..memory import estimate, parse_bytes
    from ..solve import solve as run_solve
    from ..spec import load

    for flag, given in (("--budget", budget), ("--target", target), ("--bytes", bytes_ or None)):
        if given is not None:
            raise SymparamError(f"--memory SIZE is the budget; it cannot be combined with {flag}.")
    if multiple_of is not None and not (multiple_of.isdigit() and len(multiple_of) <= 19 and int(multiple_of) >= 1):
        raise SymparamError(f"--multiple-of takes a positive integer with --memory. Received: --multiple-of "
                            f"{multiple_of}.")
    limit = parse_bytes(size)
    given = bindings(set_)
    if for_ in given:
        raise SymparamError(f"--for {for_}: the symbol is also bound by --set; solve for it or set it.")
    unbound = derive_network(load(spec))
    from ..compute import take_batch
    batch, given = take_batch(given, unbound.symbols)
    net = resolved(unbound, given, defaults=not symbolic, free={for_})
    m = estimate(build(net), dtype, optimizer, batch=batch)
    total = m.training if optimizer is not None else sympy.Add(*(p.bytes for p in m.parts))
    if total is None:
        raise SymparamError(f"the activations cannot be counted: {m.unknown}.")
    step = int(multiple_of) if multiple_of is not None else 1
    answer = run_solve(net, for_, limit, multiple_of=step, total=total)
    what = f"training with {optimizer}" if optimizer is not None else "weights and KV cache"
    _answer(answer, for_, limit, step, f" bytes ({what}, {dtype})", 1, False, False, net.bindings)


def _answer(answer, for_, limit, step, unit, per_param, bytes_, target, values) -> None:
    out = console()
    if answer.relation is None:
        _refuse_nothing_fits(answer, for_, limit, step, unit, per_param, target)
    fixed = ", ".join(f"{k} = {v:,}" if isinstance(v, int) else f"{k} = {v}" for k, v in values.items())
    if fixed:
        out.print(f"With {fixed}.", highlight=False, markup=False)
    if answer.relation is not None:
        out.print(f"More than one symbol is free; the boundary is: {answer.relation}", highlight=False,
                  markup=False)
        for root in answer.solved or []:
            out.print(f"  {for_} = {root}", highlight=False, markup=False)
        return
    _report(answer, for_, limit, step, unit, per_param, bytes_, target, out)


def step_of(multiple_of: str | None, values) -> int:
    """--multiple-of: a positive integer, or a symbol with a value (--set or a default)."""
    if multiple_of is None:
        return 1
    if multiple_of.isdigit() and len(multiple_of) <= 19 and int(multiple_of) >= 1:
        return int(multiple_of)
    if isinstance(values.get(multiple_of), int):
        return values[multiple_of]
    raise SymparamError(f"--multiple-of takes a positive integer or a symbol with a value (--set or a "
                        f"default). Received: --multiple-of {multiple_of}.")


def _refuse_nothing_fits(answer, name, limit, step, unit, cost, target) -> None:
    """No valid value within a budget is an error (one line, exit 2), naming the smallest valid value."""
    if answer.value is not None or target:
        return
    smallest, total = answer.next_value, answer.next_total
    if smallest == step:
        raise SymparamError(f"even {name} = {step} gives {total * cost:,}, over {limit:,}.")
    step_text = f" (multiples of {step})" if step != 1 else ""
    why = f" ({name} below {smallest:,} is not valid: {answer.below[0]})" if answer.below else ""
    raise SymparamError(f"no valid value of {name}{step_text} fits within {limit:,}{unit}: the smallest valid "
                        f"value, {name} = {smallest:,}, gives {total * cost:,}{unit}{why}.")


def _report(answer, name, limit, step, unit, cost, bytes_, target, out) -> None:
    """The answer's lines: the value, the next valid one, and why the values in between are not valid."""
    from ..solve import WALK

    step_text = f" (multiples of {step})" if step != 1 else ""

    def say(text):
        out.print(text, highlight=False, markup=False, soft_wrap=True)

    def amount(total):
        return f"{total * cost:,}{unit}" + (f" = {total:,} parameters" if bytes_ else "")

    if target and answer.exact:
        say(f"{name} = {answer.value:,} gives exactly {answer.total * cost:,}{unit}.")
    elif target:
        say(f"No value of {name}{step_text} gives exactly {limit:,}{unit}. Nearest valid:")
        if answer.value is not None:
            say(f"  {name} = {answer.value:,}: {amount(answer.total)} (below)")
        else:
            say("  none below" + (f" ({name} below {answer.next_value:,} is not valid: {answer.below[0]})"
                                   if answer.below else ""))
    else:
        say(f"Largest {name}{step_text} within {limit:,}{unit}: {answer.value:,}")
        say(f"  {name} = {answer.value:,}: {amount(answer.total)}")
    if not (target and answer.exact):
        label = "above" if target else "over"
        if answer.next_value is not None:
            say(f"  {name} = {answer.next_value:,}: {amount(answer.next_total)} ({label})")
        elif answer.next_known:
            say("  none above" if target else f"  no larger value of {name} is valid")
        else:
            say(f"  no larger valid value of {name} found among the next {WALK:,}")
    if answer.skipped and answer.value is not None and answer.edge != answer.value and not answer.exact:
        first = answer.value + step
        span = f"{name} = {first:,}" if first == answer.edge else f"{name} = {first:,} to {answer.edge:,}"
        would = "would be within the target" if target else "would fit"
        say(f"  {span} {would} but {'is' if first == answer.edge else 'are'} not valid: "
            + "; ".join(answer.skipped[:3]) + ("; ..." if len(answer.skipped) > 3 else ""))
