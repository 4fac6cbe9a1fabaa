"""`symparam solve SPEC --for NAME --budget 350M`: the largest NAME within a budget (or hitting a target)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import SymparamError
from .common import SetOption, SymbolicOption, bindings, console


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
) -> None:
    """Find the largest value of a symbol whose total fits a budget, or that hits a target."""
    from ..engine import derive_file
    from ..solve import DTYPES, parse_amount, solve as run_solve

    if not for_:
        raise SymparamError("solve needs --for NAME, the symbol to solve for.")
    if (budget is None) == (target is None):
        raise SymparamError("solve needs exactly one of --budget AMOUNT or --target AMOUNT.")
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
    step = 1
    if multiple_of is not None:
        if multiple_of.isdigit() and int(multiple_of) >= 1:
            step = int(multiple_of)
        elif isinstance(values.get(multiple_of), int):
            step = values[multiple_of]
        else:
            raise SymparamError(f"--multiple-of takes a positive integer or a symbol with a value (--set or a "
                                f"default). Received: --multiple-of {multiple_of}.")
    answer = run_solve(net, for_, limit, per_param=per_param, multiple_of=step, target=target is not None)
    out = console()
    unit = f" bytes ({dtype})" if bytes_ else " parameters"
    fixed = ", ".join(f"{k} = {v:,}" if isinstance(v, int) else f"{k} = {v}" for k, v in values.items())
    if fixed:
        out.print(f"With {fixed}.", highlight=False, markup=False)
    if answer.relation is not None:
        out.print(f"More than one symbol is free; the boundary is: {answer.relation}", highlight=False,
                  markup=False)
        for root in answer.solved or []:
            out.print(f"  {for_} = {root}", highlight=False, markup=False)
        return
    step_text = f" (multiples of {step})" if step != 1 else ""
    cost = per_param
    if target is not None and answer.exact:
        out.print(f"{for_} = {answer.value:,} gives exactly {answer.total * cost:,}{unit}.", highlight=False,
                  markup=False)
        return
    if target is not None:
        out.print(f"No value of {for_}{step_text} gives exactly {limit:,}{unit}. Nearest:", highlight=False,
                  markup=False)
        out.print(f"  {for_} = {answer.value:,}: {answer.total * cost:,}{unit} (below)", highlight=False,
                  markup=False)
        out.print(f"  {for_} = {answer.next_value:,}: {answer.next_total * cost:,}{unit} (above)", highlight=False,
                  markup=False)
        return
    out.print(f"Largest {for_}{step_text} within {limit:,}{unit}: {answer.value:,}", highlight=False, markup=False)
    params = "" if not bytes_ else f" = {answer.total:,} parameters"
    next_params = "" if not bytes_ else f" = {answer.next_total:,} parameters"
    out.print(f"  {for_} = {answer.value:,}: {answer.total * cost:,}{unit}{params}", highlight=False, markup=False)
    out.print(f"  {for_} = {answer.next_value:,}: {answer.next_total * cost:,}{unit}{next_params} (over)",
              highlight=False, markup=False)
