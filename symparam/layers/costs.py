"""Shared pieces of the cost declarations (Build.cost): products that stay None over an axis of unknown length, and
the costs many kinds declare alike (a bias added to every output value, an activation applied to each).

The operation counts of the non-matmul kinds are conventions stated once here and in docs/compute.md."""

from __future__ import annotations

import sympy

from ..shapes import product

# Operations per value of the kinds symparam.compute counts only under the "all" convention:
ACTIVATION_OPS = 1        # any activation function, applied to one value
SOFTMAX_OPS = 3           # exp, add into the sum, divide (the max subtracted for stability is not counted)
BN_OPS = 2                # inference: (x - mean) / sqrt(var + eps) * gamma + beta folds into one multiply and one add
STATS_OPS = 4             # mean and variance computed from the values: add; subtract, square, add
NORMALIZE_OPS = 2         # subtract the mean, divide by the deviation
AFFINE_OPS = 1            # per applied scale or offset
# Per output value of an interpolation: nearest copies; every other method is counted as bilinear (4 products, 3 adds)
INTERPOLATION_OPS = {"nearest": 0, "bilinear": 7}


def times(*factors):
    """The product of the factors; None when one of them is (an axis of unknown length)."""
    if any(f is None for f in factors):
        return None
    return sympy.Mul(*factors)


def size(shape):
    """The number of values of a shape without the batch axis; None when an axis is unknown."""
    return product(shape)


def activation(b, name, shape) -> None:
    """An activation applied to each output value (none: "linear" or no activation)."""
    if name is not None and name != "linear":
        b.cost("activation", times(ACTIVATION_OPS, size(shape)), words=f"{name}: one operation per output value")


def bias(b, use: bool, shape) -> None:
    """A bias added to every output value."""
    if use:
        b.cost("bias", size(shape), words="one add per output value")


def moves(b) -> None:
    """The layer only moves, copies or selects values."""
    b.free("moves or selects values: no arithmetic")


def identity(b) -> None:
    """The layer passes its input through unchanged at inference (dropout, noise, augmentation)."""
    b.free("the identity at inference: no arithmetic")


def convolution(b, positions, kernel, c_in, filters, words: str = "") -> None:
    """A convolution's multiply-accumulates: each of `positions` (output positions; input positions for a transposed
    one) meets every kernel tap of `c_in` channels (per group) for each of `filters` outputs."""
    b.cost("matmul", times(size(positions), *kernel, c_in, filters),
           words=words or "output positions x kernel taps x input channels (per group) x filters")


def normalization(b, shape, ops: int, words: str) -> None:
    """A normalization of `ops` operations per value (BN_OPS; or STATS_OPS + NORMALIZE_OPS + AFFINE_OPS each)."""
    b.cost("normalization", times(ops, size(shape)), words=words)


def statistics_ops(scale: bool, center: bool) -> int:
    """Per value, for a norm that computes its mean and variance: the statistics, normalizing, the affine parts."""
    return STATS_OPS + NORMALIZE_OPS + AFFINE_OPS * (int(scale) + int(center))


def pooling(b, out, window, average: bool) -> None:
    """One compare (max) or add (average) per window value per output value; an average also divides once each."""
    count = times(size(out), *window)
    if average and count is not None:
        count = count + size(out)
    b.cost("pooling", count, words="output values x window" + (" (+ one divide each)" if average else ""))


def reads(b, values, outputs=0) -> None:
    """Pooling over the whole input, or adaptive windows: one compare or add per input value (windows that overlap,
    when the output does not divide the input, read a few values twice: not counted), and `outputs` divides for a
    mean (the output values; 0 for a max)."""
    count = None if values is None or outputs is None else values + outputs
    b.cost("pooling", count, words="one compare or add per input value" + (", one divide per output" if outputs
                                                                            else ""))


def softmax(b, shape, words: str = "exp, sum and divide per value") -> None:
    b.cost("softmax", times(SOFTMAX_OPS, size(shape)), words=words)


def attention(b, rows, q_len, k_len, d_k, d_v, *, of_input: bool = False, scores: bool = True) -> None:
    """Attention's two products over `rows` independent sets (heads, and the axes attention does not run over):
    QK^T (q_len x k_len scores of d_k products each) and the scores applied to the values (d_v wide), with the
    softmax over the scores and the query's scaling by 1/sqrt(d_k). Under a causal mask (q_len = k_len = T) only the
    T(T + 1)/2 kept pairs are counted. `of_input`: the products read the layer's inputs, not its own projections;
    `scores` False: the caller declares its own scores (additive attention) and only the values' product here."""
    pairs = times(rows, q_len, k_len)
    causal = None
    if q_len is not None and k_len is not None and sympy.simplify(q_len - k_len) == 0:
        causal = times(rows, q_len * (q_len + 1) / 2)
    if scores:
        b.cost("attention", times(pairs, d_k), words="QK^T: query positions x key positions x d_k, per head",
               of_input=of_input, causal=times(causal, d_k))
        b.cost("elementwise", times(rows, q_len, d_k), words="scaling the query by 1/sqrt(d_k)")
    b.cost("softmax", times(SOFTMAX_OPS, pairs), words="softmax over the key positions: exp, sum, divide per score")
    b.cost("attention", times(pairs, d_v), words="scores x values: query positions x key positions x d_v, per head",
           of_input=of_input, causal=times(causal, d_v))
