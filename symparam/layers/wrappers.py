"""Wrappers: Bidirectional (a recurrent layer run forwards and a copy run backwards) and TimeDistributed (one layer
applied to every step of a sequence). The wrapped layer is written inline: layer = { type = "LSTM", units = 64 }.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import SymparamError
from . import register
from .base import Arg, LayerKind, NoTwin, Unsupported, _is_none
from .core import format_shape
from .parsing import LayerArg
from .costs import size, times

RECURRENT = ("SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


class MergeMode(Arg):
    """How Bidirectional combines its two outputs; "none" keeps both (TOML has no null)."""
    modes = ("concat", "sum", "mul", "ave")
    expected = 'one of "concat", "sum", "mul", "ave" or "none"'

    def parse(self, value, key, ctx):
        if _is_none(value):
            return None
        if isinstance(value, str) and value in self.modes:   # Keras compares case-sensitively
            return value
        raise self.refuse(value, key)


def _inner(b, kind, args, inputs, word: str):
    """Build the wrapped layer in `b`; its variables' roles start with `word` (forward / backward)."""
    first = len(b.variables)
    out = b.inner(kind, args, inputs)
    b.variables[first:] = [replace(v, role=f"{word} {v.role}".strip()) for v in b.variables[first:]]
    return out


@register
class Bidirectional(LayerKind):
    name = "Bidirectional"
    saves = ("input", "internal")
    summary = "a recurrent layer run forwards plus a copy run backwards: twice its parameters"
    lesson = ("a bidirectional layer runs the wrapped layer forwards and an identical copy backwards over the "
              "sequence, so it holds twice the wrapped layer's parameters")
    legend = {"n_in": ("input features", "input"), "u": ("units in each direction", "layer.units")}
    mirrored = True
    example = ({"layer": {"type": "LSTM", "units": "u"}}, ["T", "n_in"], {"u": 64, "T": 100, "n_in": 32})
    args = {
        "layer": LayerArg(allowed=RECURRENT), "merge_mode": MergeMode("concat"),
        "weights": Unsupported(None, "initial weight values cannot be written in a spec"),
        "backward_layer": Unsupported(None, "a separate backward layer is not modelled; the backward copy mirrors "
                                            "layer"),
    }

    @classmethod
    def saved_inside(cls, a, inputs, output):
        kind, args = a.layer
        return 2 * kind.saved_inside(args, inputs, output)

    def build(self, a, inputs, b):
        kind, args = a.layer
        if args.go_backwards:
            raise SymparamError("Bidirectional's wrapped layer must run forwards (Keras makes the backward copy with "
                                "go_backwards = true, and the two must differ). Received: layer.go_backwards = true.")
        forward = _inner(b, kind, args, inputs, "forward")
        _inner(b, kind, args, inputs, "backward")
        outputs = forward if isinstance(forward, list) else [forward]
        out, states = tuple(outputs[0]), [tuple(s) for s in outputs[1:]]
        if a.merge_mode == "concat":
            out = (*out[:-1], 2 * out[-1])
        merged = [out, out] if a.merge_mode is None else [out]
        if a.merge_mode in ("sum", "mul", "ave"):
            b.cost("elementwise", times(1 + (a.merge_mode == "ave"), size(out)),
                   words=f"merging the two directions ({a.merge_mode}) per output value")
        if states:
            return merged + states + states
        return merged if a.merge_mode is None else out

    @classmethod
    def twin(cls, a, inputs, convention):
        kind, args = a.layer
        if not hasattr(kind, "torch_twin") or not kind.torch_twin:
            raise NoTwin(f"PyTorch has no bidirectional form of {kind.name}")
        return kind.twin(args, inputs, convention, bidirectional=True)


@register
class TimeDistributed(LayerKind):
    @classmethod
    def twin(cls, a, inputs, convention):
        kind, args = a.layer
        if kind.name != "Dense":
            raise NoTwin("PyTorch has no TimeDistributed; only a wrapped Dense maps (nn.Linear acts on the last axis)")
        return kind.twin(args, inputs, convention)

    name = "TimeDistributed"
    saves = ("wrapped",)
    summary = "applies one layer to every step of a sequence: the wrapped layer's parameters, shared over time"
    example = ({"layer": {"type": "Dense", "units": "units"}}, ["T", "n_in"], {"units": 10, "T": 20, "n_in": 64})
    args = {"layer": LayerArg()}

    def build(self, a, inputs, b):
        kind, args = a.layer
        (x,) = inputs
        if kind.convention != "keras" or kind.n_inputs != 1:
            why = "a Keras layer" if kind.convention != "keras" else "a layer of one input"
            raise SymparamError(f"TimeDistributed wraps {why}. Received: layer.type = {kind.name!r}.")
        if len(x) < 2:
            raise SymparamError("TimeDistributed expects an input with at least 2 axes (timesteps, ...) besides the "
                                f"batch. Received input shape {format_shape(x)}.")
        out = b.inner(kind, args, [tuple(x[1:])], times=x[0])
        if isinstance(out, list):
            raise SymparamError(f"TimeDistributed cannot wrap a layer with several outputs (Keras refuses it). "
                                f"Received: layer.type = {kind.name!r} with {len(out)} outputs.")
        return (x[0], *out)
