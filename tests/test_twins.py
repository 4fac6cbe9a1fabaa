"""derive --convention: each Keras layer beside its PyTorch twin, both sides checked against the live frameworks."""

import pytest
from hypothesis import given, settings, strategies as st

from symparam.engine import derive
from symparam.spec import from_dict
from symparam.twins import translate

keras_facts = pytest.importorskip("tests.oracle.keras_facts", reason="Keras 3 is not installed (pip install '.[oracle]')")
torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install '.[oracle]')")
nn = torch.nn


def torch_counts(module):
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers())
    return params, buffers


def keras_params(type_name, kwargs, input_shape):
    if type_name != "Bidirectional":
        return keras_facts.keras_layer_facts(type_name, kwargs, input_shape).params
    keras = keras_facts.keras
    inner = dict(kwargs["layer"])
    layer = keras.layers.Bidirectional(getattr(keras.layers, inner.pop("type"))(**inner))
    layer(keras.Input(shape=input_shape))
    return layer.count_params()


def check(type_name, kwargs, input_shape, module):
    net = derive(from_dict({"network": {"input": list(input_shape)}, "layers": [{"type": type_name, **kwargs}]}))
    row = translate(net, "torch").rows[0]
    assert int(row.layer.params) == keras_params(type_name, kwargs, input_shape)
    assert row.record is not None, row.reason
    assert (int(row.params), int(row.buffers)) == torch_counts(module)


@given(st.integers(1, 40), st.integers(1, 40), st.booleans())
@settings(max_examples=25, deadline=None)
def test_dense_and_linear(n_in, units, bias):
    check("Dense", {"units": units, "use_bias": bias}, (n_in,), nn.Linear(n_in, units, bias=bias))


@given(st.integers(1, 3), st.sampled_from([1, 2, 4]), st.integers(1, 4), st.booleans())
@settings(max_examples=25, deadline=None)
def test_conv2d(k, groups, per_group, bias):
    c_in, filters = 4 * per_group, 2 * groups * per_group
    if c_in % groups or filters % groups:
        return
    check("Conv2D", {"filters": filters, "kernel_size": k, "groups": groups, "use_bias": bias}, (9, 9, c_in),
          nn.Conv2d(c_in, filters, k, groups=groups, bias=bias))


@given(st.integers(1, 16), st.sampled_from([(5,), (3, 5), (4, 4, 5), (2, 3, 3, 5)]), st.booleans())
@settings(max_examples=25, deadline=None)
def test_batch_norm(_, shape, affine):
    c = shape[-1]
    torch_kind = {1: nn.BatchNorm1d, 2: nn.BatchNorm1d, 3: nn.BatchNorm2d, 4: nn.BatchNorm3d}[len(shape)]
    check("BatchNormalization", {"center": affine, "scale": affine}, shape, torch_kind(c, affine=affine))


@given(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]), st.integers(1, 12), st.integers(1, 12), st.booleans(),
       st.booleans())
@settings(max_examples=30, deadline=None)
def test_recurrent(kind, n_in, units, bias, bidirectional):
    module = {"SimpleRNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[kind](n_in, units, bias=bias,
                                                                         bidirectional=bidirectional)
    layer = {"type": kind, "units": units, "use_bias": bias}
    if bidirectional:
        check("Bidirectional", {"layer": layer}, (7, n_in), module)
    else:
        check(kind, {"units": units, "use_bias": bias}, (7, n_in), module)


def test_embedding():
    check("Embedding", {"input_dim": 50, "output_dim": 8}, (11,), nn.Embedding(50, 8))


def test_no_twin_is_said_plainly():
    net = derive(from_dict({"network": {"input": [5, 3]}, "layers": [{"type": "GRU", "units": 4,
                                                                       "reset_after": False}]}))
    row = translate(net, "torch").rows[0]
    assert row.record is None and "reset_after = false has no PyTorch twin" in row.reason


def test_lstm_difference_is_one_bias_vector_per_gate(capsys, write_spec):
    from symparam.cli import main
    path = write_spec('[network]\ninput = ["T", "n"]\n[[layers]]\ntype = "LSTM"\nunits = "u"\n')
    assert main(["derive", str(path), "--convention", "torch", "--symbolic"]) == 0
    out = capsys.readouterr().out
    assert "PyTorch - Keras: 4·u" in out   # PyTorch's second bias vector: 4 gates of u


def keras_layer_params(layer, input_shape):
    keras = keras_facts.keras
    layer(keras.Input(shape=input_shape))
    return layer.count_params()


@pytest.mark.parametrize("type_name, kwargs, input_shape, module, keras_layer, keras_shape", [
    ("nn.Linear", {"out_features": 7}, (5,), nn.Linear(5, 7), lambda k: k.layers.Dense(7), (5,)),
    ("nn.Conv2d", {"out_channels": 6, "kernel_size": 3, "groups": 2}, (4, 9, 9), nn.Conv2d(4, 6, 3, groups=2),
     lambda k: k.layers.Conv2D(6, 3, groups=2), (9, 9, 4)),
    ("nn.BatchNorm2d", {}, (5, 4, 4), nn.BatchNorm2d(5), lambda k: k.layers.BatchNormalization(), (4, 4, 5)),
    ("nn.BatchNorm1d", {"bias": False}, (5,), nn.BatchNorm1d(5, bias=False),
     lambda k: k.layers.BatchNormalization(center=False), (5,)),
    ("nn.LSTM", {"hidden_size": 6, "bidirectional": True}, (7, 3), nn.LSTM(3, 6, bidirectional=True),
     lambda k: k.layers.Bidirectional(k.layers.LSTM(6, return_sequences=True)), (7, 3)),
    ("nn.GRU", {"hidden_size": 4}, (7, 3), nn.GRU(3, 4), lambda k: k.layers.GRU(4), (7, 3)),
    ("nn.RNN", {"hidden_size": 4, "nonlinearity": "relu"}, (7, 3), nn.RNN(3, 4, nonlinearity="relu"),
     lambda k: k.layers.SimpleRNN(4, activation="relu"), (7, 3)),
    ("nn.Embedding", {"num_embeddings": 30, "embedding_dim": 4}, (6,), nn.Embedding(30, 4),
     lambda k: k.layers.Embedding(30, 4), (6,)),
    ("nn.ConvTranspose2d", {"out_channels": 5, "kernel_size": 3}, (4, 6, 6), nn.ConvTranspose2d(4, 5, 3),
     lambda k: k.layers.Conv2DTranspose(5, 3), (6, 6, 4)),
    ("nn.GroupNorm", {"num_groups": 2}, (6, 5, 5), nn.GroupNorm(2, 6),
     lambda k: k.layers.GroupNormalization(groups=2), (5, 5, 6)),
    ("nn.InstanceNorm2d", {"affine": True}, (6, 5, 5), nn.InstanceNorm2d(6, affine=True),
     lambda k: k.layers.GroupNormalization(groups=-1), (5, 5, 6)),
])
def test_torch_layers_beside_their_keras_twins(type_name, kwargs, input_shape, module, keras_layer, keras_shape):
    net = derive(from_dict({"network": {"input": list(input_shape), "convention": "torch"},
                            "layers": [{"type": type_name, **kwargs}]}))
    row = translate(net, "keras").rows[0]
    assert (int(row.layer.params), int(row.layer.buffers)) == torch_counts(module)
    assert row.record is not None, row.reason
    assert int(row.params) == keras_layer_params(keras_layer(keras_facts.keras), keras_shape)


@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (False, False)])
def test_layer_norm_twins(center, scale):
    module = nn.LayerNorm(6, elementwise_affine=scale, bias=center)
    check("LayerNormalization", {"center": center, "scale": scale}, (4, 6), module)
    net = derive(from_dict({"network": {"input": [4, 6], "convention": "torch"},
                            "layers": [{"type": "nn.LayerNorm", "normalized_shape": 6, "elementwise_affine": scale,
                                        "bias": center}]}))
    row = translate(net, "keras").rows[0]
    keras = keras_facts.keras
    assert int(row.params) == keras_layer_params(keras.layers.LayerNormalization(center=center, scale=scale), (4, 6))


def test_layer_norm_over_two_trailing_axes():
    check("LayerNormalization", {"axis": [-2, -1]}, (3, 4, 6), nn.LayerNorm((4, 6)))


def test_tied_reversible_embedding_twin():
    check("ReversibleEmbedding", {"input_dim": 10, "output_dim": 3}, (5,), nn.Embedding(10, 3))


@pytest.mark.parametrize("axis, shape", [(-1, (4, 6)), ([-2, -1], (3, 4, 6))])
def test_rms_norm_twins(axis, shape):
    check("RMSNormalization", {"axis": axis}, shape, nn.RMSNorm(shape[len(shape) - (1 if axis == -1 else 2):]))
    normalized = list(shape[1:]) if axis != -1 else shape[-1]
    net = derive(from_dict({"network": {"input": list(shape), "convention": "torch"},
                            "layers": [{"type": "nn.RMSNorm", "normalized_shape": normalized}]}))
    row = translate(net, "keras").rows[0]
    assert int(row.params) == keras_layer_params(keras_facts.keras.layers.RMSNormalization(axis=axis), shape)


def test_conv_transpose_depthwise_and_group_norm_twins():
    check("Conv2DTranspose", {"filters": 5, "kernel_size": 3}, (6, 6, 4), nn.ConvTranspose2d(4, 5, 3))
    check("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (7, 7, 4), nn.Conv2d(4, 8, 3, groups=4))
    check("GroupNormalization", {"groups": 2}, (5, 5, 6), nn.GroupNorm(2, 6))
    check("GroupNormalization", {"groups": 3, "center": False}, (5, 6), nn.GroupNorm(3, 6, bias=False))


def keras_mha_params(num_heads, key_dim, q_shape, v_shape):
    keras = keras_facts.keras
    layer = keras.layers.MultiHeadAttention(num_heads=num_heads, key_dim=key_dim)
    layer(keras.Input(shape=q_shape), keras.Input(shape=v_shape))
    return layer.count_params()


@pytest.mark.parametrize("heads, key_dim, e_v", [(2, 4, 8), (4, 2, 5), (1, 8, 3)])
def test_multi_head_attention_twin(heads, key_dim, e_v):
    e = heads * key_dim
    net = derive(from_dict({"network": {"input": {"q": [5, e], "v": [7, e_v]}},
                            "layers": [{"type": "MultiHeadAttention", "num_heads": heads, "key_dim": key_dim,
                                        "inputs": ["q", "v"]}]}))
    row = translate(net, "torch").rows[0]
    assert int(row.layer.params) == keras_mha_params(heads, key_dim, (5, e), (7, e_v))
    assert (int(row.params), int(row.buffers)) == torch_counts(nn.MultiheadAttention(e, heads, kdim=e_v, vdim=e_v))


def test_multi_head_attention_without_a_twin():
    net = derive(from_dict({"network": {"input": {"q": [5, 6], "v": [7, 6]}},
                            "layers": [{"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4,
                                        "inputs": ["q", "v"]}]}))
    row = translate(net, "torch").rows[0]
    assert row.record is None and "num_heads * key_dim" in row.reason



def test_torch_multihead_attention_beside_keras():
    net = derive(from_dict({"network": {"input": [5, 8], "convention": "torch"},
                            "layers": [{"type": "nn.MultiheadAttention", "num_heads": 2}]}))
    row = translate(net, "keras").rows[0]
    assert (int(row.layer.params), int(row.layer.buffers)) == torch_counts(nn.MultiheadAttention(8, 2))
    assert int(row.params) == keras_mha_params(2, 4, (5, 8), (5, 8))


def test_time_distributed_dense_beside_linear():
    net = derive(from_dict({"network": {"input": [7, 5]},
                            "layers": [{"type": "TimeDistributed", "layer": {"type": "Dense", "units": 3}}]}))
    row = translate(net, "torch").rows[0]
    assert int(row.params) == sum(p.numel() for p in nn.Linear(5, 3).parameters()) == int(row.layer.params)


@pytest.mark.parametrize("type_name, kwargs, module", [
    ("DepthwiseConv2D", {"kernel_size": 5, "padding": "same"}, nn.Conv2d(4, 4, 5, groups=4)),
    ("DepthwiseConv2D", {"kernel_size": 5, "strides": 2, "padding": "same"}, nn.Conv2d(4, 4, 5, groups=4)),
    ("Conv2D", {"filters": 6, "kernel_size": 5, "strides": 2, "padding": "same"}, nn.Conv2d(4, 6, 5)),
    ("Conv2D", {"filters": 6, "kernel_size": 4, "padding": "same"}, nn.Conv2d(4, 6, 4)),
])
def test_a_same_window_larger_than_its_map_has_a_twin(type_name, kwargs, module):
    """Keras pads a "same" window to any map (MobileNetV3Small's 5x5 depthwise on 3x3 at img_size 96): the twin
    builds there too (it refused it: a valid twin's kernel longer than the input), with torch's counts."""
    check(type_name, kwargs, (3, 3, 4), module)


def test_mobilenet_v3_small_at_96_verifies_in_torch():
    """The gallery's MobileNetV3Small at 96x96 (the size at which its late 5x5 depthwise convolutions see 3x3 maps)
    exports to torch and verifies exactly."""
    import symparam
    from pathlib import Path
    net = symparam.load(Path(__file__).resolve().parent.parent / "examples" / "mobilenet_v3.toml",
                        variant="small", img_size=96)
    report = net.verify("torch")
    assert report.verified, report.text()
