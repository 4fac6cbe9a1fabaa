"""One forward pass of a PyTorch module on meta tensors, recorded: every module call (its input and output
tensors, in completion order) and, through a TorchFunctionMode, where each tensor computed outside a module came
from (the first input of the same shape: x + identity comes from x, relu(x) from x; a reshape or a concatenation
from nowhere), and every merge of two or more tensors forward() computes (x + y, out += identity, x - y, x * y,
torch.cat) and every functional pooling (F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d,
F.adaptive_max_pool2d), with the module running it. Nothing is computed: meta tensors have shapes and no data.

torch is imported by the caller (symparam.importing.torch_module) and passed in; this module imports it only
for type names inside functions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ..errors import SymparamError


@dataclass
class Call:
    """One call of one module."""
    path: str                   # the module's name in named_modules() ("" for the root)
    module: Any
    start: int                  # clock ticks: calls and tensor creations share one clock
    inputs: list = field(default_factory=list)   # tensor arguments, positional then keyword
    end: int = 0
    output: Any = None          # the first tensor of what forward() returned, or None


@dataclass
class Merge:
    """One merge forward() computed between two or more tensors none of which a module holds (parameters and
    buffers are not operands: x + self.bias is not a merge, nor is x * 0.5), or one functional pooling of one."""
    op: str                     # "add", "sub", "mul", "cat" or a POOLS name (what the layer's name says)
    path: str                   # the innermost module running it ("" for the root's own forward())
    tick: int                   # on the calls' clock, taken when it returned
    operands: list              # the tensors it combined, in order
    output: Any                 # the tensor it returned (the first operand itself for +=, *=, -=)
    dim: int | None = None      # torch.cat's dim
    arguments: dict = field(default_factory=dict)   # a functional pooling's arguments, by name


# torch.nn.functional poolings forward() calls outside any module -> their parameter names after the input
POOLS = {"max_pool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
         "avg_pool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
         "adaptive_avg_pool2d": ("output_size",), "adaptive_max_pool2d": ("output_size", "return_indices")}


# torch function -> the merge it is: the operators (x + y is Tensor.add, x += y Tensor.add_), the functions and
# the methods
MERGES = {"add": "add", "add_": "add", "sub": "sub", "sub_": "sub", "subtract": "sub", "mul": "mul", "mul_": "mul",
          "multiply": "mul", "cat": "cat", "concat": "cat", "concatenate": "cat"}


def merge_ops(torch) -> dict:
    ops = {f: op for name, op in MERGES.items() for f in (getattr(torch, name, None), getattr(torch.Tensor, name, None))
           if f is not None}
    return {**ops, **{getattr(torch.nn.functional, name): name for name in POOLS}}


def _pool(torch, op: str, args, kwargs, owned: set[int]):
    """(the input, the arguments by name) of a functional pooling of one of the network's tensors, else None."""
    names = POOLS[op]
    if not args or not isinstance(args[0], torch.Tensor) or id(args[0]) in owned or len(args) > len(names) + 1 or (
            set(kwargs) - set(names)):
        return None
    given = {**dict(zip(names, args[1:])), **kwargs}
    return [args[0]], {k: v for k, v in given.items() if v is not None}


def _merge(torch, op: str, args, kwargs, owned: set[int]):
    """(the operands, cat's dim) if this call merges two or more of the network's tensors, else None."""
    if op == "cat":
        given = args[0] if args else kwargs.get("tensors", ())
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if set(kwargs) - {"tensors", "dim"} or not isinstance(dim, int) or not isinstance(given, (list, tuple)):
            return None
        operands = list(given)
    else:
        if len(args) != 2 or set(kwargs) - {"alpha"} or kwargs.get("alpha", 1) != 1:
            return None
        operands, dim = list(args), None
    if len(operands) < 2 or not all(isinstance(t, torch.Tensor) and id(t) not in owned for t in operands):
        return None
    return operands, dim


@dataclass
class Recording:
    calls: list[Call]                       # in completion order (a module's children before it)
    made: dict[int, tuple[int, int | None, int | None]]   # id(tensor) -> (tick, id of the same-shape input it came
    #                                                       from, id of its first input whatever its shape)
    inputs: list                            # the example inputs (meta tensors)
    keep: list                              # every tensor seen, kept alive so that no id is reused
    merges: list[Merge] = field(default_factory=list)   # in the order they ran

    def calls_of(self, module) -> list[Call]:
        return [c for c in self.calls if c.module is module]


def tensors(torch, value) -> list:
    from torch.utils._pytree import tree_leaves
    return [leaf for leaf in tree_leaves(value) if isinstance(leaf, torch.Tensor)]


def record(torch, module, inputs: list, where: str) -> Recording:
    """Run module(*inputs) (meta tensors) in training mode, so branches used only in training (auxiliary heads)
    run too (batch normalizations in eval mode: the same shapes, and quicker); the modules' training flags are
    restored afterwards."""
    from torch.overrides import TorchFunctionMode

    clock = itertools.count()
    calls: list[Call] = []
    open_calls: dict[int, list[Call]] = {}
    running: list[Call] = []
    made: dict[int, tuple[int, int | None, int | None]] = {}
    keep: list = list(inputs)
    paths = {id(m): name for name, m in module.named_modules(remove_duplicate=False)}
    owned: set[int] = set()
    merges: list[Merge] = []
    ops = merge_ops(torch)

    def before(m, args, kwargs):
        call = Call(paths.get(id(m), ""), m, next(clock), tensors(torch, (args, kwargs)))
        keep.extend(call.inputs)
        open_calls.setdefault(id(m), []).append(call)
        running.append(call)

    def after(m, args, kwargs, output):
        call = open_calls[id(m)].pop()
        running.remove(call)
        call.end = next(clock)
        out = tensors(torch, output)
        call.output = out[0] if out else None
        keep.extend(out)
        calls.append(call)

    class Trace(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            result = func(*args, **(kwargs or {}))
            op = ops.get(func)
            pool = op in POOLS
            merged = None if op is None else (_pool if pool else _merge)(torch, op, args, kwargs or {}, owned)
            if merged is not None and isinstance(result, torch.Tensor):
                path = running[-1].path if running else ""
                merges.append(Merge(op, path, next(clock), merged[0], result, None if pool else merged[1],
                                    merged[1] if pool else {}))
                keep.extend(merged[0])
            ins = [t for t in tensors(torch, (args, kwargs)) if id(t) not in owned]
            for t in tensors(torch, result):
                if id(t) in made or any(t is i for i in ins):
                    continue
                parent = next((i for i in ins if tuple(i.shape) == tuple(t.shape)), None)
                first = ins[0] if ins else None
                made[id(t)] = (next(clock), None if parent is None else id(parent), None if first is None else id(first))
                keep.append(t)
                keep.extend(ins)
            return result

    handles = []
    modes = {id(m): m.training for m in module.modules()}
    for m in module.modules():
        handles.append(m.register_forward_pre_hook(before, with_kwargs=True))
        handles.append(m.register_forward_hook(after, with_kwargs=True))
    try:
        module.train()
        for m in module.modules():   # the same shapes in both modes, and far quicker on meta tensors in eval
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.eval()
        tensors_of = {**dict(module.named_parameters()), **dict(module.named_buffers())}
        on_meta = all(t.device.type == "meta" for t in tensors_of.values())
        with torch.device("meta"), Trace():
            if on_meta:
                owned.update(id(t) for t in tensors_of.values())
                module(*inputs)
            else:   # built on the CPU (its constructor needed data): run with meta stand-ins, the module untouched
                stand_ins = {name: torch.empty_like(t, device="meta") for name, t in tensors_of.items()}
                owned.update(id(t) for t in stand_ins.values())
                torch.func.functional_call(module, stand_ins, tuple(inputs), strict=False)
    except Exception as exc:   # the user's forward(): anything may go wrong, and it is theirs to fix
        inner = running[-1] if running else None
        at = f" in '{inner.path}' ({type(inner.module).__name__})" if inner is not None and inner.path else ""
        text = (str(exc).strip().splitlines() or [""])[0]
        raise SymparamError(f"{where}: forward() on meta tensors failed{at}: {type(exc).__name__}: {text} "
                            f"(symparam runs the module on the meta device: no data, shapes only; check the "
                            f"example input's shape and dtype)") from None
    finally:
        for handle in handles:
            handle.remove()
        for m in module.modules():
            m.training = modes.get(id(m), m.training)
    return Recording(calls, made, list(inputs), keep, merges)
