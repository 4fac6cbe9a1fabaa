"""One Keras layer config -> one spec layer table; and --symbol NAME=VALUE lifted into the written spec.

A config key becomes the kind's argument of the same name. Dropped: keys whose argument the count and shapes do
not depend on (symparam's Opaque arguments: initializers, regularizers, constraints, dtype, ...), values equal to
the kind's default (an activation "linear" where the default is none), keys that only say how the layer was saved
(name, build_config, quantization_config), and keys the kind does not take whose value is null. Any other key the
kind does not take is an error: it might change the count. `trainable` is written (false) where the layer or a model
around it is frozen. Keras's null is written "none"; a wrapped layer ({"class_name": "LSTM", "config": {...}})
becomes an inline table with its type.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import SymparamError, show
from ..layers import lookup, refused
from ..layers.base import REQUIRED, ActivationName, Context, Int, Opaque, Size
from ..layers.parsing import LayerArg
from ..layers.rnn_cells import CELLS, CellArg
from ..symbols import SymbolTable

_SAVED = {"name", "trainable", "build_config", "compile_config", "quantization_config", "registered_name", "module",
          "zero_output_for_mask"}   # (what a recurrent layer outputs at masked steps; Bidirectional sets it)
OPS_MODULES = ("keras.src.ops.", "keras.ops.")


def kind_of(layer: dict):
    """The symparam kind a Keras class stands for: a layer class by its name, a keras.ops operation as ops.<name>."""
    class_name, module = layer["class_name"], layer.get("module") or ""
    if module.startswith(OPS_MODULES):
        type_name = "ops." + snake(class_name)
    else:
        type_name = class_name
    try:
        kind = lookup(type_name)
    except SymparamError:
        kind = None
    if kind is None and (not module or module.startswith("keras.")) and refused(class_name):   # Lambda, Hashing
        raise refused(class_name)
    if kind is None or kind.convention != "keras":
        source = f" from {module}" if module else ""
        if module.startswith(OPS_MODULES):
            what, why = "keras.ops operation", "the ops.* kinds are element-wise arithmetic"
        else:
            what, why = "Keras layer class", "a custom layer's weights are made by its own code, which is never run"
        raise SymparamError(f"symparam knows no {what} {class_name}{source}, so it cannot count it from its config "
                            f"({why}). Received: class_name = {show(class_name)}.")
    return kind


def snake(name: str) -> str:
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def layer_table(layer: dict, name: str, refs: list[str], constants: list, share: str | None,
                trainable: bool) -> dict:
    """The spec table of one call of `layer` on the layers or inputs `refs`."""
    kind = kind_of(layer)
    config = layer.get("config") or {}
    if not isinstance(config, dict):
        raise SymparamError(f"a layer's config must be an object. Received: config = {show(config)}.")
    table: dict[str, Any] = {"type": kind.name, "name": name, "inputs": list(refs)}
    table.update(arguments(kind, config))
    if constants:
        table.update(operand(kind, constants))
    if not trainable or config.get("trainable", True) is False:
        table["trainable"] = False
    if share is not None and not kind.no_params:
        table["share"] = share
    return table


def arguments(kind, config: dict) -> dict[str, Any]:
    accepted = kind.all_args()
    ctx = Context(SymbolTable(), [])
    out = {}
    for key, value in config.items():
        if key in _SAVED:
            continue
        arg = accepted.get(key)
        if arg is None:
            if value is None:
                continue
            raise SymparamError(f"{kind.name} has no argument {key!r} in symparam, so the import cannot say whether "
                                f"it changes the count. Received: {key} = {show(value)}.")
        if isinstance(arg, Opaque) or (key == "backward_layer" and mirrors(value, config.get("layer"))):
            continue
        if isinstance(arg, Int) and isinstance(value, list) and len(value) == 1:
            value = value[0]   # Keras 2 wrote BatchNormalization's axis as a list of one
        if isinstance(arg, LayerArg):
            written = nested_table(value)
        elif isinstance(arg, CellArg):
            written = cell_tables(value)
        else:
            written = spec_value(value, key)
        if not _is_default(arg, written, key, ctx):
            out[key] = written
    return kind.imported(out)


def operand(kind, constants: list) -> dict[str, Any]:
    """A keras.ops call's constant operand (x + 3.0): one number, kept as the kind's `scalar` (and `scalar_first`
    where it comes before the tensor: 255 - x)."""
    values = [c.value for c in constants]
    if "scalar" not in kind.args or len(values) != 1 or isinstance(values[0], bool) or not isinstance(
            values[0], (int, float)):
        raise SymparamError(f"{kind.name} is modelled on tensors and at most one number. Received the constant "
                            f"operands {show(values)}.")
    return {"scalar": spec_value(values[0], "scalar"), **({"scalar_first": True} if constants[0].first else {})}


def _is_default(arg, written, key: str, ctx) -> bool:
    if arg.default is REQUIRED:
        return False
    if arg.default is None:   # Keras's activation=None is its "linear"
        return written == "none" or (isinstance(arg, ActivationName) and written == "linear")
    try:
        return arg.parse(written, key, ctx) == arg.parse(arg.default, key, ctx)
    except (SymparamError, TypeError, ValueError):
        return False


def spec_value(value: Any, key: str) -> Any:
    """A JSON value as a spec writes it: null as "none", Keras's serialized tuples and arrays as lists."""
    if value is None:
        return "none"
    if isinstance(value, float) and not math.isfinite(value):
        raise SymparamError(f"{key} must be a finite number. Received: {key} = {value}.")
    if isinstance(value, list):
        return [spec_value(v, key) for v in value]
    if isinstance(value, dict):
        if value.get("class_name") in ("__tuple__", "__numpy__"):
            return spec_value((value.get("config") or {}).get("value"), key)
        raise SymparamError(f"{key} holds an object symparam cannot write in a spec. Received: {key} = "
                            f"{show(value)}.")
    return value


def nested_table(value: Any) -> dict:
    """A wrapped layer's config ({"class_name": "LSTM", "config": {...}}) as an inline table with its type."""
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        raise SymparamError(f"a wrapped layer is an object with a class_name and a config. Received: {show(value)}.")
    kind = kind_of(value)
    return {"type": kind.name, **arguments(kind, value.get("config") or {})}


def mirrors(backward: Any, forward: Any) -> bool:
    """Bidirectional's backward_layer is its layer's mirror (what Keras 3 writes when none was given): the same class
    and config but its name and go_backwards."""
    def plain(entry):
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
            return None
        config = {k: v for k, v in entry["config"].items() if k not in ("name", "go_backwards")}
        return entry.get("class_name"), config
    return plain(backward) is not None and plain(backward) == plain(forward)


def cell_tables(value: Any) -> dict | list[dict]:
    """RNN's cell ({"class_name": "LSTMCell", ...}) as an inline table; Keras's StackedRNNCells as a list of them."""
    if isinstance(value, dict) and value.get("class_name") == "StackedRNNCells":
        cells = (value.get("config") or {}).get("cells")
        if not isinstance(cells, list):
            raise SymparamError(f"StackedRNNCells lists its cells. Received: {show(value)}.")
        return [cell_tables(cell) for cell in cells]
    if not isinstance(value, dict) or value.get("class_name") not in CELLS:
        raise SymparamError(f"an RNN's cell must be a {', '.join(CELLS)} or StackedRNNCells. Received: cell = "
                            f"{show(value)}.")
    return {"type": value["class_name"], **arguments(lookup(CELLS[value["class_name"]]), value.get("config") or {})}


def lift_symbols(inputs: dict[str, list], tables: list[dict], lifted: dict[str, int]) -> dict[str, dict]:
    """Write each --symbol NAME=VALUE's NAME wherever VALUE is an input length or a single-size argument of a layer
    (units, filters, groups, num_heads: symparam's Size arguments; not kernel sizes, strides, pool sizes, paddings or
    target shapes); return the [symbols] table, each with its value as the default."""
    by_value: dict[int, str] = {}
    for name, value in lifted.items():
        if value in by_value:
            raise SymparamError(f"--symbol {by_value[value]}={value} and --symbol {name}={value} lift the same value; "
                                f"give one name per value.")
        by_value[value] = name
    places = {name: [] for name in lifted}
    for input_name, shape in inputs.items():
        for axis, dim in enumerate(shape):
            if type(dim) is int and dim in by_value:
                shape[axis] = by_value[dim]
                places[by_value[dim]].append(f"input {input_name}")
    for table in tables:
        accepted = lookup(table["type"]).all_args()
        for key, value in table.items():
            if type(value) is int and value in by_value and isinstance(accepted.get(key), Size):
                table[key] = by_value[value]
                places[by_value[value]].append(f"{table['name']}.{key}")
    symbols = {}
    for name, value in lifted.items():
        where = places[name]
        if not where:
            raise SymparamError(f"--symbol {name}={value}: no input length and no layer size of the model equals "
                                f"{value}.")
        shown = ", ".join(dict.fromkeys(w.split(".")[-1] if not w.startswith("input") else w for w in where))
        symbols[name] = {"default": value, "doc": f"lifted from {len(where)} place(s) equal to {value} ({shown})"[:500]}
    return symbols
