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
