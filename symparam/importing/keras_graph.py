"""Walk a Keras model config's graph and write one spec layer per layer call, in an order the spec can build.

Functional models are walked as Keras's own `functional_from_config` does: pass over the layers in config order and
make each layer's pending calls while their inputs exist, until none is left; a config whose calls can never all be
made (a loop, a node that names a missing layer) is an error. A model used as a layer is written in place, its
layers named under the call's name; a layer called again shares its first call's weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ..errors import SymparamError, layer_where, show
from .keras_args import layer_table, lift_symbols
from .keras_config import MODELS
MAX_DEPTH = 16   # models within models
# Keyword arguments of a call that are the layer's inputs, in the order a spec lists them (MultiHeadAttention's
# query, value, key); other tensors a call receives (masks) are not inputs of a spec layer, and other keyword
# arguments (training) change no count.
_INPUT_KWARGS = ("inputs", "x", "query", "value", "key")


@dataclass(frozen=True)
class Later:
    """A layer's output after its first (tensor_index > 0): a spec names a layer's first output only."""
    layer: str
    index: int


class Writer:
    """Collects the spec's network inputs and layer tables while a model config is walked."""

    def __init__(self) -> None:
        self.inputs: dict[str, list] = {}
        self.tables: list[dict] = []
        self.taken: set[str] = set()
        self.first: dict[tuple[int, str], str] = {}   # (id of the owning model's config, layer name) -> first call

    # -- models ---------------------------------------------------------------------------------------------------

    def top(self, document: dict) -> list[str]:
        outputs = self.model(document, "", None, True, 0)
        refs = []
        for ref in outputs:
            refs.append(self.plain(ref, "the model's outputs"))
        return refs

    def model(self, entry: dict, prefix: str, inputs: list | None, trainable: bool, depth: int) -> list:
        """The output refs of a Sequential or Functional model (`inputs` None: the network's own inputs)."""
        if depth > MAX_DEPTH:
            raise SymparamError(f"models are nested more than {MAX_DEPTH} deep.")
        config = entry.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise SymparamError(f"a {entry.get('class_name')} config holds its layers as a list. Received: "
                                f"{show(config)}.")
        trainable = trainable and config.get("trainable", True) is not False
        if entry["class_name"] == "Sequential":
            return self.sequential(config, prefix, inputs, trainable, depth)
        return self.functional(config, prefix, inputs, trainable, depth)

    def sequential(self, config: dict, prefix: str, inputs: list | None, trainable: bool, depth: int) -> list:
        layers = [self.entry(layer) for layer in config["layers"]]
        if inputs is None:
            inputs = [self.sequential_input(config, layers)]
        if len(inputs) != 1:
            raise SymparamError(f"a Sequential model takes one input. Received: {len(inputs)}.")
        ref = inputs[0]
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                continue
            ref = self.call(layer, [ref], [], prefix, trainable, id(config), 1, depth)[0]
        return [ref]

    def sequential_input(self, config: dict, layers: list[dict]) -> str:
        """A top-level Sequential's input: its InputLayer, else the shape Keras recorded when it was built."""
        if layers and layers[0]["class_name"] == "InputLayer":
            return self.network_input(layers[0])
        first = layers[0].get("config", {}) if layers else {}
        for shape in (first.get("batch_input_shape"), first.get("batch_shape"), config.get("build_input_shape"),
                      (layers[0].get("build_config") or {}).get("input_shape") if layers else None):
            if isinstance(shape, list) and shape:
                self.inputs["input"] = spec_shape(shape[1:], "the input shape")
                return "input"
        raise SymparamError("the Sequential model has no input shape (it was never built and starts with no "
                            "InputLayer); build it, or add keras.Input(shape=...) first.")

    def functional(self, config: dict, prefix: str, inputs: list | None, trainable: bool, depth: int) -> list:
        layers = [self.entry(layer) for layer in config["layers"]]
        by_name = {}
        for layer in layers:
            if layer["name"] in by_name:
                raise SymparamError(f"two layers of the model are named {layer['name']!r}.")
            by_name[layer["name"]] = layer
        made: dict[str, list[list]] = {}         # layer name -> the outputs of each call made so far
        input_names = [name for name, _, _ in leaves(config.get("input_layers", []), "input_layers")]
        if inputs is not None and len(inputs) != len(input_names):
            raise SymparamError(f"the nested model {config.get('name')!r} takes {len(input_names)} input(s). "
                                f"Received: {len(inputs)}.")
        for position, name in enumerate(input_names):
            layer = by_name.get(name)
            if layer is None or layer["class_name"] != "InputLayer":
                raise SymparamError(f"input_layers names {name!r}, which is not an InputLayer of the model.")
            made[name] = [[self.network_input(layer) if inputs is None else inputs[position]]]
        pending = {layer["name"]: list(nodes(layer)) for layer in layers if layer["class_name"] != "InputLayer"}
        while any(pending.values()):
            progress = False
            for layer in layers:
                queue = pending.get(layer["name"])
                while queue:
                    ready = self.ready(queue[0], made, by_name)
                    if ready is None:
                        break
                    tensors, constants = ready
                    calls = made.setdefault(layer["name"], [])
                    calls.append(self.call(layer, tensors, constants, prefix, trainable, id(config), len(calls) + 1,
                                           depth))
                    queue.pop(0)
                    progress = True
            if not progress:
                stuck = [name for name, queue in pending.items() if queue]
                raise SymparamError(f"the graph cannot be built: the calls of {', '.join(map(repr, stuck[:5]))} "
                                    f"wait for inputs that never come (a loop, or a node naming a missing layer).")
        outputs = []
        for name, node, tensor in leaves(config.get("output_layers", []), "output_layers"):
            outputs.append(self.output(made, by_name, name, node, tensor, own_node=True))
            if outputs[-1] is None:
                raise SymparamError(f"output_layers names {name!r} node {node}, which the graph never makes.")
        return outputs

    # -- nodes ----------------------------------------------------------------------------------------------------

    def ready(self, node: Any, made: dict, by_name: dict):
        """The call's input refs and its constant operands, or None while an input is not made yet."""
        tensors, constants = node_inputs(node)
        refs = []
        for name, index, tensor in tensors:
            if name not in by_name:
                raise SymparamError(f"a node names the layer {name!r}, which the model does not have.")
            ref = self.output(made, by_name, name, index, tensor, own_node=isinstance(node, list))
            if ref is None:
                return None
            refs.append(ref)
        return refs, constants

    @staticmethod
    def output(made: dict, by_name: dict, name: str, node: int, tensor: int, own_node: bool):
        """The ref of output `tensor` of call `node` of layer `name`, None while that call is not made.

        A Functional model has a node of its own before its calls. Keras counts it where it names the model's
        input_layers and output_layers, and in Keras 2's node lists (`own_node`); Keras 3's keras_history in a
        call's arguments counts only the calls in the model being saved."""
        layer = by_name.get(name)
        if layer is None:
            raise SymparamError(f"the config names the layer {name!r}, which the model does not have.")
        if own_node and layer["class_name"] in ("Functional", "Model"):
            node -= 1
        calls = made.get(name, [])
        if node < 0 or node >= len(calls):
            return None
        outs = calls[node]
        if tensor < len(outs):
            return outs[tensor]
        return Later(name, tensor)

    def call(self, layer: dict, refs: list, constants: list, prefix: str, trainable: bool, owner: int, number: int,
             depth: int) -> list:
        """Write one call of `layer` on `refs`; return its output refs."""
        name = f"{prefix}{layer['name']}" + (f"@{number}" if number > 1 else "")
        if name in self.taken:
            raise SymparamError(f"two calls would both be named {name!r}.")
        self.taken.add(name)
        where = layer_where(len(self.tables) + 1, name, layer["class_name"])
        try:
            refs = [self.plain(ref, "its inputs") for ref in refs]
            if layer["class_name"] in MODELS:
                return self.model(layer, f"{name}/", refs, trainable, depth + 1)
            key = (owner, layer["name"])
            share = self.first.get(key)
            if share is None:
                self.first[key] = name
            table = layer_table(layer, name, refs, constants, share, trainable)
        except SymparamError as exc:
            raise exc.within(where)
        self.tables.append(table)
        return [name]

    @staticmethod
    def plain(ref, what: str) -> str:
        if isinstance(ref, Later):
            raise SymparamError(f"{what} take output {ref.index} of {ref.layer!r}; a spec can name only a layer's "
                                f"first output (a layer with several outputs: return_state, a nested model with "
                                f"several outputs used whole).")
        return ref

    def network_input(self, layer: dict) -> str:
        config = layer.get("config", {})
        shape = config.get("batch_shape", config.get("batch_input_shape"))
        if shape is None and isinstance(config.get("shape"), list):
            shape = [None, *config["shape"]]
        if not isinstance(shape, list) or not shape:
            raise SymparamError(f"the InputLayer {layer['name']!r} has no shape. Received: {show(config)}.")
        self.inputs[layer["name"]] = spec_shape(shape[1:], f"the shape of input {layer['name']!r}")
        return layer["name"]

    @staticmethod
    def entry(layer: Any) -> dict:
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise SymparamError(f"each layer of a model config is an object with a class_name. Received: "
                                f"{show(layer)}.")
        name = layer.get("name", (layer.get("config") or {}).get("name"))
        if not isinstance(name, str) or not name:
            raise SymparamError(f"a {layer['class_name']} layer has no name. Received: {show(layer)}.")
        return {**layer, "name": name}

    # -- the document ---------------------------------------------------------------------------------------------

    def document(self, document: dict, outputs: list[str], lifted: dict[str, int]) -> dict:
        config = document["config"]
        name = config.get("name") if isinstance(config.get("name"), str) else "model"
        consumed = {ref for table in self.tables for ref in table.get("inputs", ())}
        previous = next(iter(self.inputs)) if len(self.inputs) == 1 else None
        for table in self.tables:   # `inputs` is written only where it is not the previous layer's output
            if table["inputs"] == [previous]:
                consumed.add(previous)
                del table["inputs"]
            previous = table["name"]
        sinks = [t["name"] for t in self.tables if t["name"] not in consumed and t["name"] not in outputs]
        network = {"name": name, "input": self.inputs, "outputs": [*dict.fromkeys(outputs), *sinks]}
        symbols = lift_symbols(self.inputs, self.tables, lifted)
        version = document.get("keras_version")
        comment = (f"Imported by symparam from the Keras{' ' + str(version) if version else ''} config of "
                   f"{document['class_name']} model {name!r}: {len(self.tables)} layer calls.")
        out = {"__comment__": comment, "network": network}
        if symbols:
            out["symbols"] = symbols
        out["layers"] = self.tables
        return out


def nodes(layer: dict) -> list:
    found = layer.get("inbound_nodes", [])
    if not isinstance(found, list):
        raise SymparamError(f"inbound_nodes must be a list. Received: {show(found)}.")
    return found


def leaves(value: Any, what: str) -> list[tuple[str, int, int]]:
    """The [name, node_index, tensor_index] entries of input_layers or output_layers, in order, whatever nests them."""
    if _is_history(value):
        return [tuple(value)]
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise SymparamError(f"{what} must list [layer name, node index, tensor index] entries. Received: "
                            f"{show(value)}.")
    return [leaf for item in value for leaf in leaves(item, what)]


def _is_history(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(type(v) is int and v >= 0 for v in value[1:]))


def node_inputs(node: Any) -> tuple[list, list]:
    """(tensors as (layer, node index, tensor index), constant positional operands) of one call, in Keras 3's node
    format or Keras 2's."""
    if isinstance(node, dict):
        tensors: list = []
        constants = []
        for arg in node.get("args", []):
            found = _tensors(arg)
            if found:
                tensors += found
            else:
                constants.append(Constant(_constant(arg), first=not tensors))
        kwargs = node.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise SymparamError(f"a node's kwargs must be an object. Received: {show(kwargs)}.")
        for key in _INPUT_KWARGS:
            if key in kwargs:
                tensors += _tensors(kwargs[key])
        return tensors, constants
    if isinstance(node, list):   # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
        tensors = []
        extra: list = []
        for item in node:
            if not (isinstance(item, list) and len(item) in (3, 4) and _is_history(item[:3])):
                raise SymparamError(f"a Keras 2 node lists [layer name, node index, tensor index, kwargs] "
                                    f"entries. Received: {show(item)}.")
            tensors.append(tuple(item[:3]))
            kwargs = item[3] if len(item) == 4 and isinstance(item[3], dict) else {}
            for key in _INPUT_KWARGS:
                if _is_history(kwargs.get(key)):
                    extra.append(tuple(kwargs[key]))
        return tensors + extra, []
    raise SymparamError(f"a node is an object with args and kwargs (Keras 3) or a list (Keras 2). Received: "
                        f"{show(node)}.")


def _tensors(value: Any) -> list:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            if not _is_history(history):
                raise SymparamError(f"a tensor's keras_history is [layer name, node index, tensor index]. "
                                    f"Received: {show(history)}.")
            return [tuple(history)]
        if value.get("class_name") == "__tuple__":
            return _tensors((value.get("config") or {}).get("value", []))
        return []
    if isinstance(value, list):
        return [t for item in value for t in _tensors(item)]
    return []


class Constant(NamedTuple):
    """A constant positional operand of a call, and whether it comes before every tensor (255 - x)."""
    value: Any
    first: bool


def _constant(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        return list((value.get("config") or {}).get("value", []))
    return value


def spec_shape(dims: list, what: str) -> list:
    out = []
    for d in dims:
        if d is None:
            out.append("none")
        elif type(d) is int and d >= 1:
            out.append(d)
        else:
            raise SymparamError(f"{what} must hold positive lengths or null. Received: {show(dims)}.")
    return out
