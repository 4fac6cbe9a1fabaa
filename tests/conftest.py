import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

os.environ.setdefault("KERAS_BACKEND", "torch")


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden from the current output")


@pytest.fixture
def regen(request):
    return request.config.getoption("--regen-golden")


@pytest.fixture
def write_spec(tmp_path):
    """Write spec text to a file and return its path."""
    def write(text: str, name: str = "spec.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write
