"""Hypothesis building blocks shared by the family tests under tests/layers/."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

DATA_FORMATS = ["channels_last", "channels_first"]
timesteps = st.one_of(st.none(), st.integers(1, 6))   # a sequence axis: unknown, or a length


def maybe(draw, kwargs: dict[str, Any], key: str, strategy) -> None:
    """Set kwargs[key] from strategy, or leave it out so that the framework's default applies."""
    if draw(st.booleans()):
        kwargs[key] = draw(strategy)


def per_axis(n: int, low: int, high: int):
    """An int, or a list of `n` ints (TOML has no tuples). Values are drawn uniformly (``sampled_from``) rather
    than with ``integers``' bias to small values, so that strides and dilations > 1 are common."""
    values = st.sampled_from(range(low, high + 1))
    return st.one_of(values, st.lists(values, min_size=n, max_size=n))


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def image(spatial, channels: int, data_format: str | None) -> tuple[int, ...]:
    """An image's shape without the batch axis, channels where the data format puts them."""
    return (channels, *spatial) if data_format == "channels_first" else (*spatial, channels)


def some_shape(draw, low: int = 1, high: int = 3) -> tuple[int, ...]:
    """A shape of `low` to `high` axes of length 1 to 5."""
    return tuple(draw(st.lists(st.integers(1, 5), min_size=low, max_size=high)))


def axis_values(rank: int) -> st.SearchStrategy[int]:
    """Keras axes for an input of `rank` axes besides the batch: in range, the batch axis, and out of range."""
    n = rank + 1
    return st.sampled_from([*range(-n - 1, n + 1)])


def axes_argument(rank: int, max_size: int = 3):
    """A Keras axis argument: one axis, or a list of them (maybe empty, maybe repeated)."""
    return st.one_of(axis_values(rank), st.lists(axis_values(rank), min_size=0, max_size=max_size))


def checked_size(draw, kwargs: dict, key: str, actual: int) -> None:
    """An argument symparam infers from the input (in_channels, ...): left out, given right, or now and then
    given wrong."""
    choice = draw(st.sampled_from(["absent", "absent", "right", "right", "wrong"]))
    if choice == "right":
        kwargs[key] = actual
    elif choice == "wrong":
        kwargs[key] = draw(st.integers(1, 8).filter(lambda n: n != actual))


def off_by(draw, value: int) -> int:
    """A wrong size, for refusal parity: value plus or minus a little (never 0)."""
    return draw(st.sampled_from([v for v in (value - 1, value + 1, value + 3) if v >= 1]))
