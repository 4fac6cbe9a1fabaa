"""PyTorch recurrent cells: nn.RNNCell, nn.LSTMCell, nn.GRUCell, one step of nn.RNN / nn.LSTM / nn.GRU.

A cell is called on one step's input (H_in,) besides the batch, and optionally its state: h (H,), and for
nn.LSTMCell (h, c). torch creates, in this order,

    weight_ih (G*H, H_in)    weight_hh (G*H, H)    bias_ih (G*H,)    bias_hh (G*H,)   (biases when bias)

with G gates (1, 4, 3), and returns h' (H,) (nn.LSTMCell: (h', c'), the layer's output shape is h''s).
"""

from __future__ import annotations

from ..errors import SymparamError
from . import register
from .base import Choice, Flag, LayerKind, Opaque, Size
from .core import format_shape
from .recurrent import step_costs
from .torch_recurrent import features


class TorchCell(LayerKind):
    convention = "torch"
    saves = ("unmodelled",)   # what torch keeps for backward is not counted yet
    n_inputs = (1, 3)   # the input, then the state tensors it was given (h; LSTM: h and c)
    gates, cell, states = 1, "rnn", 1

    def build(self, a, inputs, b):
        x, *state = inputs
        if len(x) != 1 or x[0] is None:
            raise SymparamError(f"{self.name} expects one step's input (features,) besides the batch, of known "
                                f"length. Received input shape {format_shape(x)}.")
        if len(state) > self.states:
            raise SymparamError(f"{self.name} takes the input and at most {self.states} state tensor(s). Received "
                                f"{len(inputs)} inputs.")
        for s in state:
            if tuple(s) != (a.hidden_size,):
                raise SymparamError(f"{self.name}'s state must have shape (hidden_size,) = ({a.hidden_size},) "
                                    f"besides the batch. Received state shape {format_shape(s)}.")
        n_in = features(a.input_size, x[0], "input_size", b)
        rows, label = self.gates * a.hidden_size, ("H" if self.gates == 1 else f"{self.gates}H")
        b.weight("weight_ih", (rows, n_in), role="input-hidden weights", labels=(label, "H_in"), category="weight")
        b.weight("weight_hh", (rows, a.hidden_size), role="hidden-hidden weights", labels=(label, "H"),
                 category="weight")
        if a.bias:
            b.weight("bias_ih", (rows,), role="input-hidden biases", labels=(label,), category="bias")
            b.weight("bias_hh", (rows,), role="hidden-hidden biases", labels=(label,), category="bias")
        step_costs(b, 1, n_in, a.hidden_size, self.gates, self.cell, 2 if a.bias else 0)
        return (a.hidden_size,)


def _cell_args(nonlinearity: bool = False) -> dict:
    """torch's cell signature, in its order."""
    return {"input_size": Size(None), "hidden_size": Size(), "bias": Flag(True),
            **({"nonlinearity": Choice("tanh", "relu", default="tanh", any_case=False)} if nonlinearity else {}),
            "device": Opaque(), "dtype": Opaque()}


@register
class RNNCell(TorchCell):
    name = "nn.RNNCell"
    summary = "one step of an Elman RNN: H x H_in and H x H weights, 2H biases"
    example = ({"hidden_size": "H"}, ["H_in"], {"H": 64, "H_in": 32})
    args = _cell_args(nonlinearity=True)


@register
class LSTMCell(TorchCell):
    name = "nn.LSTMCell"
    gates, cell, states = 4, "lstm", 2
    summary = "one step of an LSTM: 4H x H_in and 4H x H weights, 8H biases"
    example = ({"hidden_size": "H"}, ["H_in"], {"H": 128, "H_in": 32})
    args = _cell_args()


@register
class GRUCell(TorchCell):
    name = "nn.GRUCell"
    gates, cell = 3, "gru"
    saves = ("input", "internal")

    @classmethod
    def saved_inside(cls, a, inputs, output):
        """Seven H-sized vectors, as torch_recurrent's nn.GRU keeps per step."""
        return 7 * a.hidden_size
    summary = "one step of a GRU: 3H x H_in and 3H x H weights, 6H biases"
    example = ({"hidden_size": "H"}, ["H_in"], {"H": 128, "H_in": 32})
    args = _cell_args()
