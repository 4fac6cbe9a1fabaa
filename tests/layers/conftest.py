"""The frameworks, imported once per session; a test that asks for one skips with the reason when it is absent."""

import pytest

from oracle.cases import require


@pytest.fixture(scope="session")
def keras():
    return require("keras")


@pytest.fixture(scope="session")
def torch():
    return require("torch")
