"""Every registered layer kind declares its cost (Build.cost): built on its catalogue example, its record carries at
least one cost, each of a kind from model.COST_KINDS. Zero is a declaration (Build.free), never a default: a kind
whose build() declares nothing fails here."""

from __future__ import annotations

import pytest

from symparam.engine import derive
from symparam.layers import kinds
from symparam.model import COST_KINDS
from symparam.spec import from_dict


def built(kind):
    kwargs, shape, _ = kind.example
    doc = {"network": {"name": "x", "convention": kind.convention}, "layers": [{"type": kind.name, **kwargs}]}
    if shape is not None:
        doc["network"]["input"] = dict(shape) if isinstance(shape, dict) else list(shape)
    return derive(from_dict(doc, f"<{kind.name} example>")).layers[-1]


def undeclared(registered) -> list[str]:
    return sorted(kind.name for kind in registered if not built(kind).costs)


def test_every_kind_declares_its_cost():
    missing = undeclared(kinds().values())
    assert not missing, f"kinds whose build() declares no cost (Build.cost, or Build.free for none): {missing}"


@pytest.mark.parametrize("name", sorted(kinds()))
def test_declared_costs_are_of_the_closed_set_with_words(name):
    for cost in built(kinds()[name]).costs:
        assert cost.kind in COST_KINDS and cost.words, cost


def test_a_kind_that_declares_no_cost_is_caught(monkeypatch):
    """The check can fail: Dense with a build() that declares nothing is reported (and the real Dense is not)."""
    from symparam import layers
    dense = kinds()["Dense"]
    silent = type("Silent", (dense,), {"build": lambda self, a, inputs, b: inputs[0]})
    monkeypatch.setitem(layers._REGISTRY, "Dense", silent)
    assert undeclared([silent]) == ["Dense"]
    monkeypatch.setitem(layers._REGISTRY, "Dense", dense)
    assert undeclared([dense]) == []
