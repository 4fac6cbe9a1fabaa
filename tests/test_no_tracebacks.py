"""Hostile input is normal input: arbitrary spec documents either derive or raise SymparamError, never anything
else (a traceback on bad input is a bug)."""

import io

import sympy
from hypothesis import given, settings, strategies as st

from symparam.engine import bind, derive
from symparam.errors import SymparamError
from symparam.layers import kinds
from symparam.spec import from_dict

KINDS = sorted(kinds())
KEYS = sorted({key for kind in kinds().values() for key in kind.all_args()} | {"name", "inputs", "type", "bogus"})

scalars = st.one_of(
    st.integers(-3, 40), st.sampled_from(["n", "2*n", "n // 2", "n - 5", "none", "same", "valid", "causal",
                                          "channels_first", "relu", "__x", "n.real", "-1", "", "1/2"]),
    st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
)
values = st.one_of(scalars, st.lists(scalars, max_size=5), st.dictionaries(st.text(max_size=4), scalars, max_size=2))
layer = st.builds(
    lambda t, extra: {"type": t, **extra},
    st.one_of(st.sampled_from(KINDS), st.text(max_size=6)),
    st.dictionaries(st.sampled_from(KEYS), values, max_size=5),
)
document = st.fixed_dictionaries(
    {"layers": st.lists(layer, min_size=1, max_size=5)},
    optional={"network": st.fixed_dictionaries({}, optional={
        "input": st.one_of(st.lists(st.one_of(st.integers(-2, 12), st.sampled_from(["n", "m", "none", "n-3"])),
                                    max_size=5), values),
        "name": values, "convention": values}),
        "symbols": st.dictionaries(st.sampled_from(["n", "m", "_x", "floor"]),
                                   st.one_of(st.integers(-2, 40), st.fixed_dictionaries({"default": values})),
                                   max_size=2)},
)


@given(document, st.dictionaries(st.sampled_from(["n", "m"]), st.integers(1, 50), max_size=2))
@settings(max_examples=1500, deadline=None)
def test_any_document_derives_or_fails_cleanly(doc, values):
    try:
        net = derive(from_dict(doc, "fuzz.toml"))
        names = set(net.symbols.names())
        net = bind(net, {k: v for k, v in values.items() if k in names})
    except SymparamError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return
    assert isinstance(net.total, sympy.Expr)
    from rich.console import Console

    from symparam.render import json as json_out, latex, table
    json_out.render(net), latex.render(net)
    table.show(net, Console(file=io.StringIO(), width=120))
    for layer in net.layers:
        for d in layer.output_shape:
            assert d is None or isinstance(d, sympy.Expr)
