"""symparam/layers/audio.py against real Keras: STFTSpectrogram (its real and imaginary DFT kernels, trainable as
Keras makes them) and MelSpectrogram (no weights), with generated arguments and signal shapes, called on zeros too.
Keras's STFTSpectrogram asks scipy for its window (pip install '.[oracle]' brings it)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oracle.cases import Case, Generated, framework_tests
from oracle.strategies import DATA_FORMATS, maybe


def audio(type_name: str, kwargs: dict[str, Any], input_shape: tuple) -> Case:
    return Case(type_name, kwargs, input_shape, called=True)


@st.composite
def stft_cases(draw):
    kwargs: dict[str, Any] = {"frame_length": draw(st.integers(1, 12))}
    maybe(draw, kwargs, "frame_step", st.integers(1, 14))
    maybe(draw, kwargs, "fft_length", st.sampled_from([1, 2, 4, 8, 16, 12, 3]))
    maybe(draw, kwargs, "mode", st.sampled_from(["log", "magnitude", "psd", "real", "imag", "angle", "stft"]))
    maybe(draw, kwargs, "padding", st.sampled_from(["valid", "same"]))
    maybe(draw, kwargs, "expand_dims", st.booleans())
    maybe(draw, kwargs, "data_format", st.sampled_from(DATA_FORMATS))
    maybe(draw, kwargs, "scaling", st.sampled_from(["density", "spectrum"]))
    maybe(draw, kwargs, "window", st.sampled_from(["hann", "hamming"]))
    maybe(draw, kwargs, "trainable", st.booleans())
    length, channels = draw(st.integers(1, 30)), draw(st.integers(1, 3))
    rank = draw(st.sampled_from([2, 2, 2, 2, 1, 3]))
    shape = ((channels, length) if kwargs.get("data_format") == "channels_first" else (length, channels)) \
        if rank == 2 else (length,) * rank
    return audio("STFTSpectrogram", kwargs, shape)


@st.composite
def mel_cases(draw):
    kwargs: dict[str, Any] = {"fft_length": draw(st.sampled_from([8, 16, 32, 64]))}
    maybe(draw, kwargs, "sequence_stride", st.integers(1, 20))
    maybe(draw, kwargs, "sequence_length", st.sampled_from([4, 8, 16, 64]))
    maybe(draw, kwargs, "num_mel_bins", st.integers(1, 12))
    maybe(draw, kwargs, "sampling_rate", st.sampled_from([8000, 16000]))
    maybe(draw, kwargs, "power_to_db", st.booleans())
    maybe(draw, kwargs, "window", st.sampled_from(["hann", "hamming"]))
    rank = draw(st.sampled_from([1, 1, 1, 2]))
    return audio("MelSpectrogram", kwargs, tuple(draw(st.lists(st.integers(1, 80), min_size=rank, max_size=rank))))


GENERATED = {
    "STFTSpectrogram": Generated(stft_cases(), 60),
    "MelSpectrogram": Generated(mel_cases(), 40),
}

EXAMPLES = [
    audio("STFTSpectrogram", {}, (1000, 1)),                                   # 2 x (256, 1, 129), trainable
    audio("STFTSpectrogram", {"frame_length": 60}, (1000, 2)),                 # fft_length 64 by default
    audio("STFTSpectrogram", {"frame_length": 64, "mode": "real", "expand_dims": True}, (1000, 2)),
    audio("STFTSpectrogram", {"frame_length": 64, "mode": "imag", "data_format": "channels_first",
                              "padding": "same"}, (2, 1000)),
    audio("STFTSpectrogram", {"frame_length": 64, "trainable": False}, (1000, 1)),
    audio("STFTSpectrogram", {"frame_length": 8, "frame_step": 9}, (100, 1)),  # refused: step > length
    audio("STFTSpectrogram", {"frame_length": 8, "fft_length": 4}, (100, 1)),  # refused: fft < length
    audio("MelSpectrogram", {}, (16000,)),
    audio("MelSpectrogram", {"fft_length": 512, "sequence_stride": 100}, (16000,)),
    audio("MelSpectrogram", {"fft_length": 512, "sequence_length": 1024}, (16000,)),   # refused
    audio("MelSpectrogram", {"fft_length": 8, "sequence_stride": 1}, (5,)),    # refused: declares 7 frames, gives 6
    audio("MelSpectrogram", {"fft_length": 8}, (4,)),                          # refused: too short to reflect
    Case("MelSpectrogram", {}, (None,)),        # declared only: the oracle calls an unknown length at 1 and 2
]

test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
