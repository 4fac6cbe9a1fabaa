"""The spec writer: whatever an importer hands it comes back from a TOML parser as the same document."""

import tomllib
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from symparam.importing.toml_text import dumps

names = st.text(min_size=1, max_size=12)
scalars = st.one_of(st.booleans(), st.integers(-2**63, 2**63 - 1), st.text(max_size=20))
small = st.dictionaries(names, scalars, max_size=3)
layer = st.dictionaries(names, st.one_of(scalars, st.lists(scalars, max_size=3)), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(network=small, symbols=st.dictionaries(names, small, max_size=4), layers=st.lists(layer, min_size=1, max_size=4),
       comment=st.text(max_size=40))
def test_round_trip(network, symbols, layers, comment):
    document = {"network": network, "symbols": symbols, "layers": layers}
    assert tomllib.loads(dumps({"__comment__": comment, **document})) == document


def test_a_foreign_name_cannot_end_its_string_or_line():
    hostile = 'x"\n[[layers]]\ntype = "Dense"\\'
    text = dumps({"network": {"name": hostile}})
    assert tomllib.loads(text) == {"network": {"name": hostile}}
    assert len(text.splitlines()) == 1


def test_an_exact_fraction_is_written_as_its_ratio():
    assert tomllib.loads(dumps({"s": {"alpha": Fraction(3, 4), "one": Fraction(2, 2)}})) == {
        "s": {"alpha": "3/4", "one": 1}}
