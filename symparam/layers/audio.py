"""Audio preprocessing: STFTSpectrogram and MelSpectrogram.

STFTSpectrogram computes its short-time Fourier transform as a strided 1D convolution whose kernels are the real and
imaginary parts of the DFT basis times the window: `real_kernel` and `imag_kernel`, each (frame_length, 1,
fft_length // 2 + 1) (the real one unless mode is "imag", the imaginary one unless it is "real"). Keras 3 creates
them with add_weight's defaults, so they are trainable and counted like any weight unless the layer is built with
trainable = false. Each input channel is transformed on its own; the frames follow Conv1D's rule (frame_length
window, frame_step stride, "valid" or "same").

MelSpectrogram has no weights: its STFT, mel filter bank and decibel scale are computed in call(). An input of
length T (one signal per example, longer than fft_length // 2: the STFT pads it by reflection) gives num_mel_bins x floor((T + sequence_stride + 1) / sequence_stride) frames as Keras declares them; its call
gives floor((T + 2 * (fft_length // 2) - fft_length) / sequence_stride) + 1, and symparam refuses a signal length
where the two differ (as it does for Resizing's declared and computed shapes).
"""

from __future__ import annotations

import sympy

from ..errors import SymparamError
from ..shapes import conv_length
from . import register
from .base import Choice, Flag, LayerKind, Opaque, Real, Size
from .core import format_shape
from .costs import times

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


def _power_of_two_at_least(n: sympy.Expr, key: str) -> sympy.Expr:
    """2 ** ceil(log2(n)): Keras's default fft_length; it needs frame_length known."""
    if not n.is_number:
        raise SymparamError(f"fft_length must be given when {key} is a symbol (Keras defaults it to the next power of "
                            f"two, 2**ceil(log2({key}))). Received: {key} = {n}.")
    return sympy.Integer(1 << (int(n) - 1).bit_length())


@register
class STFTSpectrogram(LayerKind):
    name = "STFTSpectrogram"
    # Beyond its input (for the kernels' gradient) Keras keeps the real and imaginary frames and what its log or
    # magnitude mode computes from them (767,848 bytes against the input's 128,000 on the catalogue example, batch
    # 2): not modelled yet.
    saves = ("unmodelled",)
    example = ({"frame_length": 256, "frame_step": 128, "fft_length": 256}, ["T", 1], {"T": 16000})
    summary = "a short-time Fourier transform as a strided convolution: real and imaginary DFT kernels"
    no_twin = "PyTorch computes the STFT with torch.stft, which holds no weights"
    args = {"mode": Choice(*_MODES, default="log", any_case=False), "frame_length": Size(256),
            "frame_step": Size(None), "fft_length": Size(None), "window": Opaque("hann"), "periodic": Flag(False),
            "scaling": Opaque("density"), "padding": Choice("valid", "same", default="valid", any_case=False),
            "expand_dims": Flag(False), "data_format": Choice("channels_last", "channels_first",
                                                               default="channels_last")}

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 2:
            raise SymparamError(f"{self.name} expects signals (time, channels) besides the batch axis "
                                f"(channels_first: (channels, time)). Received input shape {format_shape(x)}.")
        if a.scaling not in (None, "density", "spectrum"):
            raise SymparamError(f'scaling must be "density", "spectrum" or "none". Received: scaling = {a.scaling}.')
        length = a.frame_length
        step = a.frame_step if a.frame_step is not None else sympy.floor(length / 2)
        if a.frame_step is not None:
            b.require(sympy.Le(a.frame_step, length), "frame_step", "frame_step must not be greater than "
                      "frame_length", f"frame_step = {a.frame_step}, frame_length = {length}")
        fft = a.fft_length if a.fft_length is not None else _power_of_two_at_least(length, "frame_length")
        b.require(sympy.Ge(fft, length), "fft_length", "fft_length must not be less than frame_length",
                  f"fft_length = {fft}, frame_length = {length}")
        step_shown = step
        b.require(sympy.Ge(step, 1), "frame_length", "frame_length // 2 (the default frame_step) must be at least 1",
                  f"frame_length = {length}, frame_step = {step_shown}")
        channels, time = (x[0], x[1]) if a.data_format == "channels_first" else (x[1], x[0])
        bins = sympy.floor(fft / 2) + 1
        kernel = (length, sympy.Integer(1), bins)
        for part in ("real", "imag"):
            if a.mode != ("imag" if part == "real" else "real"):
                b.weight(f"{part}_kernel", kernel, role=f"{'real' if part == 'real' else 'imaginary'} DFT kernel "
                         "taps", labels=("L", "1", "F"), category="weight")
        frames, condition = conv_length(time, length, step, sympy.Integer(1), a.padding)
        if condition is not None:
            b.require(condition, "frame_length", "a 'valid' frame needs the signal at least frame_length long",
                      f"signal length {time}")
        kernels = 2 if a.mode not in ("real", "imag") else 1
        b.cost("matmul", times(frames, channels, length, bins, kernels),
               words="frames x channels x frame_length taps x frequency bins, per kernel")
        freq = bins * 2 if a.mode == "stft" else bins
        if a.expand_dims:
            return (channels, frames, freq) if a.data_format == "channels_first" else (frames, freq, channels)
        merged = None if channels is None else freq * channels
        return (merged, frames) if a.data_format == "channels_first" else (frames, merged)


@register
class MelSpectrogram(LayerKind):
    name = "MelSpectrogram"
    saves = ("none",)
    example = ({"fft_length": 2048, "sequence_stride": 512, "num_mel_bins": "mels"}, ["T"],
               {"mels": 128, "T": 16000})
    summary = "a signal's mel-scaled spectrogram (STFT, mel filter bank, decibels): num_mel_bins x frames"
    no_params = "the STFT, the mel filter bank and the decibel scale are computed, not learned"
    args = {"fft_length": Size(2048), "sequence_stride": Size(512), "sequence_length": Size(None),
            "window": Choice("hann", "hamming", default="hann", any_case=False), "sampling_rate": Real(16000, 0.0),
            "num_mel_bins": Size(128), "min_freq": Opaque(20.0), "max_freq": Opaque(), "power_to_db": Opaque(True),
            "top_db": Opaque(80.0), "mag_exp": Opaque(2.0), "min_power": Opaque(1e-10), "ref_power": Opaque(1.0)}

    def build(self, a, inputs, b):
        (x,) = inputs
        if len(x) != 1:
            raise SymparamError(f"{self.name} expects one signal per example (time,) besides the batch axis. "
                                f"Received input shape {format_shape(x)}.")
        window = a.sequence_length if a.sequence_length is not None else a.fft_length
        b.require(sympy.Ge(a.fft_length, window), "sequence_length", "fft_length must be at least sequence_length",
                  f"sequence_length = {window}, fft_length = {a.fft_length}")
        (time,) = x
        if time is not None:   # the STFT centres each frame, reflecting fft_length // 2 values at each end
            half = sympy.floor(a.fft_length / 2)
            b.require(sympy.Gt(time, half), "fft_length", "the signal must be longer than fft_length // 2 (the STFT "
                      "pads it by reflection)", f"signal length {time}, fft_length = {a.fft_length}")
        stride = a.sequence_stride
        frames = None if time is None else sympy.floor((time + stride + 1) / stride)   # what Keras declares
        if time is not None:   # ... and what its call gives: frames of the padded signal, fft_length apart
            computed = sympy.floor((time + 2 * sympy.floor(a.fft_length / 2) - a.fft_length) / stride) + 1
            b.require(sympy.Eq(frames, computed), "sequence_stride", "Keras declares floor((T + sequence_stride + 1) "
                      "/ sequence_stride) frames but its call gives floor((T + 2 * (fft_length // 2) - fft_length) / "
                      "sequence_stride) + 1: the two must agree", f"signal length {time}, sequence_stride = {stride}")
        b.cost("matmul", times(frames, sympy.floor(a.fft_length / 2) + 1, a.num_mel_bins),
               words="the mel filter bank: frames x frequency bins x mel bins (the FFT itself is not counted)")
        b.cost("elementwise", times(frames, a.num_mel_bins), words="the decibel scale: one per output value")
        return (a.num_mel_bins, frames)
