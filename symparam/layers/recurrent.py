"""Recurrent layers, as Keras's rnn/ family builds them: SimpleRNN, LSTM and GRU (one cell each; the gates sit side
by side along the last axis of kernel, recurrent_kernel and bias) and ConvLSTM1D/2D/3D (an LSTM whose products are
convolutions, one base for every rank).

Every recurrent layer reads a sequence (timesteps, ...) whose length may be unknown ("none"). It outputs the last
step, or every step with return_sequences; with return_state it has several outputs: the output, then each state.
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..shapes import conv_length, join_channels
from . import register
from .base import ActivationName, Arg, Choice, Flag, LayerKind, NoTwin, Opaque, Size, Sizes, Twin
from .core import format_shape
from .costs import ACTIVATION_OPS, size, times

_U = sympy.Integer


class Rate(Arg):
    """A dropout rate: any number (Keras clamps it into [0, 1] itself, and takes a boolean as 0 or 1)."""
    expected = "a number (Keras clamps it into [0, 1])"
    inert = True

    def parse(self, value, key, ctx):
        if not isinstance(value, (int, float)):
            raise self.refuse(value, key)
        return value


class Cudnn(Arg):
    """LSTM and GRU's use_cudnn: "auto", true or false (Keras compares exactly)."""
    expected = '"auto", true or false'
    inert = True

    def parse(self, value, key, ctx):
        if isinstance(value, (str, int, float)) and value in ("auto", True, False):   # Keras's own test
            return value
        raise self.refuse(value, key)


def _initialisers(kernel: str = "glorot_uniform") -> dict[str, Arg]:
    return {
        "kernel_initializer": Opaque(kernel), "recurrent_initializer": Opaque("orthogonal"),
        "bias_initializer": Opaque("zeros"), "kernel_regularizer": Opaque(), "recurrent_regularizer": Opaque(),
        "bias_regularizer": Opaque(), "kernel_constraint": Opaque(), "recurrent_constraint": Opaque(),
        "bias_constraint": Opaque(),
    }


SEQUENCE_ARGS: dict[str, Arg] = {
    "dropout": Rate(0.0), "recurrent_dropout": Rate(0.0), "seed": Opaque(),
    "return_sequences": Flag(False), "return_state": Flag(False), "go_backwards": Flag(False),
    # stateful: Keras wants a fixed batch size then; symparam has no batch axis and accepts it (no variables change).
    "stateful": Flag(False),
}


def sequence_outputs(a, timesteps, step_shape: tuple, n_states: int):
    """The last step (or every step), then with return_state one state of `step_shape` per state."""
    out = (timesteps, *step_shape) if a.return_sequences else tuple(step_shape)
    if a.return_state:
        return [out, *[tuple(step_shape)] * n_states]
    return out


# Per unit and time step, beyond the gate products and biases: the element-wise operations of the cell update and
# the activations applied (what each cell computes, Keras's and PyTorch's alike).
CELL_OPS = {
    "rnn": (0, 1),      # h = act(x W + h U + b): the activation
    "lstm": (4, 5),     # c = f*c + i*g (3), h = o*tanh(c) (1); sigmoid on i, f, o, tanh on g and c
    "gru": (5, 3),      # r*(h U_h + b) (1), h = z*h + (1 - z)*h~ (4); sigmoid on z, r, tanh on h~
}


def step_costs(b, timesteps, n_in, u, gates: int, cell: str, biases: int, *, state_in=None, ordinal: str = "",
               first: bool = True) -> None:
    """One recurrent layer's costs: each of `timesteps` steps multiplies the input (n_in wide) and the state
    (`state_in` wide, units by default) by every gate's weights, adds the two products and `biases` bias vectors
    of gates x u, and updates the cell (CELL_OPS). `first`: the input is the layer's own (not a lower level's)."""
    g = gates * u
    state_in = u if state_in is None else state_in
    words = f"{ordinal}: timesteps x " if ordinal else "timesteps x "
    b.cost("matmul", times(timesteps, n_in, g), words=words + "input width x gates·units", of_input=first)
    b.cost("matmul", times(timesteps, state_in, g), words=words + "state width x gates·units (the recurrent product)",
           of_input=False)
    elementwise, activations = CELL_OPS[cell]
    b.cost("bias", times(timesteps, biases * g), words=words + f"{biases} bias vector(s) of gates·units")
    b.cost("elementwise", times(timesteps, g + elementwise * u),
           words=words + "adding the input and recurrent products, and the cell's update")
    b.cost("activation", times(timesteps, ACTIVATION_OPS * activations, u), words=words + "the gates' activations")


class Recurrent(LayerKind):
    """SimpleRNN, LSTM, GRU: `gates` stacked blocks of units in each kernel; `n_states` states."""
    gates = 1
    n_states = 1
    legend = {"n_in": ("input features", "input"), "u": ("units", "units")}
    inert_args = ("go_backwards", "stateful")
    cell = "rnn"
    # Unit-sized vectors the backward pass keeps (Keras's own step loop on the torch backend, measured in
    # tests/test_memory.py): per step, and once. LSTM: h_{t-1}, c_{t-1}, the four gates and tanh(c_t); GRU (reset
    # after): eight; SimpleRNN: h_0 .. h_T and one more.
    per_step, once = 1, 2

    @classmethod
    def saved_inside(cls, a, inputs, output):
        return (cls.per_step * inputs[0][0] + cls.once) * a.units

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 2:
            raise SymparamError(f"{self.name} expects an input with 2 axes (timesteps, features) besides the batch. "
                                f"Received input shape {format_shape(x)}.")
        timesteps, n_in = x
        if n_in is None:
            raise SymparamError(f"{self.name} needs the features axis to have a known length. Received input shape "
                                f"{format_shape(x)}.")
        u = a.units
        g = _U(self.gates)
        wide = "u" if self.gates == 1 else f"{self.gates}u"
        gates = "" if self.gates == 1 else f", {self.gates} gates"
        b.weight("kernel", (n_in, g * u), role="input weights" + gates, labels=("n_in", wide), category="weight")
        b.weight("recurrent_kernel", (u, g * u), role="recurrent weights" + gates, labels=("u", wide), category="weight")
        if a.use_bias:
            self.bias(a, b, g * u, wide)
        step_costs(b, timesteps, n_in, u, self.gates, self.cell, self.biases(a))
        return sequence_outputs(a, timesteps, (u,), self.n_states)

    def biases(self, a) -> int:
        return 1 if a.use_bias else 0

    def bias(self, a, b, width, wide):
        b.weight("bias", (width,), role="biases", labels=(wide,), category="bias")

    torch_twin = ""
    twin_note = ""

    @classmethod
    def twin_args(cls, a) -> dict:
        return {}

    @classmethod
    def twin(cls, a, inputs, convention, bidirectional: bool = False):
        (x,) = inputs
        args = {"input_size": x[-1], "hidden_size": a.units, "bias": a.use_bias, "bidirectional": bidirectional,
                **cls.twin_args(a)}
        return Twin(cls.torch_twin, args, [x], note=cls.twin_note)


_SIMPLE = {"units": Size(), "activation": ActivationName("tanh"), "use_bias": Flag(True), **_initialisers(),
           **SEQUENCE_ARGS, "unroll": Opaque(False)}
_GATED = {**_SIMPLE, "recurrent_activation": ActivationName("sigmoid"), "use_cudnn": Cudnn("auto")}
_SEQUENCE_EXAMPLE = ({"units": "u"}, ["T", "n_in"], {"u": 64, "T": 100, "n_in": 32})


@register
class SimpleRNN(Recurrent):
    name = "SimpleRNN"
    saves = ("input", "internal")
    summary = "a fully connected recurrent layer: input weights, units x units recurrent weights, units biases"
    example = _SEQUENCE_EXAMPLE
    args = _SIMPLE
    torch_twin = "nn.RNN"
    twin_note = "PyTorch's nn.RNN keeps two bias vectors (bias_ih and bias_hh), Keras's SimpleRNN one"

    @classmethod
    def twin_args(cls, a) -> dict:
        if a.activation not in ("tanh", "relu"):
            raise NoTwin(f"PyTorch's nn.RNN has only tanh and relu, not {a.activation}")
        return {"nonlinearity": a.activation}


@register
class LSTM(Recurrent):
    name = "LSTM"
    saves = ("input", "internal")
    summary = "long short-term memory: four gates, each with input and recurrent weights and biases"
    lesson = ("an LSTM has four gates of $u$ units each; every gate reads the $n_in$ input features and the $u$ "
              "values of the previous state, and has one bias per unit")
    example = _SEQUENCE_EXAMPLE
    args = {**_GATED, "unit_forget_bias": Opaque(True)}
    gates = 4
    n_states = 2     # the hidden state and the cell state
    cell = "lstm"
    per_step, once = 7, 0
    torch_twin = "nn.LSTM"
    twin_note = "PyTorch's nn.LSTM keeps two bias vectors per gate (bias_ih and bias_hh), Keras's LSTM one"


@register
class GRU(Recurrent):
    name = "GRU"
    saves = ("input", "internal")
    summary = "gated recurrent unit: three gates; with reset_after, separate input and recurrent biases"
    example = _SEQUENCE_EXAMPLE
    args = {**_GATED, "reset_after": Flag(True)}
    gates = 3
    cell = "gru"
    per_step, once = 8, 0
    torch_twin = "nn.GRU"

    def biases(self, a) -> int:
        return (2 if a.reset_after else 1) if a.use_bias else 0

    @classmethod
    def twin_args(cls, a) -> dict:
        if not a.reset_after:
            raise NoTwin("PyTorch's nn.GRU applies the reset gate after the recurrent product, as Keras's GRU with "
                         "reset_after = true; reset_after = false has no PyTorch twin")
        return {}

    def bias(self, a, b, width, wide):
        if a.reset_after:   # one row of biases for the input kernel, one for the recurrent kernel
            b.weight("bias", (_U(2), width), role="input and recurrent biases", labels=("2", wide), category="bias")
        else:
            b.weight("bias", (width,), role="biases", labels=(wide,), category="bias")


_KERNEL_LETTERS = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}


class ConvLSTM(LayerKind):
    no_twin = "PyTorch has no convolutional LSTM module"
    """An LSTM whose input and recurrent products are convolutions of `rank` spatial axes."""
    rank = 0

    window_arg = ("kernel size", "kernel_size")

    @classmethod
    def conv_args(cls, rank: int) -> dict:
        return {
            "filters": Size(), "kernel_size": Sizes(rank), "strides": Sizes(rank, 1),
            "padding": Choice("valid", "same", default="valid"),
            "data_format": Choice("channels_last", "channels_first", default="channels_last"),
            "dilation_rate": Sizes(rank, 1), "activation": ActivationName("tanh"),
            "recurrent_activation": ActivationName("sigmoid"), "use_bias": Flag(True), **_initialisers(),
            "unit_forget_bias": Opaque(True), **SEQUENCE_ARGS,
        }

    def build(self, a, inputs, b):
        (x,) = inputs
        rank = self.rank
        if len(x) != rank + 2:
            layout = "(timesteps, channels, spatial...)" if a.data_format == "channels_first" \
                else "(timesteps, spatial..., channels)"
            raise SymparamError(f"{self.name} expects an input with {rank + 2} axes {layout} besides the batch. "
                                f"Received input shape {format_shape(x)}.")
        timesteps, step = x[0], x[1:]
        channels, spatial = (step[0], step[1:]) if a.data_format == "channels_first" else (step[-1], step[:-1])
        if channels is None or None in spatial:
            raise SymparamError(f"{self.name} needs the spatial and channel axes to have known lengths (only the "
                                f"timesteps may be unknown). Received input shape {format_shape(x)}.")
        strides, dilation = a.strides, a.dilation_rate
        if all(s.is_number for s in strides + dilation) and max(strides) > 1 and max(dilation) > 1:
            raise SymparamError("strides > 1 cannot be combined with dilation_rate > 1 (Keras refuses it). "
                                f"Received: strides = {_tuple(strides)}, dilation_rate = {_tuple(dilation)}.")
        out = []
        for axis, (n, k, s, d) in enumerate(zip(spatial, a.kernel_size, strides, dilation)):
            length, condition = conv_length(n, k, s, d, a.padding)
            if condition is not None:
                b.require(condition, "kernel_size",
                          f"kernel_size: a 'valid' window of {k} (dilation {d}) needs spatial axis {axis + 1} to be "
                          f"at least {d * (k - 1) + 1}", f"input length {n}")
            out.append(length)
        f = a.filters
        letters = _KERNEL_LETTERS[rank]
        b.weight("kernel", (*a.kernel_size, channels, 4 * f), role="input kernels, 4 gates",
                 labels=(*letters, "C_in", "4F"), category="weight")
        b.weight("recurrent_kernel", (*a.kernel_size, f, 4 * f), role="recurrent kernels, 4 gates",
                 labels=(*letters, "F", "4F"), category="weight")
        if a.use_bias:
            b.weight("bias", (4 * f,), role="biases", labels=("4F",), category="bias")
        state = join_channels(f, out, a.data_format)
        b.cost("matmul", times(timesteps, size(out), *a.kernel_size, channels, 4 * f),
               words="timesteps x output positions x kernel taps x C_in x 4F (the input convolution)")
        b.cost("matmul", times(timesteps, size(out), *a.kernel_size, f, 4 * f),
               words="timesteps x output positions x kernel taps x F x 4F (the state's 'same' convolution)",
               of_input=False)
        cells = times(timesteps, size(state))
        b.cost("bias", times(4, cells) if a.use_bias else 0, words="timesteps x positions x 4F biases")
        b.cost("elementwise", times(CELL_OPS["lstm"][0] + 4, cells),
               words="timesteps x positions x F: adding the two products (4 gates) and the cell's update (4)")
        b.cost("activation", times(ACTIVATION_OPS * CELL_OPS["lstm"][1], cells), words="the gates' activations")
        return sequence_outputs(a, timesteps, state, 2)


def _tuple(values) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


@register
class ConvLSTM1D(ConvLSTM):
    name = "ConvLSTM1D"
    saves = ("unmodelled",)
    rank = 1
    example = ({"filters": "F", "kernel_size": "k"}, ["T", "L", "C_in"], {"F": 16, "k": 3, "T": 10, "L": 32, "C_in": 3})
    summary = ("a 1D convolutional LSTM: four gates, each a k convolution of the input and of the state, one bias per "
               "filter")
    args = ConvLSTM.conv_args(1)


@register
class ConvLSTM2D(ConvLSTM):
    name = "ConvLSTM2D"
    saves = ("unmodelled",)
    rank = 2
    example = ({"filters": "F", "kernel_size": ["k_h", "k_w"]}, ["T", "H", "W", "C_in"],
               {"F": 16, "k_h": 3, "k_w": 3, "T": 10, "H": 32, "W": 32, "C_in": 3})
    summary = ("a 2D convolutional LSTM: four gates, each a k_h x k_w convolution of the input and of the state, one "
               "bias per filter")
    args = ConvLSTM.conv_args(2)


@register
class ConvLSTM3D(ConvLSTM):
    name = "ConvLSTM3D"
    saves = ("unmodelled",)
    rank = 3
    example = ({"filters": "F", "kernel_size": ["k_d", "k_h", "k_w"]}, ["T", "D", "H", "W", "C_in"],
               {"F": 16, "k_d": 3, "k_h": 3, "k_w": 3, "T": 10, "D": 32, "H": 32, "W": 32, "C_in": 3})
    summary = ("a 3D convolutional LSTM: four gates, each a k_d x k_h x k_w convolution of the input and of the state, "
               "one bias per filter")
    args = ConvLSTM.conv_args(3)
