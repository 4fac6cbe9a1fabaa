"""Output-shape arithmetic of PyTorch's convolutions and poolings, as pure functions (torch's rules, which differ
from Keras's: explicit padding on both sides, ceil_mode, transposed convolutions).

Each returns the output length and the condition that keeps it at least 1 (None when it always is). A length of
None (an unknown axis) stays None.
"""

from __future__ import annotations

import sympy

from .expr import ceil_of, floor_of
from .model import Dim


def conv_length(n: Dim, kernel, stride, padding, dilation) -> tuple[Dim, sympy.Basic | None]:
    """torch.nn.Conv*: floor((n + 2p - d(k-1) - 1)/s) + 1, which needs n + 2p >= d(k-1) + 1."""
    if n is None:
        return None, None
    span = dilation * (kernel - 1) + 1
    return floor_of((n + 2 * padding - span) / stride) + 1, sympy.Ge(n + 2 * padding, span)


def pool_length(n: Dim, kernel, stride, padding, dilation, ceil_mode: bool) -> tuple[Dim, sympy.Basic | None]:
    """torch.nn.MaxPool* / AvgPool*: as a convolution, or with ceil_mode the count rounded up, less a last window
    that would start beyond the input and its left padding (torch's pooling_output_shape):
    min(ceil((n + 2p - d(k-1) - 1)/s) + 1, floor((n + p - 1)/s) + 1). The two agree with torch's one-step
    correction because torch also requires p <= k/2."""
    if not ceil_mode:
        return conv_length(n, kernel, stride, padding, dilation)
    if n is None:
        return None, None
    span = dilation * (kernel - 1) + 1
    rounded_up = ceil_of((n + 2 * padding - span) / stride) + 1
    fits = sympy.Ge(n + 2 * padding + stride - span, 1)
    if (span - padding - stride).is_nonnegative:   # then no window can start past the input: the min is the first
        return rounded_up, fits
    starts_inside = floor_of((n + padding - 1) / stride) + 1
    return sympy.Min(rounded_up, starts_inside), fits


def transposed_length(n: Dim, kernel, stride, padding, output_padding, dilation) -> tuple[Dim, sympy.Basic | None]:
    """torch.nn.ConvTranspose*: (n - 1)s - 2p + d(k-1) + output_padding + 1."""
    if n is None:
        return None, None
    length = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    return length, sympy.Ge(length, 1)


def same_padding(kernel, dilation) -> tuple[sympy.Expr, sympy.Expr]:
    """padding="same" (stride 1): the total d(k-1), split left = total // 2, right = the rest (torch pads the
    odd one on the right)."""
    total = dilation * (kernel - 1)
    left = floor_of(total / 2)
    return left, total - left


def flatten_axes(rank: int, start: int, end: int) -> tuple[int, int] | None:
    """torch.flatten's start_dim and end_dim on a tensor of `rank` >= 1 axes (the batch axis at 0), made
    non-negative; None when either is out of range."""
    if not (-rank <= start < rank and -rank <= end < rank):
        return None
    return start % rank, end % rank
