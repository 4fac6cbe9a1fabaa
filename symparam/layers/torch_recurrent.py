"""PyTorch recurrent layers: nn.RNN, nn.LSTM, nn.GRU (torch's RNNBase), parameters named as named_parameters().

A sequence is (L, H_in) once the batch axis is dropped (batch_first only moves the batch axis, so it changes
nothing here). Per layer l and direction (suffix "" or "_reverse") torch creates, in this order:

    weight_ih_l{l}  (G*H, layer input)    weight_hh_l{l}  (G*H, H_out)
    bias_ih_l{l}    (G*H,)                bias_hh_l{l}    (G*H,)          (when bias)
    weight_hr_l{l}  (P, H)                                                 (nn.LSTM with proj_size P > 0)

with G gates (1 for nn.RNN, 4 for nn.LSTM, 3 for nn.GRU), H_out = P if P > 0 else H, and the layer input H_in for
layer 0, D*H_out above it (D = 2 when bidirectional). forward() returns (output, h_n) or (output, (h_n, c_n)); the
output, (L, D*H_out), is the layer's output shape.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..model import Dim, Shape
from . import register
from .base import Arg, Build, Choice, Flag, Int, LayerKind, NoTwin, Opaque, Real, Size, Twin
from .twin import wrapped
from .core import format_shape
from .costs import times
from .recurrent import step_costs

MAX_LAYERS = 1000   # layer counts name parameters one by one; a bound keeps a typo from building millions


def sequence(shape: Shape, kind: str, what: str = "an input") -> tuple[Dim, Dim]:
    """(L, features) of a batch-less sequence (L, H_in); the length may be unknown, the features may not."""
    if len(shape) != 2:
        raise SymparamError(f"{kind} expects {what} of shape (L, features) besides the batch. Received input shape "
                            f"{format_shape(shape)}.")
    if shape[1] is None:
        raise SymparamError(f"{kind} needs the feature axis of {what} to have a known length. Received input "
                            f"shape {format_shape(shape)}.")
    return shape[0], shape[1]


def features(given: sympy.Expr | None, found: sympy.Expr, key: str, b: Build) -> sympy.Expr:
    """A feature size the spec may give (then checked against the input) or leave out (then inferred)."""
    if given is None:
        return found
    b.require(sympy.Eq(given, found), key, f"{key} must equal the input's feature axis",
              f"{key} = {given}, input features {found}")
    return given


def layer_count(value: int, key: str, least: int = 1) -> int:
    """A number of stacked layers: a plain integer (each layer's parameters are named)."""
    if not least <= value <= MAX_LAYERS:
        raise SymparamError(f"{key} must be an integer from {least} to {MAX_LAYERS}. Received: {key} = {value}.")
    return value


class ProjSize(Arg):
    """nn.LSTM's proj_size: 0 (no projection) or a positive size (an expression must stay positive: whether a
    projection exists decides which parameters there are)."""
    expected = "0 (no projection) or a positive integer or expression over symbols"

    def parse(self, value, key, ctx):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise self.refuse(value, key)
        expr = ctx.symbols.parse(value, key)
        if expr.is_number:
            if expr == 0:
                return 0
            if not expr.is_integer or expr < 0:
                raise self.refuse(value, key)
        return ctx.size(value, key)


def rnn_args(nonlinearity: bool = False, proj_size: bool = False) -> dict:
    """torch's RNN / LSTM / GRU signature, in its order."""
    return {
        "input_size": Size(None), "hidden_size": Size(), "num_layers": Int(1),
        **({"nonlinearity": Choice("tanh", "relu", default="tanh", any_case=False)} if nonlinearity else {}),
        "bias": Flag(True), "batch_first": Flag(False), "dropout": Real(0.0, 0.0, 1.0), "bidirectional": Flag(False),
        **({"proj_size": ProjSize(0)} if proj_size else {}), "device": Opaque(), "dtype": Opaque(),
    }


class TorchRNN(LayerKind):
    convention = "torch"
    gates = 1
    # Unit-sized vectors torch's cell-by-cell RNN keeps, per step and once: LSTM h_{t-1}, c_{t-1}, its four gates
    # and tanh(c_t); GRU seven (h_{t-1}, r, z, n, h_{t-1} - n, the recurrent gates' three); RNN h_0 .. h_T.
    per_step, once = 1, 1

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """Per layer and direction the cell's vectors; from the second layer on, that layer's input sequence
        (both directions read the same one)."""
        length = inputs[0][0]
        directions = 2 if a.bidirectional else 1
        out = a.hidden_size if getattr(a, "proj_size", 0) == 0 else a.proj_size
        cells = a.num_layers * directions * (cls.per_step * length + cls.once) * a.hidden_size
        return cells + (a.num_layers - 1) * length * directions * out

    def build(self, a, inputs, b):
        (x,) = inputs
        length, found = sequence(x, self.name)
        n_in = features(a.input_size, found, "input_size", b)
        layers = layer_count(a.num_layers, "num_layers")
        hidden = a.hidden_size
        proj = getattr(a, "proj_size", 0)
        if proj != 0:
            b.require(sympy.Lt(proj, hidden), "proj_size", "proj_size must be smaller than hidden_size",
                      f"proj_size = {proj}, hidden_size = {hidden}")
        out = hidden if proj == 0 else proj
        out_label = "H" if proj == 0 else "P"
        directions = 2 if a.bidirectional else 1
        g = self.gates
        rows, rows_label = g * hidden, ("H" if g == 1 else f"{g}H")
        for layer in range(layers):
            for direction in range(directions):
                suffix = "_reverse" if direction else ""
                where = f"layer {layer}" + (", reverse" if direction else "")
                width = n_in if layer == 0 else directions * out
                width_label = "H_in" if layer == 0 else (out_label if directions == 1 else f"2{out_label}")
                b.weight(f"weight_ih_l{layer}{suffix}", (rows, width), role=f"input-hidden weights ({where})",
                         labels=(rows_label, width_label), category="weight")
                b.weight(f"weight_hh_l{layer}{suffix}", (rows, out), role=f"hidden-hidden weights ({where})",
                         labels=(rows_label, out_label), category="weight")
                if a.bias:
                    b.weight(f"bias_ih_l{layer}{suffix}", (rows,), role=f"input-hidden biases ({where})",
                             labels=(rows_label,), category="bias")
                    b.weight(f"bias_hh_l{layer}{suffix}", (rows,), role=f"hidden-hidden biases ({where})",
                             labels=(rows_label,), category="bias")
                if proj != 0:
                    b.weight(f"weight_hr_l{layer}{suffix}", (proj, hidden), role=f"projection weights ({where})",
                             labels=("P", "H"), category="weight")
                step_costs(b, length, width, hidden, g, self.cell, 2 if a.bias else 0, state_in=out, ordinal=where,
                           first=layer == 0)
                if proj != 0:
                    b.cost("matmul", times(length, hidden, proj), words=f"{where}: timesteps x H x P (the projection)",
                           of_input=False)
        return (length, directions * out)

    keras_twin = ""
    twin_note = ""

    @classmethod
    def twin(cls, a, inputs, convention):
        if a.num_layers != 1:
            raise NoTwin(f"Keras has no stacked {cls.keras_twin}: write one layer per level")
        if getattr(a, "proj_size", 0) != 0:
            raise NoTwin("Keras's LSTM has no projection (proj_size)")
        values = {"units": a.hidden_size, "use_bias": a.bias, "return_sequences": True,
                  **({"activation": a.nonlinearity} if cls.name == "nn.RNN" else {})}
        if a.bidirectional:
            return Twin("Bidirectional", {"layer": wrapped(cls.keras_twin, **values)}, list(inputs),
                        note=cls.twin_note)
        return Twin(cls.keras_twin, values, list(inputs), note=cls.twin_note)


@register
class RNN(TorchRNN):
    name = "nn.RNN"
    saves = ("input", "internal")
    gates = 1
    cell = "rnn"
    summary = "Elman RNN over a sequence (L, H_in): per layer and direction H x H_in and H x H weights, 2H biases"
    example = ({"hidden_size": "H"}, ["L", "H_in"], {"H": 64, "L": 50, "H_in": 32})
    args = rnn_args(nonlinearity=True)
    keras_twin = "SimpleRNN"
    twin_note = "PyTorch's nn.RNN keeps two bias vectors (bias_ih and bias_hh), Keras's SimpleRNN one"


@register
class LSTM(TorchRNN):
    name = "nn.LSTM"
    saves = ("input", "internal")
    per_step, once = 7, 0
    gates = 4
    cell = "lstm"
    summary = ("LSTM over a sequence (L, H_in): per layer and direction 4H x H_in and 4H x H_out weights, 8H "
               "biases, and P x H projection weights when proj_size P > 0")
    example = ({"hidden_size": "H"}, ["L", "H_in"], {"H": 128, "L": 50, "H_in": 32})
    args = rnn_args(proj_size=True)
    keras_twin = "LSTM"
    twin_note = "PyTorch's nn.LSTM keeps two bias vectors per gate (bias_ih and bias_hh), Keras's LSTM one"


@register
class GRU(TorchRNN):
    name = "nn.GRU"
    saves = ("input", "internal")
    per_step, once = 7, 0
    gates = 3
    cell = "gru"
    summary = "GRU over a sequence (L, H_in): per layer and direction 3H x H_in and 3H x H weights, 6H biases"
    example = ({"hidden_size": "H"}, ["L", "H_in"], {"H": 128, "L": 50, "H_in": 32})
    args = rnn_args()
    keras_twin = "GRU"   # Keras's GRU with reset_after = true (its default) has PyTorch's two bias vectors
