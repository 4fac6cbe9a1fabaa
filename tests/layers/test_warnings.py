"""A transposed convolution with an explicit output_padding and "same" padding gives an axis of length 0 when
(n - 1) * s + (d * (k - 1) + 1) % 2 + output_padding is 0 (n = 1, an even span, output_padding 0). Keras builds it:
its weights do not depend on the length. symparam counts it as Keras does and warns (one line on stderr, exit 0);
every fact, the 0 included, is checked against live Keras."""

from __future__ import annotations

import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.cases import SETTINGS, Case, framework_facts, record_facts, symparam_record


@st.composite
def empty_transposes(draw):
    """Conv1DTranspose cases that Keras gives a length-0 axis, and their near neighbours (length 1, 2)."""
    kwargs = {"filters": draw(st.integers(1, 5)), "kernel_size": draw(st.sampled_from([2, 4, 1, 3])),
              "padding": "same", "output_padding": 0}
    if draw(st.booleans()):
        kwargs["strides"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        kwargs["use_bias"] = draw(st.booleans())
    first = draw(st.booleans())
    if first:
        kwargs["data_format"] = "channels_first"
    length, channels = draw(st.sampled_from([1, 1, 1, 2])), draw(st.integers(1, 4))
    return Case("Conv1DTranspose", kwargs, (channels, length) if first else (length, channels))


@settings(max_examples=40, **SETTINGS)
@given(empty_transposes())
def test_a_length_0_axis_is_counted_as_keras_counts_it_and_warned_of(case):
    expected = framework_facts(case)
    rec = symparam_record(case)
    assert record_facts(rec) == expected
    empty = any(d == 0 for d in expected.output_shape)
    assert bool(rec.warnings) == empty, rec.warnings
    if empty:
        assert "length 0" in rec.warnings[0]


def test_the_empty_axis_is_one_warning_line_and_exit_0(tmp_path):
    spec = tmp_path / "empty.toml"
    spec.write_text('[network]\nname = "n"\ninput = [1, 3]\n\n[[layers]]\ntype = "Conv1DTranspose"\nfilters = 4\n'
                    'kernel_size = 2\nstrides = 2\npadding = "same"\noutput_padding = 0\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "symparam", "derive", str(spec), "--json"], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"warning: {spec}: layer 1 'conv1d_transpose' (Conv1DTranspose): "
                                                   "output axis 1 has length 0"), run.stderr
    result = json.loads(run.stdout)
    assert (result["total"], result["layers"][0]["output_shape"]) == (2 * 4 * 3 + 4, [0, 4])   # k·F·C_in + F


def test_a_symbolic_length_that_binds_to_0_is_still_an_error():
    """Only a length that is 0 as built is warned of; one that becomes 0 at a binding stays a refusal."""
    import pytest

    from symparam.api import load_dict
    from symparam.errors import SymparamError
    spec = {"network": {"name": "n", "input": ["n", 3], "symbols": {"n": 1}},
            "layers": [{"type": "Conv1DTranspose", "filters": 4, "kernel_size": 2, "padding": "same",
                        "output_padding": 0}]}
    with pytest.raises(SymparamError):
        load_dict(spec)
