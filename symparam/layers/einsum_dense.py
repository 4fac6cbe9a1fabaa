"""EinsumDense: a kernel (and maybe a bias) contracted with the input by an einsum equation.

The equation is read by a small parser (letters, one "," and "->", and "..." where Keras allows it; nothing is
evaluated) into Keras's three forms: "ab,bc->ac" (no ellipsis: the input's first letter is the batch axis),
"...b,bc->...c" (the ellipsis on the left) and "ab...,bc->ac..." (on the right, after at least two input letters).
The kernel's shape, the bias's shape and the output shape follow keras.layers.EinsumDense's own analysis
(_analyze_split_string, Keras 3.15) on the shape with the batch axis: a kernel letter takes its length from the
output (output_shape) if the output has it, else from the input. Where Keras declares an output that its einsum
does not compute (the left ellipsis's axes listed in reverse order, a spec that does not cover the input), the
layer fails when called, and symparam refuses it.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import sympy

from ..errors import SymparamError, show
from . import register
from .base import ActivationName, Arg, Int, LayerKind, Opaque, Unsupported, _is_none
from .core import KERNEL_ARGS, format_shape, lora_rank
from .costs import activation, bias as add_bias, size, times

class _Batch:
    """The batch axis's length in the shapes below (Keras: None)."""

    def __repr__(self) -> str:
        return "None"


BATCH = _Batch()
_LETTERS = re.compile(r"[a-zA-Z]+")


class Equation(NamedTuple):
    input: str
    weight: str
    output: str
    ellipsis: str     # "", "left" or "right"


def parse_equation(text: str) -> Equation:
    """One of Keras's three einsum forms, or an error naming them."""
    forms = "\"ab,bc->ac\", \"...b,bc->...c\" or \"ab...,bc->ac...\" (letters only, each once per part)"
    refused = SymparamError(f"equation must have the form {forms}. Received: equation = {show(text)}.")
    if not isinstance(text, str) or len(text) > 200 or text.count("->") != 1:
        raise refused
    left, output = text.split("->")
    if left.count(",") != 1:
        raise refused
    x, w = left.split(",")
    ellipsis = ""
    if x.startswith("...") and output.startswith("..."):
        x, output, ellipsis = x[3:], output[3:], "left"
    elif x.endswith("...") and output.endswith("...") and len(x) >= 5:
        x, output, ellipsis = x[:-3], output[:-3], "right"
    if not all(_LETTERS.fullmatch(part) and len(set(part)) == len(part) for part in (x, w, output)):
        raise refused
    return Equation(x, w, output, ellipsis)


class EquationArg(Arg):
    expected = "an einsum equation such as \"ab,bc->ac\""

    def parse(self, value, key, ctx):
        return parse_equation(value)


class OutputShape(Arg):
    """output_shape: a size, or a list of sizes ("none" where Keras leaves the length unknown)."""
    expected = 'a positive size or a list of positive sizes ("none" for an unknown length)'

    def parse(self, value, key, ctx):
        if _is_none(value):   # Keras takes None only as one length of a list
            raise self.refuse(value, key)
        items = value if isinstance(value, list) else [value]
        if len(items) > 16 or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in items):
            raise self.refuse(value, key)
        return tuple(None if _is_none(v) else ctx.size(v, key) for v in items)


class BiasAxes(Arg):
    expected = 'a string of output letters, or "none"'

    def parse(self, value, key, ctx):
        if value is None or _is_none(value):
            return None
        if isinstance(value, str) and len(value) <= 52:
            return value
        raise self.refuse(value, key)


def analyze(eq: Equation, bias_axes: str | None, batched: list, partial: tuple):
    """Keras's (kernel shape, bias shape or None, output shape with the batch axis), on `batched` (the input shape
    with BATCH at 0). Keras's errors become SymparamErrors; a length Keras would read past the shape is refused."""
    received = f"equation {eq.input},{eq.weight}->{eq.output}, input shape {format_shape(batched[1:])}"
    elided = len(batched) - len(eq.input)
    out = [BATCH, *partial]
    if elided > 0 and eq.ellipsis == "left":
        for i in range(1, elided):
            out.insert(1, batched[i])   # Keras lists these axes in reverse order
    elif elided > 0 and eq.ellipsis != "left":
        out.extend(batched[len(batched) - elided:])
    at = lambda shape, i: shape[i] if -len(shape) <= i < len(shape) else _short(received)  # noqa: E731
    if eq.ellipsis == "left":
        in_map = {d: i + elided - len(batched) for i, d in enumerate(eq.input)}
        out_map = {d: i + elided for i, d in enumerate(eq.output)}
    else:
        in_map = {d: i for i, d in enumerate(eq.input)}
        out_map = {d: i for i, d in enumerate(eq.output)}
    conditions = []
    for d in eq.input:
        have = at(batched, in_map[d])
        if d in out_map:
            want = at(out, out_map[d])
            if want is not None and want is not BATCH and want != have:
                if have is None or have is BATCH or (want - have).is_number:
                    raise SymparamError(f"output_shape must agree with the input at the shared letter '{d}'. "
                                        f"Received: input length {_length(have)}, output_shape length {want}.")
                conditions.append((sympy.Eq(want, have), f"output_shape must agree with the input at '{d}'"))
    for d in eq.output:
        if d not in eq.input and d not in eq.weight:
            raise SymparamError(f"output letter '{d}' is in neither the input nor the kernel. Received: {received}.")
    kernel = []
    for d in eq.weight:
        if d in out_map:
            kernel.append(at(out, out_map[d]))
        elif d in in_map:
            kernel.append(at(batched, in_map[d]))
        else:
            raise SymparamError(f"kernel letter '{d}' is in neither the input nor the output (the kernel must be "
                                f"fully specified). Received: {received}.")
    bias = None
    if bias_axes is not None:
        missing = [c for c in bias_axes if c not in eq.output]
        if missing or not bias_axes:
            raise SymparamError(f"bias_axes must be letters of the output '{eq.output}'. "
                                f"Received: bias_axes = {show(bias_axes)}.")
        shift = elided if eq.ellipsis == "left" else 0
        first = min(eq.output.find(c) for c in bias_axes)
        bias = [at(out, eq.output.index(c) + shift) if c in bias_axes else sympy.Integer(1)
                for c in eq.output[first:]]
        if eq.ellipsis != "left":
            bias.extend([sympy.Integer(1)] * max(elided, 0))
    return kernel, bias, out, conditions


def computed(eq: Equation, batched: list, kernel: list) -> list:
    """The shape the einsum itself computes (with the batch axis), when the equation covers the input."""
    lengths = dict(zip(eq.weight, kernel))
    elided = len(batched) - len(eq.input)
    if elided < 0 or elided and not eq.ellipsis:
        return []
    letters = dict(zip(eq.input, batched[elided:] if eq.ellipsis == "left" else batched[:len(eq.input)]))
    core = [letters[d] if d in letters else lengths[d] for d in eq.output]
    if eq.ellipsis == "left":
        return [*batched[:elided], *core]
    return [*core, *batched[len(eq.input):]]


def _short(received: str):
    raise SymparamError(f"the equation names more axes than the input or output_shape has. Received: {received}.")


def _length(value) -> str:
    return "unknown" if value is None or value is BATCH else str(value)


@register
class EinsumDense(LayerKind):
    name = "EinsumDense"
    saves = ("input", "activation")
    example = ({"equation": "abc,cd->abd", "output_shape": ["seq", "d_out"], "bias_axes": "d"},
               ["seq", "d_in"], {"seq": 128, "d_in": 512, "d_out": 1024})
    summary = "an einsum of the input with a kernel (equation; output_shape sets the new lengths), bias on bias_axes"
    args = {"equation": EquationArg(), "output_shape": OutputShape(), "activation": ActivationName(None),
            "bias_axes": BiasAxes(None), **KERNEL_ARGS, "lora_rank": Int(None, optional=True), "lora_alpha": Opaque(),
            "gptq_unpacked_column_size": Opaque(),
            "quantization_config": Unsupported(None, "quantized layers are not modelled")}

    def build(self, a, inputs, b):
        (x,) = inputs
        eq = a.equation
        batched = [BATCH, *x]
        kernel, bias, out, conditions = analyze(eq, a.bias_axes, batched, a.output_shape)
        for relation, why in conditions:
            b.require(relation, "output_shape", why)
        for what, shape in (("kernel", kernel), ("bias", bias or ())):
            if any(d is None or d is BATCH for d in shape):
                raise SymparamError(f"the {what}'s shape must be known: it takes an axis of unknown length (the "
                                    f"batch, or \"none\" in output_shape). Received: equation = "
                                    f"{show(_text(eq))}, {what} shape {format_shape(shape)}.")
        true = computed(eq, batched, kernel)
        self._check_declared(b, eq, x, out, true)
        lora = lora_rank(a.lora_rank)
        labels = tuple(eq.weight)
        b.weight("kernel", kernel, role="weights", labels=labels, trainable=not lora, category="weight")
        if bias is not None:
            b.weight("bias", bias, role="biases", labels=tuple(eq.output[len(eq.output) - len(bias):])
                     if len(bias) <= len(eq.output) else tuple(f"b{i + 1}" for i in range(len(bias))),
                     category="bias")
        if lora:
            # Keras's LoRA: kernel_a takes the kernel's shape but its last axis, kernel_b (r, last axis)
            r = sympy.Integer(lora)
            b.weight("lora_kernel_a", (*kernel[:-1], r), role="LoRA down-projection", labels=(*labels[:-1], "r"),
                     category="weight")
            b.weight("lora_kernel_b", (r, kernel[-1]), role="LoRA up-projection", labels=("r", labels[-1]),
                     category="weight")
        shape = tuple(out[1:])
        lengths = dict(zip(eq.weight, kernel))
        summed = times(*(lengths[d] for d in dict.fromkeys(eq.weight) if d not in eq.output))
        b.cost("matmul", times(size(shape), summed), words="output values x the kernel axes summed over")
        if lora:
            rows = times(size(shape), 1 / kernel[-1])
            b.cost("matmul", times(rows, r, times(summed, kernel[-1]) if eq.weight[-1] not in eq.output else summed),
                   words="LoRA: output rows x r x the axes summed over")
            b.cost("matmul", times(rows, r, kernel[-1]), words="LoRA: output rows x r x the last kernel axis")
            b.cost("elementwise", times(2, size(shape)), words="LoRA: scale and add its product, per output value")
        add_bias(b, bias is not None, shape)
        activation(b, a.activation, shape)
        return shape

    @staticmethod
    def _check_declared(b, eq, x, out, true) -> None:
        """Keras's declared output must be what its einsum computes (else the call fails)."""
        why = (f"the equation must cover the input's axes as Keras's EinsumDense declares them. Received: equation = "
               f"{show(_text(eq))}, input shape {format_shape(x)}")
        if len(true) != len(out) or true[0] is not BATCH or BATCH in true[1:]:
            raise SymparamError(why + ".")
        for declared, actual in zip(out[1:], true[1:]):
            if declared is None or actual is None:
                continue
            if (declared - actual).is_number:
                if declared != actual:
                    raise SymparamError(why + f" (Keras declares {format_shape(tuple(out[1:]))}, its einsum "
                                        f"computes {format_shape(tuple(true[1:]))}).")
            else:
                b.require(sympy.Eq(declared, actual), "equation", "the axes under Keras's left ellipsis must "
                          "read the same in reverse (Keras declares them reversed)")

    no_twin = "PyTorch has no einsum module; its forward() would call torch.einsum"


def _text(eq: Equation) -> str:
    x, o = eq.input, eq.output
    if eq.ellipsis == "left":
        x, o = "..." + x, "..." + o
    elif eq.ellipsis == "right":
        x, o = x + "...", o + "..."
    return f"{x},{eq.weight}->{o}"
