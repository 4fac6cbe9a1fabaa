"""`derive --share` output: shares per layer, degrees, the leading term, the dominant layers."""

from __future__ import annotations

from ..printing import latex as tex, text
from ..sensitivity import Leading, Report, percent
from ..totals import readable
from .escape import latex as tex_text, plain, terminal
from .json import json_value


def table(report: Report, console) -> None:
    from rich import box
    from rich.table import Table

    t = Table(title="Share of the total", box=box.SIMPLE_HEAD, title_justify="left")
    t.add_column("Layer")
    t.add_column("Share (symbolic)")
    t.add_column("Share", justify="right")
    for share in report.shares:
        t.add_row(terminal(share.layer), terminal(text(share.fraction)),
                  percent(share.exact) if share.exact is not None else "—")
    console.print(t)
    for name, degree in report.degrees.items():
        grows = ", ".join(report.dominant.get(name, [])) or "none"
        console.print(plain(f"Degree in {name}: {degree if degree is not None else 'not polynomial'}; "
                            f"fastest-growing layer(s) in {name}: {grows}"), highlight=False, markup=False)
    if report.leading is not None:
        console.print(f"Leading term: {text(report.leading)}", highlight=False, markup=False)


def document(report: Report) -> dict:
    return {
        "layers": [{"name": s.layer, "fraction": json_value(s.fraction),
                    "percent": percent(s.exact) if s.exact is not None else None} for s in report.shares],
        "degrees": report.degrees,
        "leading_term": json_value(report.leading),
        "dominant": report.dominant,
    }


def latex(report: Report) -> str:
    rows = []
    for s in report.shares:
        value = "" if s.exact is None else r" \approx " + percent(s.exact).replace("%", r"\,\%")
        rows.append(r"\text{" + tex_text(s.layer) + r"} &: " + tex(s.fraction) + value)
    out = [r"\subsection*{Share of the total}", r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if report.leading is not None:
        out.append(f"Leading term: ${tex(report.leading)}$.")
    return "\n".join(out) + "\n"


def leading_table(lead: Leading, console) -> None:
    say = lambda line: console.print(plain(line), highlight=False, markup=False)  # noqa: E731
    if lead.active is not None:
        say(f"Active per token: {text(readable(lead.active))}; the total less what the routers leave unused in "
            f"{', '.join(lead.sparse_layers)}: {text(readable(lead.unused))}")
    if lead.term is None:
        say("Leading term: the non-embedding parameters are not a polynomial in the symbols.")
    else:
        say(f"Leading term of the non-embedding parameters: {text(lead.term)}")
        say(f"  non-embedding parameters: {text(readable(lead.non_embedding))}")
        say(f"  it leaves out the lower-order terms: {text(readable(lead.lower))}")
        if lead.embedding_layers:
            say(f"  and the embeddings ({', '.join(lead.embedding_layers)}): {text(readable(lead.embeddings))}")
    if lead.flops is not None:
        from .compute import closed_form_lines
        for line in closed_form_lines(lead.flops):
            say(line)


def leading_document(lead: Leading) -> dict:
    return {"term": json_value(lead.term),
            "non_embedding": json_value(readable(lead.non_embedding)), "lower_order": json_value(readable(lead.lower)),
            "embeddings": json_value(readable(lead.embeddings)), "embedding_layers": lead.embedding_layers,
            **({"active": json_value(readable(lead.active)), "unused": json_value(readable(lead.unused)),
                "sparse_layers": lead.sparse_layers} if lead.active is not None else {}),
            **({"flops": closed_form_document(lead.flops)} if lead.flops is not None else {})}


def closed_form_document(forms) -> dict:
    from .compute import closed_form_values
    return {key: json_value(readable(value)) if not isinstance(value, dict) else
            {k: json_value(readable(v)) for k, v in value.items()} for key, value in closed_form_values(forms).items()}
