"""Pooling: Max/Average pooling 1D-3D (windows) and their global forms. None has parameters."""

from __future__ import annotations

import sympy

from ..shapes import join_channels, pool_length
from . import register
from .base import REQUIRED, Choice, Flag, LayerKind, Sizes
from .core import channels_of

_FORMAT = {"data_format": Choice("channels_last", "channels_first", default="channels_last")}


class Pooling(LayerKind):
    rank = 0
    op = ""

    @classmethod
    def make_args(cls, rank: int, pool_default) -> dict:
        # Keras compares pooling's padding case-sensitively; AveragePooling has no default pool_size.
        return {"pool_size": Sizes(rank, pool_default), "strides": Sizes(rank, None, optional=True),
                "padding": Choice("valid", "same", default="valid", any_case=False), **_FORMAT}

    def build(self, a, inputs, b):
        channels, spatial = channels_of(inputs[0], a.data_format, self.name, self.rank)
        strides = a.strides if a.strides is not None else a.pool_size
        out = []
        for axis, (n, p, s) in enumerate(zip(spatial, a.pool_size, strides)):
            length, condition = pool_length(n, p, s, a.padding)
            if condition is not None:
                b.require(condition, "pool_size",
                          f"pool_size: a 'valid' window of {p} needs input axis {axis + 1} to be at least {p}",
                          f"input length {n}")
            out.append(length)
        return join_channels(channels, out, a.data_format)


class GlobalPooling(LayerKind):
    rank = 0
    args = {**_FORMAT, "keepdims": Flag(False)}

    def build(self, a, inputs, b):
        channels, spatial = channels_of(inputs[0], a.data_format, self.name, self.rank)
        if a.keepdims:
            return join_channels(channels, [sympy.Integer(1)] * self.rank, a.data_format)
        return (channels,)


def _make(op: str, rank: int, global_: bool):
    word = "maximum" if op == "Max" else "average"
    spatial = ["L"] if rank == 1 else ["H", "W"] if rank == 2 else ["D", "H", "W"]
    example = ({} if global_ or op == "Max" else {"pool_size": 2}, [*spatial, "C"],
               {**{s: 32 for s in spatial}, "C": 64})
    if global_:
        name = f"Global{op if op == 'Max' else 'Average'}Pooling{rank}D"
        attrs = {"name": name, "rank": rank, "example": example,
                 "summary": f"the {word} over all {rank}D positions, per channel",
                 "no_params": f"global pooling only takes the {word} of each channel"}
        return register(type(name, (GlobalPooling,), attrs))
    name = f"{op}Pooling{rank}D"
    attrs = {"name": name, "rank": rank, "op": op, "example": example, "args": Pooling.make_args(rank, 2 if op == "Max" else REQUIRED),
             "summary": f"the {word} over each {rank}D window, per channel",
             "no_params": f"pooling only takes the {word} over each window"}
    return register(type(name, (Pooling,), attrs))


for _op in ("Max", "Average"):
    for _rank in (1, 2, 3):
        _make(_op, _rank, global_=False)
        _make(_op, _rank, global_=True)
