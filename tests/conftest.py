import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # TensorFlow (Keras's lookup layers run on it): no start-up notes

# Generated examples build framework layers on 2 shared cores: how long one takes says nothing about its answer, so
# no example has a deadline and none is refused as too slow (a test's own @settings inherit this profile).
try:
    from hypothesis import HealthCheck, settings
except ImportError:
    pass
else:
    # In CI the examples are the same on every run (derandomized), so what lands is what was run; elsewhere each run
    # draws new ones, to find what CI would not.
    settings.register_profile("symparam", deadline=None, suppress_health_check=[HealthCheck.too_slow],
                              derandomize=os.environ.get("SYMPARAM_REQUIRE_ORACLES") == "1")
    settings.load_profile("symparam")


def pytest_addoption(parser):
    parser.addoption("--regen-golden", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden from the current output")


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the torch backend, imported once per session; a test that asks for it skips with the reason when it
    is absent (the hook below makes a skip a failure in CI)."""
    from oracle.cases import require
    return require("keras")


@pytest.fixture(scope="session")
def torch():
    """torch, imported once per session (skips with the reason when it is absent)."""
    from oracle.cases import require
    return require("torch")


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


# In CI (.ci/run sets SYMPARAM_REQUIRE_ORACLES=1) the framework oracles and pdflatex are installed, so a test that
# skips there hides a missing install step: report it as a failure instead.
_STRICT = os.environ.get("SYMPARAM_REQUIRE_ORACLES") == "1"


def _no_skips(report):
    if _STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but nothing may skip in CI (SYMPARAM_REQUIRE_ORACLES=1): {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _no_skips(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _no_skips(outcome.get_result())
