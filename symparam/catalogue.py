"""The layer catalogue as data: each kind built on its symbolic example, for `symparam layers` and the docs."""

from __future__ import annotations

from dataclasses import dataclass

from .account import LayerAccount, build
from .engine import bind, derive
from .layers import kinds, lookup
from .spec import from_dict
from .twins import translate


@dataclass
class Entry:
    kind: type
    symbolic: LayerAccount | None    # the kind built on its example, every size a symbol
    worked: LayerAccount | None      # the same with the example's numbers
    twin: object | None = None       # symparam.twins.Row: the example under the other framework's rules


def entry(kind) -> Entry:
    if kind.example is None:
        return Entry(kind, None, None)
    kwargs, input_shape, values = kind.example
    document = {"network": {"name": kind.name, "convention": kind.convention}, "layers": [{"type": kind.name,
                                                                                            **kwargs}]}
    if input_shape is not None:
        document["network"]["input"] = dict(input_shape) if isinstance(input_shape, dict) else list(input_shape)
    net = derive(from_dict(document, f"<{kind.name} example>"))
    twin = translate(net, "torch" if kind.convention == "keras" else "keras").rows[0]
    return Entry(kind, build(net).layers[0], build(bind(net, values)).layers[0], twin)


def entries() -> list[Entry]:
    return [entry(kind) for _, kind in sorted(kinds().items(), key=lambda item: item[0].lower())]


def find(name: str) -> Entry:
    return entry(lookup(name))
