"""Graphs, blocks, repetition, shared and tied weights; the transformer examples' published counts."""

import pytest
import sympy

from symparam.api import load, load_text
from symparam.cli import main
from symparam.errors import SymparamError


def sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


# GPT-2 as published on the HF hub (small, medium, large, XL): tied embeddings, wpe included.
@pytest.mark.parametrize("values, total", [
    ({}, 124_439_808),
    ({"n_layer": 24, "d_model": 1024, "n_head": 16}, 354_823_168),
    ({"n_layer": 36, "d_model": 1280, "n_head": 20}, 774_030_080),
    ({"n_layer": 48, "d_model": 1600, "n_head": 25}, 1_557_611_200),
])
def test_gpt2_published_sizes(values, total):
    assert load("examples/gpt2.toml", **values).total == total


def test_gpt2_closed_form():
    # By hand, per block: 2 layer norms 4d, attention 4d^2 + 4d, MLP d*4d + 4d + 4d*d + d: 12d^2 + 13d; plus the
    # token and position embeddings and the final layer norm; the output projection is the token embedding.
    net = load("examples/gpt2.toml", symbolic=True)
    n_layer, d, vocab, n_ctx = sym("n_layer"), sym("d_model"), sym("vocab"), sym("n_ctx")
    assert sympy.expand(net.total - (n_layer * (12 * d**2 + 13 * d) + d * (vocab + n_ctx + 2))) == 0


def test_gpt2_leading_term(capsys):
    assert main(["derive", "examples/gpt2.toml", "--symbolic", "--leading"]) == 0
    out = capsys.readouterr().out
    assert "Leading term of the non-embedding parameters: 12·d_model^2·n_layer" in out
    assert "lower-order terms: d_model·(13·n_layer + 2)" in out
    assert "embeddings (wte, wpe): d_model·(n_ctx + vocab)" in out


def test_gpt2_table_marks_the_tie_and_the_repeat(capsys):
    assert main(["derive", "examples/gpt2.toml"]) == 0
    out = capsys.readouterr().out
    assert "kernel tied to wte/embeddings, counted there" in out
    assert "n_layer × (" in out and "Connected to" in out


def test_bert_base():
    # Embeddings 30522*768 + 512*768 + 2*768 + LN 2*768; per block 4(768^2 + 768) + 2*768 + 768*3072 + 3072
    # + 3072*768 + 768 + 2*768; pooler 768^2 + 768.
    by_hand = (30522 + 512 + 2 + 2) * 768 + 12 * (4 * (768**2 + 768) + 4 * 768 + 2 * 768 * 3072 + 3072 + 768) \
        + 768**2 + 768
    assert by_hand == 109_482_240
    assert load("examples/bert_base.toml").total == 109_482_240


BLOCK = """
[network]
input = [16, "c"]
[blocks.residual]
args = { width = "required", inner = "2*width" }
inputs = ["x"]
output = "sum"
[[blocks.residual.layers]]
type = "Dense"
name = "up"
units = "inner"
[[blocks.residual.layers]]
type = "Dense"
name = "down"
units = "width"
[[blocks.residual.layers]]
type = "Add"
name = "sum"
inputs = ["x", "down"]
[[layers]]
type = "residual"
name = "stack"
width = "c"
repeat = "depth"
"""


def test_repeat_carries_the_count_symbolically():
    net = load_text(BLOCK, symbolic=True)
    c, depth = sym("c"), sym("depth")
    per_block = (c * 2 * c + 2 * c) + (2 * c * c + c)
    assert sympy.expand(net.total - depth * per_block) == 0
    assert [layer.name for layer in net.layers] == ["stack/up", "stack/down", "stack/sum"]
    assert load_text(BLOCK, c=8, depth=10**9).total == 10**9 * (8 * 16 + 16 + 16 * 8 + 8)


def test_nested_blocks_multiply_their_repeats():
    text = BLOCK + """
[blocks.twice]
args = { w = "required" }
inputs = ["x"]
[[blocks.twice.layers]]
type = "residual"
name = "r"
width = "w"
repeat = 2
"""
    text = text.replace('type = "residual"\nname = "stack"', 'type = "twice"\nname = "stack"').replace(
        'width = "c"\nrepeat = "depth"', 'w = "c"\nrepeat = "depth"')
    net = load_text(text, symbolic=True)
    assert net.layers[0].name == "stack/r/up" and net.layers[0].repeat == 2 * sym("depth")


@pytest.mark.parametrize("change, fragment, where", [
    (('units = "width"', 'units = "width + 1"'), "must map its output shape onto its input shape",
     "layer 1 'stack' (residual)"),
    (('width = "c"', 'widht = "c"'), "no argument 'widht'", "layer 1 'stack' (residual)"),
    (('width = "c"\n', ''), "width is required by block residual", "layer 1 'stack' (residual)"),
    # inside the block: the layer's position in the network and its full name, and the block it is in
    (('inputs = ["x", "down"]', 'inputs = ["x", "nowhere"]'), "'nowhere'",
     "layer 3 'stack/sum' (Add) in block residual"),
])
def test_block_mistakes(change, fragment, where):
    with pytest.raises(SymparamError, match=fragment) as info:
        load_text(BLOCK.replace(*change), symbolic=True)
    assert f"<spec>: {where}: " in str(info.value)


SHARED = """
[network]
input = { a = [8], b = [8] }
outputs = ["merged"]
[[layers]]
type = "Dense"
name = "encoder"
units = 4
inputs = ["a"]
[[layers]]
type = "Dense"
name = "encoder_again"
units = 4
inputs = ["b"]
share = "encoder"
[[layers]]
type = "Concatenate"
name = "merged"
inputs = ["encoder", "encoder_again"]
"""


def test_shared_layer_counted_once_as_keras_does():
    net = load_text(SHARED)
    assert net.total == 8 * 4 + 4
    keras = pytest.importorskip("keras", reason="Keras 3 is not installed (pip install '.[oracle]')")
    a, b = keras.Input((8,)), keras.Input((8,))
    encoder = keras.layers.Dense(4)
    model = keras.Model([a, b], keras.layers.Concatenate()([encoder(a), encoder(b)]))
    assert model.count_params() == net.total


def test_shared_layer_must_match():
    with pytest.raises(SymparamError, match="must be the same as encoder's"):
        load_text(SHARED.replace('units = 4\ninputs = ["b"]', 'units = 5\ninputs = ["b"]'))


def test_tie_must_hold_the_same_number_of_values():
    text = """
[network]
input = [10]
[[layers]]
type = "Embedding"
name = "emb"
input_dim = 100
output_dim = 16
[[layers]]
type = "Dense"
name = "head"
units = 99
use_bias = false
tie = { kernel = "emb/embeddings" }
"""
    with pytest.raises(SymparamError, match="same number of values"):
        load_text(text)
    assert load_text(text.replace("units = 99", "units = 100")).total == 100 * 16


def test_disconnected_layer_is_an_error():
    with pytest.raises(SymparamError, match="'stray' is not connected to the outputs"):
        load_text(SHARED.replace('[[layers]]\ntype = "Concatenate"', '[[layers]]\ntype = "Dense"\nname = "stray"\n'
                                 'units = 2\ninputs = ["a"]\n[[layers]]\ntype = "Concatenate"'))


def test_cycle_is_an_error():
    with pytest.raises(SymparamError, match="defined later"):
        load_text('[network]\ninput = [4]\n[[layers]]\ntype = "Dense"\nname = "a"\nunits = 2\ninputs = ["b"]\n'
                  '[[layers]]\ntype = "Dense"\nname = "b"\nunits = 2\ninputs = ["a"]\n')


def test_merge_shapes_that_cannot_be_decided_become_assumptions():
    net = load_text('[network]\ninput = { a = ["n"], b = ["m"] }\n[[layers]]\ntype = "Concatenate"\n'
                    'axis = 0\ninputs = ["a", "b"]\n[[layers]]\ntype = "Subtract"\ninputs = ["a", "b"]\n',
                    symbolic=True)
    assert any("m" in str(c.relation) and "n" in str(c.relation) for _, c in net.assumptions)


def test_resnet50_keras_minus_torchvision_is_explained(capsys):
    """Keras's ResNet-50 has 79,680 more parameters than torchvision's: its convolutions carry biases (26,560)
    and its BN moving statistics are weights (53,120), where torchvision keeps them as buffers."""
    from symparam.diff import compare
    keras_net, torch_net = load("examples/resnet50.toml"), load("examples/resnet50_torch.toml")
    d = compare(torch_net, keras_net)
    assert d.change == 79_680
    assert {k: v for k, v in d.explain().items() if v != 0} == {"bias": 26_560, "statistic": 53_120}
    # torchvision's BN running statistics: 53,120 means and variances and 53 num_batches_tracked
    assert {k: v for k, v in d.buffers().items() if v != 0} == {"statistic": -53_173}
    assert main(["diff", "examples/resnet50_torch.toml", "examples/resnet50.toml"]) == 0
    out = capsys.readouterr().out
    assert "Where B - A comes from: (26,560) biases + (53,120) statistics" in out
    assert "Buffers (not parameters), B - A: (-53,173) statistics" in out
