"""Keras's generic RNN layer run over a cell: RNN(cell=LSTMCell(64)) holds the same weights as LSTM(64), and a list
of cells (Keras's StackedRNNCells) the weights of each, the first reading the input's features and each next one
the previous one's units.

A spec writes the cell inline with its type, cell = { type = "LSTMCell", units = 64 }, or a list of such tables.
The cell takes its layer's arguments except those of the RNN layer itself (return_sequences, return_state,
go_backwards, stateful, unroll, use_cudnn). With return_state the outputs are the output, then every state (an LSTM
cell has two); a list of cells returns its states nested per cell, which a spec cannot name, so it is refused.
"""

from __future__ import annotations

from types import SimpleNamespace

from ..errors import SymparamError, show
from . import lookup, register
from .base import Arg, Flag, LayerKind, NoTwin, Opaque
from .core import format_shape
from .parsing import parse_args

CELLS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}   # a cell -> the layer built on it
LAYER_ONLY = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "use_cudnn")


class CellArg(Arg):
    """RNN's cell: an inline table with its type (one of CELLS), or a list of them (a stack)."""
    expected = 'a cell as an inline table with its type (SimpleRNNCell, LSTMCell or GRUCell), or a list of them'

    def parse(self, value, key, ctx):
        tables = value if isinstance(value, list) else [value]
        if not tables or len(tables) > 64 or not all(isinstance(t, dict) for t in tables):
            raise self.refuse(value, key)
        cells = []
        for position, table in enumerate(tables):
            where = f"{key}[{position}]" if isinstance(value, list) else key
            type_name = table.get("type")
            if type_name not in CELLS:
                raise SymparamError(f"{where}.type must be one of {', '.join(CELLS)}. Received: {where}.type = "
                                    f"{show(type_name)}.")
            for item in table:
                if item in LAYER_ONLY:
                    raise SymparamError(f"{type_name} has no argument {item!r} (the RNN layer takes it). Received: "
                                        f"{where}.{item} = {show(table[item])}.")
            kind = lookup(CELLS[type_name])
            try:
                args = parse_args(kind, table, ctx, skip=("type", "name"))
            except SymparamError as exc:
                raise SymparamError(f"{where}: {exc.message}") from None
            cells.append((kind, args))
        # each cell is (layer kind, its arguments); a list (Keras wraps a list, even of one, in StackedRNNCells)
        # stays a list, one cell is a tuple of one: plain sequences, which code that rebuilds values can rebuild
        return cells if isinstance(value, list) else tuple(cells)


@register
class RNN(LayerKind):
    name = "RNN"
    saves = ("unmodelled",)   # (the cells' saved tensors are not counted yet)
    summary = "a recurrent layer over a cell (or a stack of cells): each cell's weights, as its own layer's"
    example = ({"cell": {"type": "LSTMCell", "units": "u"}}, ["T", "n_in"], {"u": 64, "T": 100, "n_in": 32})
    args = {"cell": CellArg(), "return_sequences": Flag(False), "return_state": Flag(False),
            "go_backwards": Flag(False), "stateful": Flag(False), "unroll": Opaque(False),
            "zero_output_for_mask": Opaque(False)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 2:
            raise SymparamError(f"RNN expects an input with 2 axes (timesteps, features) besides the batch. Received "
                                f"input shape {format_shape(x)}.")
        if a.return_state and isinstance(a.cell, list):
            raise SymparamError(f"with return_state a list of cells (a stack, even of one) returns its states nested "
                                f"per cell, which a spec cannot name. Received: a list of {len(a.cell)} cell(s).")
        timesteps, features = x
        states = []
        for kind, args in a.cell:
            step = SimpleNamespace(**{**vars(args), "return_sequences": False, "return_state": False})
            (features,) = b.inner(kind, step, [(timesteps, features)])
            states += [(features,)] * kind.n_states
        out = (timesteps, features) if a.return_sequences else (features,)
        return [out, *states] if a.return_state else out

    @classmethod
    def twin(cls, a, inputs, convention):
        """The twin of the cell's own layer (RNN(LSTMCell(u)) is an LSTM(u): nn.LSTM); a stack of cells of one kind
        and width is that module with num_layers, each layer reading the one below, as the stack's cells do."""
        (x,) = inputs
        twins, features = [], x[-1]
        for kind, args in a.cell:
            twins.append(kind.twin(args, [(x[0], features)], convention))
            features = args.units
        first = twins[0]
        if any(t.type != first.type or {**t.args, "input_size": None} != {**first.args, "input_size": None}
               for t in twins[1:]):
            raise NoTwin(f"a stack of cells of different kinds or widths has no one {convention} module "
                         f"({first.type} stacks layers of one hidden_size)")
        if len(twins) > 1:
            first.args["num_layers"] = len(twins)
        return first
