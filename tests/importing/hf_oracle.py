"""transformers as an oracle: imported once, beside the CPU torch (a test that needs it skips with the reason when it
is absent; CI runs with SYMPARAM_REQUIRE_ORACLES=1, where a skip fails)."""

from __future__ import annotations

import pytest

def transformers_module():
    torch = pytest.importorskip("torch", reason="the transformers oracle needs torch (pip install '.[oracle]')")
    # torchvision 0.28 (the registry's CUDA-built wheel) imports beside the CPU torch once these two schemas exist;
    # transformers imports torchvision for its image utilities.
    from oracle.torchvision_compat import import_torchvision
    import_torchvision()
    return pytest.importorskip("transformers", reason="the oracle extra installs it (pip install '.[oracle]')")
