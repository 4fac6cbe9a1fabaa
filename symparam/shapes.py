"""Output-shape arithmetic, as pure functions shared by many layer kinds (Keras's rules).

Each returns the output length and, where the length can be zero or negative for some sizes, the condition
that keeps it positive. A length of None (an unknown axis) stays None.
"""

from __future__ import annotations

import sympy

from .expr import ceil_of, floor_of
from .model import Dim


def conv_length(n: Dim, kernel: sympy.Expr, stride: sympy.Expr, dilation: sympy.Expr,
                padding: str) -> tuple[Dim, sympy.Basic | None]:
    """Keras: 'valid' -> floor((n - d*(k-1) - 1)/s) + 1; 'same' and 'causal' -> ceil(n/s)."""
    if n is None:
        return None, None
    if padding == "valid":
        span = dilation * (kernel - 1) + 1
        return floor_of((n - span) / stride) + 1, sympy.Ge(n, span)
    return ceil_of(n / stride), None


def pool_length(n: Dim, pool: sympy.Expr, stride: sympy.Expr, padding: str) -> tuple[Dim, sympy.Basic | None]:
    """Keras pooling: 'valid' -> floor((n - p)/s) + 1; 'same' -> ceil(n/s)."""
    if n is None:
        return None, None
    if padding == "valid":
        return floor_of((n - pool) / stride) + 1, sympy.Ge(n, pool)
    return ceil_of(n / stride), None


def window_rule(padding: str, dilated: bool = False):
    """The rule conv_length and pool_length follow, in letters, for a lesson to show and fill in: returns
    (rule, (n, k, s, d)) with n the input length, k the window, s the stride, d the dilation (None unless
    `dilated`). 'valid': floor((n - k)/s) + 1, or floor((n - d*(k - 1) - 1)/s) + 1 dilated; otherwise ceil(n/s)."""
    n, k, s, d = (sympy.Symbol(x, integer=True, positive=True) for x in ("n", "k", "s", "d"))

    def over_s(x):   # written unevaluated, in the order a lesson writes it: floor((n - k)/s) + 1
        return sympy.Mul(x, sympy.Pow(s, -1, evaluate=False), evaluate=False)

    if padding != "valid":
        return sympy.ceiling(over_s(n), evaluate=False), (n, None, s, None)
    span = ((sympy.Mul(-1, d, sympy.Add(k, -1, evaluate=False), evaluate=False), -1) if dilated else (-k,))
    rule = sympy.Add(sympy.floor(over_s(sympy.Add(n, *span, evaluate=False)), evaluate=False), 1, evaluate=False)
    return rule, (n, k, s, d if dilated else None)


def product(dims) -> Dim:
    """The number of elements of a shape, or None when an axis is unknown."""
    if any(d is None for d in dims):
        return None
    return sympy.Mul(*dims)


def split_channels(shape, data_format: str) -> tuple[Dim, tuple[Dim, ...]]:
    """(channels, spatial axes) of a batch-less shape under channels_last / channels_first."""
    if data_format == "channels_first":
        return shape[0], tuple(shape[1:])
    return shape[-1], tuple(shape[:-1])


def join_channels(channels: Dim, spatial, data_format: str) -> tuple[Dim, ...]:
    if data_format == "channels_first":
        return (channels, *spatial)
    return (*spatial, channels)
