"""symparam: exact symbolic parameter counts, output shapes and worked derivations for neural networks.

    import symparam
    net = symparam.load("examples/cnn.toml")
    net.total, net.layers[0].params, net.subs(img_size=64)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import SymparamError

__version__ = "0.1.0"
__all__ = ["load", "load_text", "from_torch", "SymparamError", "__version__"]

if TYPE_CHECKING:
    from .api import from_torch, load, load_text


def __getattr__(name: str) -> Any:
    # The API pulls in sympy; import it only when it is used.
    if name in ("load", "load_text", "layer_record", "from_torch"):
        from . import api
        return getattr(api, name)
    raise AttributeError(f"module 'symparam' has no attribute {name!r}")
