"""Every registered layer kind runs through its framework: the tests mirror the code.

Each family module symparam/layers/<family>.py has tests/layers/test_<family>.py, and that module's framework
tests (its GENERATED strategies and EXAMPLES, which its parametrized tests consume; tests/oracle/cases.py) cover
every kind the family registers, counted once by its canonical name whatever aliases it has. A new kind without a
case fails here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from oracle.cases import covered
from symparam.layers import kinds

HERE = Path(__file__).resolve().parent


def family(kind) -> str:
    return kind.__module__.rsplit(".", 1)[-1]


def family_tests(name: str):
    """The test module of a family (imported as pytest imports it: the same module object)."""
    return importlib.import_module(f"{__package__}.test_{name}")


def uncovered(registered) -> list[str]:
    """The kinds (canonical names) that no framework case of their family's test module runs."""
    canonical = {kind.name: kind for kind in registered}
    return sorted(name for name, kind in canonical.items()
                  if not (HERE / f"test_{family(kind)}.py").exists() or name not in covered(family_tests(family(kind))))


def test_every_family_has_a_test_module():
    missing = sorted({family(kind) for kind in kinds().values()} - {p.stem.removeprefix("test_")
                                                                     for p in HERE.glob("test_*.py")})
    assert not missing, f"no tests/layers/test_<family>.py for: {', '.join(missing)}"


def test_every_kind_runs_through_its_framework():
    missing = uncovered(kinds().values())
    assert not missing, f"kinds with no framework case in their family's tests: {', '.join(missing)}"


def test_a_kind_without_a_case_is_caught():
    """The check can fail: a kind the core family does not test is reported (and one it tests is not)."""
    new_kind = type("NewKind", (), {"name": "NewKind", "__module__": "symparam.layers.core"})
    dense = kinds()["Dense"]
    assert uncovered([new_kind, dense]) == ["NewKind"]


@pytest.mark.parametrize("name", sorted({family(kind) for kind in kinds().values()}))
def test_declared_cases_name_registered_kinds(name):
    """No stale entries: every kind a family module declares cases for is registered, and in that family."""
    module = family_tests(name)
    registered = {kind.name for kind in kinds().values() if family(kind) == name}
    assert covered(module) <= registered, sorted(covered(module) - registered)
