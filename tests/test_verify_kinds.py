"""export and verify of the kinds the file writes itself or through their cells (issue 15): keras.ops calls between
layers, RNN over cells, Mixtral's mixture of experts and ViT's embeddings.

Each spec is exported to Keras and to PyTorch, the written file is run (tests/test_export.py's run_written: the test
runs code symparam wrote), its model holds layer by layer what the plan says and verify says verified with the
exact count worked by hand here. The classes the file defines are checked against the framework they stand for:
the same named parameters and shapes as transformers' modules (their state dicts load strictly) and the same outputs
on real numbers, and the written keras.ops calls compute what Keras computes.
"""

from __future__ import annotations

import math
import warnings


import numpy as np
import pytest

from oracle.cases import require
from symparam.account import build as account_of
from symparam.engine import derive_file
from symparam.export import export, plan_for
from symparam.verify import verify
from test_export import FRAMEWORKS, _expected, one_line, run, run_written


def _account(write_spec, text: str, name: str = "spec.toml"):
    return account_of(derive_file(write_spec(text, name)))


def _round_trip(tmp_path, account, target, total: int):
    """The written file's model holds what the plan says, layer by layer, and verify agrees at `total`."""
    plan, facts, totals, model, namespace = run_written(tmp_path, account, target)
    assert facts == _expected(plan)
    assert totals[0] == total
    report = verify(account, target)
    assert report.verified, report.text()
    assert report.total == total
    return plan, model, namespace


# ---- keras.ops calls between layers ------------------------------------------------------------------------------

def _imported_ops_model():
    """A Keras functional model with keras.ops calls between its layers, as users write them: x / 255.0, a
    residual ops.add, ops.maximum with a number, and a broadcast ops.multiply by a (timesteps, 1) gate."""
    require("keras")
    import keras
    x = keras.Input((6, 4), name="x")
    scaled = x / 255.0
    h = keras.layers.Dense(4, name="fc")(scaled)
    y = keras.ops.maximum(keras.ops.add(scaled, h), 0.5)
    gate = keras.layers.Dense(1, name="gate")(y)
    return keras.Model(x, keras.ops.multiply(y, gate), name="ops_model")


def _imported(model, tmp_path):
    """The account of a Keras model's to_json(), imported as `symparam import` does."""
    from symparam.importing import Options, convert
    from symparam.api import load_text
    path = tmp_path / f"{model.name}.json"
    path.write_text(model.to_json(), encoding="utf-8")
    return load_text(convert(str(path), Options(symbols={}))).account


def test_an_imported_models_keras_ops_calls_export_and_verify(tmp_path):
    model = _imported_ops_model()
    account = _imported(model, tmp_path)
    assert [layer.type for layer in account.layers if layer.type.startswith("ops.")] == \
        ["ops.divide", "ops.add", "ops.maximum", "ops.multiply"]
    total = (4 * 4 + 4) + (4 + 1)
    assert model.count_params() == total
    for target in FRAMEWORKS:
        _round_trip(tmp_path, account, target, total)


def test_a_number_before_the_tensor_stays_before_it(tmp_path):
    """255 - x and 2 / x (a number as the first operand, Keras's __rsub__ and __rtruediv__) import with
    scalar_first and are written in that order: the written Keras and torch models compute what the Keras model
    computes (it wrote x - 255 and x / 2: the same counts and shapes, other numbers)."""
    require("keras")
    torch = require("torch")
    import keras
    x = keras.Input((3,), name="x")
    h = keras.layers.Dense(3, name="fc")(255.0 - x)
    model = keras.Model(x, keras.ops.maximum(2.0 / h, 0.1) - 1.0, name="first_model")
    account = _imported(model, tmp_path)
    ops = [(layer.type, layer.record.args["scalar_first"]) for layer in account.layers if layer.type.startswith("ops.")]
    assert ops == [("ops.subtract", True), ("ops.divide", True), ("ops.maximum", False), ("ops.subtract", False)]
    values = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
    expected = keras.ops.convert_to_numpy(model(values))
    for target in FRAMEWORKS:
        _, written, _ = _round_trip(tmp_path, account, target, 3 * 3 + 3)   # verified, the written file run
        weights = [keras.ops.convert_to_numpy(w) for w in model.get_layer("fc").weights]
        if target == "keras":
            written.get_layer("fc").set_weights(weights)
            got = keras.ops.convert_to_numpy(written(values))
        else:
            namespace = {}
            exec(compile(export(account, "torch"), "first_torch.py", "exec"), namespace)   # runs symparam's output
            net = namespace["Net"]()   # on the CPU (the round trip built it on meta)
            with torch.no_grad():
                net.fc.weight.copy_(torch.from_numpy(weights[0].T))
                net.fc.bias.copy_(torch.from_numpy(weights[1]))
            got = net(torch.from_numpy(values)).detach().numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, err_msg=target)


def test_keras_applications_with_keras_ops_calls_verify_in_both_frameworks(tmp_path):
    """MobileNetV3Small's hard sigmoid (x + 3, then times 1/6: ops.add and ops.multiply with numbers) and residual
    additions, imported from its to_json(): verified in Keras at the model's own count, and in torch at its trainable
    count (Keras's moving statistics are torch buffers there)."""
    require("keras")
    import keras
    with warnings.catch_warnings(), keras.device("meta"):
        warnings.simplefilter("ignore")
        model = keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))
    account = _imported(model, tmp_path)
    assert {layer.type for layer in account.layers if layer.type.startswith("ops.")} == {"ops.add", "ops.multiply"}
    trainable = sum(math.prod(v.shape) for v in model.trainable_weights)
    for target, total in (("keras", model.count_params()), ("torch", trainable)):
        report = verify(account, target)
        assert report.verified, report.text()
        assert report.total == total


OPS_ONLY = """[network]
input = { x = [3, 4], y = [1, 4] }
[[layers]]
type = "ops.divide"
name = "scaled"
inputs = ["x"]
scalar = 255
[[layers]]
type = "ops.subtract"
name = "diff"
inputs = ["scaled", "y"]
[[layers]]
type = "ops.maximum"
name = "floor"
inputs = ["diff"]
scalar = 0.25
[[layers]]
type = "ops.minimum"
name = "both"
inputs = ["floor", "y"]
[[layers]]
type = "ops.multiply"
name = "scaled_back"
inputs = ["both"]
scalar = -2.0
"""


def _by_hand(x, y):
    return np.minimum(np.maximum(x / 255 - y, 0.25), y) * -2.0


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_written_keras_ops_compute_what_keras_computes(target, write_spec, tmp_path):
    """The operations in the written file are the spec's, in its order (the first operand first), broadcast as
    Keras broadcasts: run on numbers, the written model gives what the same keras.ops give."""
    account = _account(write_spec, OPS_ONLY)
    _, model, _ = _round_trip(tmp_path, account, target, 0)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 400, (2, 3, 4)).astype("float32"), rng.uniform(0, 1, (2, 1, 4)).astype("float32")
    if target == "keras":
        require("keras")
        import keras
        expected = keras.ops.convert_to_numpy(keras.ops.multiply(keras.ops.minimum(keras.ops.maximum(
            keras.ops.subtract(keras.ops.divide(x, 255), y), 0.25), y), -2.0))
        got = keras.ops.convert_to_numpy(model([x, y]))
    else:
        torch = require("torch")
        expected = _by_hand(x, y)
        namespace = {}
        exec(compile(export(account, "torch"), "ops_torch.py", "exec"), namespace)   # runs symparam's output
        got = namespace["Net"]()(torch.from_numpy(x), torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(got, _by_hand(x, y), rtol=1e-6)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# ---- RNN over cells ----------------------------------------------------------------------------------------------

CELLS = """[network]
input = [5, 3]
[[layers]]
type = "RNN"
name = "over_cell"
cell = { type = "LSTMCell", units = 4 }
return_sequences = true
[[layers]]
type = "RNN"
name = "over_stack"
cell = [{ type = "GRUCell", units = 4 }, { type = "GRUCell", units = 4 }]
[[layers]]
type = "Dense"
name = "out"
units = 2
"""

LSTM_KERAS, LSTM_TORCH = 4 * (3 * 4 + 4 * 4 + 4), 4 * (3 * 4 + 4 * 4 + 4 + 4)   # torch: two biases per gate
GRU = 3 * (4 * 4 + 4 * 4 + 4 + 4)   # reset_after: two biases in either framework
DENSE = 4 * 2 + 2


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_rnn_over_a_cell_and_over_a_stack_of_cells(target, write_spec, tmp_path):
    account = _account(write_spec, CELLS)
    assert int(account.total.value) == LSTM_KERAS + 2 * GRU + DENSE
    total = (LSTM_KERAS if target == "keras" else LSTM_TORCH) + 2 * GRU + DENSE
    _, model, _ = _round_trip(tmp_path, account, target, total)
    if target == "keras":
        import keras
        assert isinstance(model.get_layer("over_cell").cell, keras.layers.LSTMCell)
        stack = model.get_layer("over_stack").cell
        assert isinstance(stack, keras.layers.StackedRNNCells)
        assert [type(c).__name__ for c in stack.cells] == ["GRUCell", "GRUCell"]
    else:
        from torch import nn
        assert isinstance(model.over_cell, nn.LSTM) and model.over_cell.num_layers == 1
        assert isinstance(model.over_stack, nn.GRU) and model.over_stack.num_layers == 2


CELL_STATES = """[network]
input = [5, 3]
[[layers]]
type = "RNN"
name = "r"
cell = { type = "LSTMCell", units = 4 }
return_state = true
[[layers]]
type = "Dense"
name = "from_cell_state"
units = 2
inputs = ["r:2"]
"""


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_an_rnn_over_a_cell_gives_its_states(target, write_spec, tmp_path):
    """RNN(LSTMCell) with return_state: its output, hidden and cell states; a Dense reads the cell state."""
    account = _account(write_spec, CELL_STATES)
    plan, _, _ = _round_trip(tmp_path, account, target, (LSTM_KERAS if target == "keras" else LSTM_TORCH) + 4 * 2 + 2)
    rnn = next(n for n, _ in plan.nodes() if n.layer.name == "r")
    dense = next(n for n, _ in plan.nodes() if n.layer.name == "from_cell_state")
    assert dense.inputs == (rnn.more[1],)


RELU_CELLS = """[network]
input = [5, 3]
[[layers]]
type = "SimpleRNN"
name = "layer"
units = 4
activation = "relu"
return_sequences = true
[[layers]]
type = "RNN"
name = "over_cell"
cell = { type = "SimpleRNNCell", units = 4, activation = "relu" }
"""


def test_a_simple_rnns_relu_is_torchs_nonlinearity(write_spec, tmp_path):
    """SimpleRNN and RNN(SimpleRNNCell) with relu: nn.RNN(nonlinearity="relu"), not its tanh (same counts)."""
    account = _account(write_spec, RELU_CELLS)
    _, model, _ = _round_trip(tmp_path, account, "torch", (4 * 3 + 4 * 4 + 4 + 4) + (4 * 4 + 4 * 4 + 4 + 4))
    assert model.layer.nonlinearity == model.over_cell.nonlinearity == "relu"


STACK_OF_WIDTHS = """[network]
input = [5, 3]
[[layers]]
type = "RNN"
name = "stack"
cell = [{ type = "SimpleRNNCell", units = 4 }, { type = "LSTMCell", units = 2 }]
"""


def test_a_stack_of_cells_of_other_kinds_is_keras_only(write_spec, tmp_path, capsys):
    """Keras verifies it; torch has no one module for it: refused in one line saying why."""
    spec = write_spec(STACK_OF_WIDTHS)
    account = account_of(derive_file(spec))
    _round_trip(tmp_path, account, "keras", (3 * 4 + 4 * 4 + 4) + 4 * (4 * 2 + 2 * 2 + 2))
    code, out, err = run(capsys, "export", spec, "--to", "torch")
    assert code == 2 and out == ""
    one_line(err, "layer 1 'stack' (RNN): cannot be exported to torch",
             "a stack of cells of different kinds or widths has no one torch module")


# ---- the file's own classes: Mixtral's experts, ViT's embeddings --------------------------------------------------

MOE = """[network]
convention = "CONVENTION"
input = [5, 16]
[[layers]]
type = "MixtureOfExperts"
name = "moe"
num_experts = 4
top_k = 2
intermediate_size = 8
"""
MOE_TOTAL = 4 * 16 + 4 * (2 * 8 * 16) + 4 * (16 * 8)   # router, gate and up, down


@pytest.mark.parametrize("convention", FRAMEWORKS)
@pytest.mark.parametrize("target", FRAMEWORKS)
def test_mixture_of_experts_exports_in_either_convention(convention, target, write_spec, tmp_path):
    account = _account(write_spec, MOE.replace("CONVENTION", convention))
    assert int(account.total.value) == MOE_TOTAL
    _round_trip(tmp_path, account, target, MOE_TOTAL)


def _transformers():
    from importing.hf_oracle import transformers_module
    return transformers_module()


def test_the_written_experts_module_is_mixtrals(write_spec):
    """transformers' MixtralSparseMoeBlock's state dict loads strictly into the written module (the same names and
    shapes), and both give the same output; the written Keras layer too, given the same weights."""
    torch = require("torch")
    transformers = _transformers()
    from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock
    from symparam.export import keras_own, torch_modules
    config = transformers.MixtralConfig(hidden_size=16, intermediate_size=8, num_local_experts=4,
                                        num_experts_per_tok=2)
    torch.manual_seed(0)
    block = MixtralSparseMoeBlock(config).eval()
    for p in block.parameters():
        torch.nn.init.normal_(p, std=0.3)
    written = torch_modules.MixtureOfExperts(num_experts=4, top_k=2, intermediate_size=8, hidden_size=16)
    assert [(n, tuple(p.shape)) for n, p in written.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in block.named_parameters()]
    written.load_state_dict(block.state_dict(), strict=True)
    x = torch.randn(2, 5, 16)
    with torch.no_grad():
        want = block(x)
        want = want[0] if isinstance(want, tuple) else want
        torch.testing.assert_close(written(x), want, rtol=1e-5, atol=1e-5)
    layer = keras_own.MixtureOfExperts(num_experts=4, top_k=2, intermediate_size=8, hidden_size=16)
    layer.build((None, 5, 16))
    state = block.state_dict()
    layer.gate.assign(state["gate.weight"].numpy())
    layer.gate_up_proj.assign(state["experts.gate_up_proj"].numpy())
    layer.down_proj.assign(state["experts.down_proj"].numpy())
    np.testing.assert_allclose(np.asarray(layer(x.numpy()).detach()), want.numpy(), rtol=1e-4, atol=1e-5)


VIT = """[network]
convention = "torch"
input = [3, 32, 24]
[[layers]]
type = "ViTEmbeddings"
name = "embeddings"
hidden_size = 16
patch_size = 8
use_mask_token = MASK
[[layers]]
type = "nn.GELU"
name = "act"
[[layers]]
type = "nn.Linear"
name = "head"
out_features = 10
"""


def _vit_total(mask: bool) -> int:
    patches = (32 // 8) * (24 // 8)
    return 16 * (1 + mask + patches + 1) + 16 * 3 * 8 * 8 + 16 + 16 * 10 + 10


@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("target", FRAMEWORKS)
def test_vit_embeddings_export_and_verify(target, mask, write_spec, tmp_path):
    account = _account(write_spec, VIT.replace("MASK", str(mask).lower()))
    assert int(account.total.value) == _vit_total(mask)
    _round_trip(tmp_path, account, target, _vit_total(mask))


def test_an_image_read_by_vit_embeddings_is_not_fed_indices(write_spec):
    """ViT's class token and positions are embedding variables, but the image is pixels; an Embedding's input is
    indices (the fact is the kind's: it keeps its input as token indices)."""
    vit = _account(write_spec, VIT.replace("MASK", "false"), "vit.toml")
    assert [i.indices for i in plan_for(vit, "torch").inputs] == [False]
    assert 'dtype="int32"' not in export(vit, "keras")
    tokens = _account(write_spec, '[network]\ninput = [7]\n[[layers]]\ntype = "Embedding"\nname = "e"\n'
                                  'input_dim = 50\noutput_dim = 4\n', "tokens.toml")
    assert [i.indices for i in plan_for(tokens, "torch").inputs] == [True]


def test_the_written_vit_embeddings_are_transformers(write_spec):
    """transformers' ViTEmbeddings's state dict loads strictly into the written module, and both give the same
    output on an image; the written Keras layer too, given the same weights."""
    torch = require("torch")
    transformers = _transformers()
    from transformers.models.vit.modeling_vit import ViTEmbeddings
    from symparam.export import keras_own, torch_modules
    config = transformers.ViTConfig(hidden_size=16, patch_size=8, num_channels=3, image_size=32)
    torch.manual_seed(0)
    reference = ViTEmbeddings(config, use_mask_token=True).eval()
    for p in reference.parameters():
        torch.nn.init.normal_(p, std=0.3)
    written = torch_modules.ViTEmbeddings(hidden_size=16, patch_size=8, num_channels=3, num_patches=16,
                                          use_mask_token=True)
    assert sorted((n, tuple(p.shape)) for n, p in written.named_parameters()) == \
        sorted((n, tuple(p.shape)) for n, p in reference.named_parameters())
    written.load_state_dict(reference.state_dict(), strict=True)
    image = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        want = reference(image)
        torch.testing.assert_close(written(image), want, rtol=1e-5, atol=1e-5)
    layer = keras_own.ViTEmbeddings(hidden_size=16, patch_size=8, num_patches=16, use_mask_token=True)
    layer.build((None, 3, 32, 32))
    state = reference.state_dict()
    layer.cls_token.assign(state["cls_token"].numpy())
    layer.position_embeddings.assign(state["position_embeddings"].numpy())
    layer.projection.kernel.assign(state["patch_embeddings.projection.weight"].permute(2, 3, 1, 0).numpy())
    layer.projection.bias.assign(state["patch_embeddings.projection.bias"].numpy())
    np.testing.assert_allclose(np.asarray(layer(image.numpy()).detach()), want.numpy(), rtol=1e-4, atol=1e-5)
