"""`symparam import MODULE:FACTORY --input 3,224,224` and `symparam.from_torch(module, inputs)`: a PyTorch module
written as a spec in the torch convention.

This is the one place symparam runs code it did not write, and only at the user's explicit request: MODULE is
imported (the user's own code, named on their command line) and FACTORY, a callable taking no arguments (a
function or an nn.Module class), is called under `torch.device("meta")`, so that no tensor is allocated; a
constructor that needs data (torchvision's RegNet computes its widths with tensors) is called again on the CPU.
The module is then run once on meta tensors of the example input's shape (torch_walk) and its modules become
layers (torch_layers). Nothing symparam reads from a spec is ever evaluated: the spec written here is plain data.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from typing import Any

from ..errors import SymparamError, show

INSTALL = "importing a PyTorch module needs torch: pip install torch (or pip install 'symparam[torch]')"
_DTYPES = {"float": "float32", "float32": "float32", "float16": "float16", "half": "float16",
           "bfloat16": "bfloat16", "float64": "float64", "double": "float64", "long": "int64", "int64": "int64",
           "int": "int64", "int32": "int32", "bool": "bool"}
_SHAPE = re.compile(r"^\s*\d+(\s*,\s*\d+)*\s*$")
BATCH = 2   # the example input's batch (--input shapes are written without it)


def detect(path, head: bytes) -> bool:
    return False   # chosen by MODULE:FACTORY or --convention torch, never by a file's contents


def need_torch():
    if importlib.util.find_spec("torch") is None:
        raise SymparamError(INSTALL + ".")
    import torch
    return torch


def parse_input(text: str) -> tuple[tuple[int, ...], str]:
    """--input "3,224,224" or "128:long": a batch-less shape and a dtype name."""
    shape, _, dtype = text.partition(":")
    dtype = dtype.strip().lower() or "float32"
    if not _SHAPE.match(shape) or dtype not in _DTYPES or len(shape) > 200:
        raise SymparamError(f"--input must be a batch-less shape of positive integers separated by commas, "
                            f"optionally followed by :DTYPE ({', '.join(sorted(set(_DTYPES)))}), e.g. 3,224,224 or "
                            f"128:long. Received: --input {show(text)}.")
    dims = tuple(int(d) for d in shape.split(","))
    if not all(0 < d <= 1 << 20 for d in dims) or len(dims) > 16:
        raise SymparamError(f"--input: every length must be from 1 to {1 << 20}, at most 16 axes. Received: --input "
                            f"{show(text)}.")
    return dims, _DTYPES[dtype]


def factory_of(source: str):
    """MODULE:FACTORY -> the callable (MODULE imported with the current directory on the path, as python -m does)."""
    module_name, sep, attribute = source.partition(":")
    identifier = r"[A-Za-z_][A-Za-z0-9_]*"
    if not sep or not re.fullmatch(rf"{identifier}(\.{identifier})*", module_name) or not re.fullmatch(
            rf"{identifier}(\.{identifier})*", attribute):
        raise SymparamError(f"a PyTorch source must be MODULE:FACTORY, a Python module and a callable in it that "
                            f"takes no arguments, e.g. mymodels:build_net. Received: {show(source)}.")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    from .torch_compat import import_module
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise SymparamError(f"{source}: no Python module named {exc.name!r} (looked in the current directory "
                                f"and the installed packages).") from None
        raise SymparamError(f"{source}: importing {module_name} failed: {_one_line(exc)}") from None
    except Exception as exc:   # the user's module raised while it was imported
        raise SymparamError(f"{source}: importing {module_name} failed: {_one_line(exc)}") from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise SymparamError(f"{source}: {module_name} has no attribute {attribute!r}.")
        target = getattr(target, part)
    if not callable(target):
        raise SymparamError(f"{source}: {attribute} is not callable (a function or a class building the module).")
    return target


def _one_line(exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def build(torch, factory, source: str):
    """The module FACTORY returns, built on the meta device if it can be, else on the CPU."""
    try:
        with torch.device("meta"):
            module = factory()
    except Exception:
        try:
            module = factory()
        except Exception as exc:
            raise SymparamError(f"{source}: the factory raised {_one_line(exc)}") from None
    if not isinstance(module, torch.nn.Module):
        raise SymparamError(f"{source}: the factory returned {type(module).__name__}, not a torch.nn.Module.")
    return module


def convert(source: str, options) -> dict:
    if not getattr(options, "inputs", None):
        raise SymparamError(f"{source}: give the example input's shape without the batch axis: --input 3,224,224 "
                            f"(repeat it for several inputs; 128:long for token indices).")
    torch = need_torch()
    shapes = [parse_input(text) for text in options.inputs]
    factory = factory_of(source)
    module = build(torch, factory, source)
    inputs = [torch.empty((BATCH, *shape), dtype=getattr(torch, dtype), device="meta") for shape, dtype in shapes]
    name = source.partition(":")[2].rsplit(".", 1)[-1]
    return document(torch, module, inputs, name=name, where=source, lifted=options.symbols)


def document(torch, module, inputs: list, *, name: str, where: str, lifted: dict[str, int] | None = None) -> dict:
    """The spec (a TOML-like document) of `module` called on `inputs` (tensors with a batch axis at 0); each
    `lifted` NAME=VALUE written as symbol NAME wherever VALUE is an input length or a size argument (the Keras
    import's rule: keras_args.lift_symbols)."""
    from .keras_args import lift_symbols
    from .torch_layers import choose, wire
    from .torch_walk import record

    meta = [torch.empty(t.shape, dtype=t.dtype, device="meta") for t in inputs]
    recording = record(torch, module, meta, where)
    names = _input_names(module, len(meta))
    layers = choose(module, recording)
    if not layers:
        raise SymparamError(f"{where}: the module has no submodules and no tensors: nothing to count.")
    tables, shapes = wire(layers, recording, names)
    seen = ", ".join(f"({', '.join(map(str, shapes[n]))})" for n in names)
    symbols = lift_symbols(shapes, tables, lifted or {})
    network: dict[str, Any] = {"name": name, "convention": "torch"}
    network["input"] = shapes["input"] if list(shapes) == ["input"] else shapes
    opaque = sum(1 for t in tables if t["type"] == "nn.Module")
    comment = [f"Imported by symparam from {where} ({type(module).__name__}), run once on meta tensors of shape "
               f"{seen} (batch-less).",
               "Layer names are the module names of named_modules(); a module called again is name#2 and shares "
               "its weights.",
               f"{opaque} layer(s) of type nn.Module stand for modules symparam has no rules for: their "
               "parameters and buffers are counted from the tensors they hold."]
    if len(shapes) > len(names):
        comment.append("Inputs named <layer>.in are tensors forward() computed outside any module (a reshape, a "
                       "concatenation), with the shape they had.")
    out = {"__comment__": "\n".join(comment), "network": network}
    if symbols:
        out["symbols"] = symbols
    out["layers"] = tables
    return out


def _input_names(module, n: int) -> list[str]:
    if n == 1:
        return ["input"]
    import inspect
    try:
        params = [p.name for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"input_{i}" for i in range(n)]


def from_torch(module, example_inputs, name: str | None = None, symbols: dict[str, int] | None = None) -> dict:
    """The spec document for an nn.Module already built (any device) and its example inputs: a tensor or a tuple of
    tensors, with the batch axis, as the module is called (torch.Size or tuples of ints: float32 inputs of those
    shapes); `symbols` lifted as --symbol lifts them. The module is not changed: a module whose tensors hold data
    is run with meta stand-ins."""
    torch = need_torch()
    if isinstance(example_inputs, (torch.Tensor, torch.Size)) or (
            isinstance(example_inputs, tuple) and all(isinstance(d, int) for d in example_inputs)):
        example_inputs = [example_inputs]
    inputs = [t if isinstance(t, torch.Tensor) else torch.empty(tuple(t), device="meta") for t in example_inputs]
    label = name or type(module).__name__
    return document(torch, module, inputs, name=label, where=label, lifted=symbols)
