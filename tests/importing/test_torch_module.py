"""`symparam import MODULE:FACTORY` and symparam.from_torch (symparam/importing/torch_module.py) against the
modules themselves: every parameter and buffer the module holds is counted, once, in total and under every
submodule (the layers named after a module's path and its descendants add up to that module's own count, read
from torch's named_parameters() and named_buffers(), never from symparam's output).

torchvision's classification models are the corpus (tests/oracle/torchvision_compat.py makes the registry's
CUDA-built torchvision import beside the CPU torch); small modules of tests/importing/symparam_torch_fixtures.py
cover tied weights, a module called twice, a frozen weight, an uncalled head, a custom module and bad inputs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


pytestmark = pytest.mark.filterwarnings("ignore:The default weight initialization:FutureWarning")   # inception_v3
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(scope="module")
def models(torch):
    import importlib.util
    if importlib.util.find_spec("torchvision") is None:
        pytest.skip("the torchvision corpus needs torchvision (pip install '.[oracle]')")
    from oracle.torchvision_compat import import_torchvision
    return import_torchvision().models


def _counts(module):
    params = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return params, trainable, sum(b.numel() for b in module.buffers())


def _under(net, path: str):
    """The layers that stand for the module at `path` or one of its descendants (its calls: path#2, ...)."""
    return [layer for layer in net.layers if layer.name == path or layer.name.startswith((f"{path}.", f"{path}#"))]


def assert_counted_exactly(net, module):
    """The total, trainable and buffer counts, and under every submodule its own count: its layers' variables, tied
    ones included (the total counts a tied tensor once; a submodule holds it whoever else does). A submodule inside
    a layer of a known kind (nn.MultiheadAttention's out_proj) is that layer's business."""
    params, trainable, buffers = _counts(module)
    assert (int(net.total), int(net.trainable), int(net.buffers)) == (params, trainable, buffers)
    names = {layer.name for layer in net.layers}
    wrong = []
    for path, sub in module.named_modules():
        parts = path.split(".")
        if not path or any(".".join(parts[:k]) in names for k in range(1, len(parts))):
            continue
        sizes = [v for layer in _under(net, path) if "#" not in layer.name[len(path):] for v in layer.variables]
        got = (sum(int(v.size) for v in sizes if not v.buffer), sum(int(v.size) for v in sizes if v.buffer))
        want = _counts(sub)[0], _counts(sub)[2]
        if got != want:
            wrong.append(f"{path}: {got} != {want}")
    assert not wrong, wrong[:10]


def import_model(torch, models, name: str, **kwargs):
    import symparam
    from symparam.importing.torch_module import build

    module = build(torch, lambda: getattr(models, name)(**kwargs), name)
    side = 299 if name == "inception_v3" else 224
    return module, symparam.from_torch(module, torch.empty(2, 3, side, side, device="meta"), name=name)


# (model, its constructor's arguments, whether every module is of a kind symparam has rules for)
MODELS = [
    ("resnet18", {}, True), ("resnet50", {}, True), ("resnext50_32x4d", {}, True), ("wide_resnet50_2", {}, True),
    ("vgg11", {}, True), ("vgg11_bn", {}, True), ("alexnet", {}, True), ("mobilenet_v2", {}, True),
    ("mobilenet_v3_small", {}, True), ("efficientnet_b0", {}, False), ("densenet121", {}, True),
    ("inception_v3", {}, True), ("inception_v3", {"aux_logits": False, "init_weights": False}, True),
    ("googlenet", {"init_weights": False}, True), ("googlenet", {"aux_logits": False, "init_weights": False}, True),
    ("squeezenet1_0", {}, True), ("shufflenet_v2_x1_0", {}, True), ("convnext_tiny", {}, False),
    ("regnet_y_400mf", {}, True), ("vit_b_16", {}, False), ("swin_t", {}, False),
]


@pytest.mark.parametrize("name, kwargs, all_known", MODELS, ids=lambda v: v if isinstance(v, str) else None)
def test_torchvision_models_are_counted_exactly_per_module(torch, models, name, kwargs, all_known):
    module, net = import_model(torch, models, name, **kwargs)
    assert_counted_exactly(net, module)
    opaque = [layer.name for layer in net.layers if layer.type == "nn.Module"]
    assert not opaque if all_known else opaque, opaque[:5]


def test_inception_aux_logits_are_counted_though_forward_uses_them_only_in_training(torch, models):
    with_aux, net = import_model(torch, models, "inception_v3")
    without, net_without = import_model(torch, models, "inception_v3", aux_logits=False)
    aux = sum(p.numel() for p in with_aux.AuxLogits.parameters())
    assert aux > 0 and int(net.total) - int(net_without.total) == aux
    assert any(layer.name.startswith("AuxLogits.") and layer.type == "nn.Conv2d" for layer in net.layers)


def test_regnet_built_on_the_cpu_is_left_as_it_was(torch, models):
    module, net = import_model(torch, models, "regnet_y_400mf")
    assert next(module.parameters()).device.type == "cpu"   # RegNet's constructor needs data: built on the CPU
    assert module.training is True and all(p.device.type == "cpu" for p in module.parameters())


def test_a_known_kind_keeps_its_arguments(torch, models):
    _, net = import_model(torch, models, "resnet50")
    conv = net.layer("layer2.0.conv2")
    assert (conv.type, conv.args["stride"], tuple(conv.output_shape)) == ("nn.Conv2d", (2, 2), (128, 28, 28))


# ---- small modules: ties, sharing, frozen weights, custom modules --------------------------------------------

@pytest.fixture(scope="module")
def fixtures(torch):
    sys.path.insert(0, str(HERE))
    import symparam_torch_fixtures
    return symparam_torch_fixtures


def test_tied_weights_are_counted_once_by_identity(torch, fixtures):
    import symparam
    module = fixtures.TinyLM()
    with torch.device("meta"):
        on_meta = fixtures.TinyLM()
    for m in (module, on_meta):   # on meta every data pointer is equal: only identity tells tied from not
        net = symparam.from_torch(m, torch.zeros(2, 7, dtype=torch.long))
        assert_counted_exactly(net, m)
        head = net.layer("head")
        assert [v.shared_with for v in head.variables] == ["wte/weight"]
    untied = fixtures.TinyLM()
    with torch.device("meta"):
        untied.head.weight = torch.nn.Parameter(torch.empty(100, 16))
    net = symparam.from_torch(untied, torch.zeros(2, 7, dtype=torch.long))
    assert int(net.total) == 2 * 1600 + 32 == _counts(untied)[0]


def test_custom_module_uncalled_head_module_called_twice(torch, fixtures):
    import symparam
    module = fixtures.Net()
    net = symparam.from_torch(module, torch.zeros(2, 3, 16, 16))
    assert_counted_exactly(net, module)
    scale = net.layer("scale")
    assert scale.type == "nn.Module" and [(v.name, v.buffer) for v in scale.variables] == [("gamma", False),
                                                                                          ("count", True)]
    assert net.layer("unused").params == 8 * 3 + 3
    assert net.layer("relu#2").type == "nn.ReLU"
    # torch.flatten(x, 1) in forward() is an nn.Flatten layer between the pooling and the head: nothing unread
    assert net.layer("fc").inputs == ("fc.flatten",) and net.layer("fc.flatten").inputs == ("pool",)
    assert list(net.inputs) == ["input"]


def test_a_tensor_no_module_returned_is_an_input_of_its_recorded_shape(torch, fixtures):
    import symparam
    module = fixtures.Cat()
    net = symparam.from_torch(module, torch.zeros(2, 3, 8, 8))
    assert_counted_exactly(net, module)
    assert net.layer("c").inputs == ("c.in",) and tuple(net.inputs["c.in"]) == (9, 8, 8)
    assert net.layer("b").inputs == ("input",)


def test_a_module_called_twice_shares_and_a_frozen_weight_stays_frozen(torch, fixtures):
    import symparam
    module = fixtures.Twice()
    net = symparam.from_torch(module, torch.zeros(2, 5, 6))
    assert_counted_exactly(net, module)
    assert net.layer("proj#2").params == 0 and net.layer("proj").params == 42
    assert int(net.non_trainable) == 24
    lstm = net.layer("lstm")
    assert lstm.type == "nn.LSTM" and tuple(lstm.output_shape) == (5, 3)


def test_the_input_a_module_was_called_with_is_left_unchanged(torch, fixtures):
    import symparam
    module = fixtures.Net().eval()
    symparam.from_torch(module, torch.zeros(2, 3, 16, 16))
    assert not module.training and module.fc.weight.device.type == "cpu"


# ---- the command -----------------------------------------------------------------------------------------------

def _run(args, monkeypatch, capsys):
    """(exit status, stdout, stderr) of `symparam import ARGS` run from this directory."""
    from symparam.cli import main
    monkeypatch.chdir(HERE)
    code = main(["import", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_a_spec_that_derives_to_the_modules_count(torch, fixtures, monkeypatch, capsys, tmp_path):
    import symparam
    out = tmp_path / "net.toml"
    code, _, err = _run(["symparam_torch_fixtures:Net", "--input", "3,16,16", "-o", str(out)], monkeypatch, capsys)
    assert code == 0, err
    text = out.read_text()
    assert 'type = "nn.Module"' in text and "module = \"symparam_torch_fixtures.Scale\"" in text
    assert int(symparam.load(out).total) == _counts(fixtures.Net())[0]


def test_several_inputs_are_named_as_forward_names_them(torch, monkeypatch, capsys):
    import symparam
    code, out, err = _run(["symparam_torch_fixtures:TwoInputs", "--input", "3", "--input", "2"], monkeypatch, capsys)
    assert code == 0, err
    net = symparam.load_text(out)
    assert {k: tuple(v) for k, v in net.inputs.items()} == {"image": (3,), "extra": (2,)}
    assert (net.layer("a").inputs, net.layer("b").inputs, int(net.total)) == (("image",), ("extra",), 20 + 15)


@pytest.mark.parametrize("args, message", [
    (["symparam_torch_fixtures:raises", "--input", "3"], "the factory raised ValueError: no such width"),
    (["no_such_module_here:net", "--input", "3"], "no Python module named 'no_such_module_here'"),
    (["symparam_torch_fixtures:nothing", "--input", "3"], "has no attribute 'nothing'"),
    (["symparam_torch_fixtures:not_a_module", "--input", "3"], "returned int, not a torch.nn.Module"),
    (["symparam_torch_fixtures:NeedsData", "--input", "4"], "forward() on meta tensors failed"),
    (["symparam_torch_fixtures:Net", "--input", "3,16,16", "--input", "4"], "forward() on meta tensors failed"),
    (["symparam_torch_fixtures:FailsInside", "--input", "4"], "failed in 'inner' (Reads)"),
    (["symparam_torch_fixtures:Net"], "give the example input's shape"),
    (["symparam_torch_nms:net", "--input", "3"],
     "importing symparam_torch_nms failed: RuntimeError: operator torchvision::nms does not exist"),
    (["symparam_torch_fixtures:Net", "--input", "3,x"], "--input must be a batch-less shape"),
    (["symparam_torch_fixtures:Net()", "--input", "3"], "must be MODULE:FACTORY"),
    (["symparam_torch_fixtures:Net", "--input", "3,16,16", "--symbol", "c=999"],
     "--symbol c=999: no input length and no layer size of the model equals 999"),
    (["symparam_torch_fixtures:Net", "--input", "3,16,16", "--symbol", "c=8", "--symbol", "d=8"],
     "lift the same value"),
])
def test_bad_input_is_one_line_and_exit_2(torch, monkeypatch, capsys, args, message):
    code, out, err = _run(args, monkeypatch, capsys)
    lines = err.strip().splitlines()
    assert code == 2 and not out and len(lines) == 1 and message in lines[0], err


def _output_shapes(torch, module, shape) -> dict[str, tuple]:
    """Every submodule's output shape (batch-less) when `module` runs on zeros of `shape` (with a batch of 2)."""
    shapes = {}

    def hook(path):
        def keep(m, args, out):
            shapes.setdefault(path, tuple(out.shape[1:]))
        return keep

    hooks = [m.register_forward_hook(hook(path)) for path, m in module.named_modules() if path]
    with torch.no_grad():
        module.eval()(torch.zeros(2, *shape))
    for hook in hooks:
        hook.remove()
    return shapes


def test_a_lifted_symbol_derived_at_another_value_is_the_module_built_at_it(torch, fixtures, monkeypatch, capsys):
    """--symbol lifts the width and the input side (as the Keras import does); bound elsewhere with --set, the spec
    is the module built there: every submodule's parameters, buffers and output shape."""
    import symparam
    code, out, err = _run(["symparam_torch_fixtures:Widths", "--input", "3,20,20", "--symbol", "width=24",
                           "--symbol", "side=20"], monkeypatch, capsys)
    assert code == 0, err
    assert "[symbols]" in out and 'out_channels = "width"' in out and 'input = [3, "side", "side"]' in out
    net = symparam.load_text(out, width=40, side=28)
    module = fixtures.Widths(40)
    assert_counted_exactly(net, module)
    assert int(net.total) != _counts(fixtures.Widths())[0]
    want = _output_shapes(torch, module, (3, 28, 28))
    assert {path: tuple(int(d) for d in net.layer(path).output_shape) for path in want} == want


def test_from_torch_lifts_symbols_as_the_command_does(torch, fixtures):
    """symparam.from_torch(..., symbols=...) is `--symbol` from Python: bound at another width and side, the network
    is the module built there; symbolic, the width stays a symbol."""
    import symparam
    module = fixtures.Widths(24)
    net = symparam.from_torch(module, torch.empty(2, 3, 20, 20, device="meta"), symbols={"width": 24, "side": 20},
                              width=40, side=28)
    wider = fixtures.Widths(40)
    assert_counted_exactly(net, wider)
    want = _output_shapes(torch, wider, (3, 28, 28))
    assert {path: tuple(int(d) for d in net.layer(path).output_shape) for path in want} == want
    symbolic = symparam.from_torch(module, torch.empty(2, 3, 20, 20, device="meta"), symbols={"width": 24},
                                   symbolic=True)
    assert "width" in {str(s) for s in symbolic.total.free_symbols}


def test_without_torch_the_command_says_how_to_install_it(monkeypatch, capsys):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    code, _, err = _run(["symparam_torch_fixtures:Net", "--input", "3"], monkeypatch, capsys)
    assert code == 2 and "pip install torch" in err and len(err.strip().splitlines()) == 1


def test_as_a_subprocess(torch):
    result = subprocess.run([sys.executable, "-m", "symparam", "import", "symparam_torch_fixtures:TinyLM",
                             "--input", "7:long"], cwd=HERE, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert 'tie = { weight = "wte/weight" }' in result.stdout


def test_torchvision_from_the_command_line_in_a_fresh_interpreter(torch, models, tmp_path):
    """The registry's torchvision (built for CUDA torch) imports beside the CPU torch once symparam has defined the
    two detection operators' schemas (symparam/importing/torch_compat.py): a real subprocess, so nothing this
    process defined helps it."""
    import symparam
    out = tmp_path / "resnet18.toml"
    result = subprocess.run([sys.executable, "-m", "symparam", "import", "torchvision.models:resnet18", "--convention",
                             "torch", "--input", "3,224,224", "-o", str(out)], cwd=tmp_path, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and not result.stderr, result.stderr
    net = symparam.load(out)
    module = models.resnet18()
    assert_counted_exactly(net, module)


def test_other_import_errors_are_not_retried(torch, monkeypatch):
    """Only torchvision's missing nms/qnms operator makes symparam define the schemas; any other error is raised."""
    from symparam.importing import torch_compat
    calls = []
    monkeypatch.setattr(torch_compat, "define_schemas", lambda: calls.append(1) or True)
    def fails(name):
        raise RuntimeError("operator torchvision::roi_align does not exist")

    monkeypatch.setattr(torch_compat.importlib, "import_module", fails)
    with pytest.raises(RuntimeError, match="roi_align"):
        torch_compat.import_module("anything")
    assert not calls and not torch_compat.is_missing_operator(RuntimeError("operator torchvision::nms2 does not exist"))
    assert torch_compat.is_missing_operator(RuntimeError("operator torchvision::qnms does not exist"))


def test_an_embedding_bag_called_with_offsets_and_weights_is_an_embedding_bag(torch, fixtures):
    import symparam
    module = fixtures.Bags()
    net = symparam.from_torch(module, torch.zeros(2, 5, dtype=torch.long))
    assert_counted_exactly(net, module)
    bag = net.layer("bag")
    assert (bag.type, len(bag.inputs), tuple(bag.output_shape)) == ("nn.EmbeddingBag", 3, (4,))


def test_gpt2_from_transformers_counts_its_tied_head_once(torch, models):
    """transformers' GPT-2 built on meta: lm_head.weight is wte.weight (one Parameter), counted once."""
    import symparam
    transformers = pytest.importorskip("transformers", reason="the GPT-2 case needs transformers (pip install "
                                                               "'.[oracle]')")
    config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=32)
    with torch.device("meta"):
        module = transformers.GPT2LMHeadModel(config)
    net = symparam.from_torch(module, torch.zeros(2, 16, dtype=torch.long))
    assert_counted_exactly(net, module)
    assert [v.shared_with for v in net.layer("lm_head").variables] == ["transformer.wte/weight"]
    assert int(net.total) == sum(p.numel() for p in module.parameters()) < sum(
        p.numel() for _, p in module.named_parameters(remove_duplicate=False))


# ---- every torch kind, read back from a module built from its oracle cases ------------------------------------

def _torch_cases() -> dict:
    """The generated cases of the torch families' layer tests (tests/layers/test_torch_*.py), by kind."""
    import importlib
    cases = {}
    for family in ("basic", "activations", "pooling", "dropout", "normalization", "distance", "shape", "recurrent",
                   "cells", "attention"):
        cases.update(importlib.import_module(f"layers.test_torch_{family}").GENERATED)
    return cases


TORCH_CASES = _torch_cases()


@pytest.mark.parametrize("kind", sorted(TORCH_CASES))
def test_every_torch_kind_is_read_back_from_its_module(torch, kind):
    """A module of every kind symparam has, built by the layer oracle's own cases, imports as one layer of that
    kind (its arguments read back from the module's attributes), not as an nn.Module listing, and counts exactly."""
    from hypothesis import given, reject, settings

    import symparam
    from oracle.cases import SETTINGS, Refused, framework_facts, symparam_facts
    from oracle.torch_facts import case_module
    from symparam.errors import SymparamError

    @settings(max_examples=4, **SETTINGS)
    @given(TORCH_CASES[kind].cases)
    def check(case):
        try:
            framework_facts(case)
        except (Refused, AssertionError):   # refused, or an output without the batch axis (nn.Flatten start_dim 0)
            reject()
        try:
            expected = symparam_facts(case)
            module, inputs, _ = case_module(case)
        except (Refused, SymparamError):
            reject()
        if isinstance(inputs, dict):   # nn.EmbeddingBag called by keyword: from_torch takes positional inputs
            reject()
        try:
            net = symparam.from_torch(module, inputs)
        except SymparamError as exc:   # torch refuses it in training mode (the oracle runs eval()): an InstanceNorm
            if "forward() on meta tensors failed" not in str(exc):   # of one position tracking its statistics
                raise
            reject()
        assert [layer.type for layer in net.layers] == [kind], (case, [layer.type for layer in net.layers])
        params, trainable, buffers = _counts(module)
        assert (int(net.total), int(net.trainable), int(net.buffers)) == (params, trainable, buffers)
        assert tuple(int(d) for d in net.layers[0].output_shape) == expected.output_shape

    check()


def test_a_sequence_first_input_drops_its_batch_axis_where_torch_has_it(torch):
    """nn.LSTM without batch_first is called on (L, N, H_in): the spec's input is (L, H_in), read by the LSTM."""
    import symparam
    module = torch.nn.LSTM(4, 8, num_layers=2)
    net = symparam.from_torch(module, torch.zeros(5, 2, 4))
    assert {k: tuple(v) for k, v in net.inputs.items()} == {"input": (5, 4)}
    assert net.layers[0].inputs == ("input",) and tuple(net.layers[0].output_shape) == (5, 8)


def test_transformer_stacks_import_as_their_layers(torch):
    """nn.TransformerEncoder / nn.TransformerDecoder hold num_layers deep copies of the layer they are given (and a
    final norm): imported, each copy is a layer of its own kind, and every count is exact per module."""
    import symparam
    nn = torch.nn
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 3, norm=nn.LayerNorm(16),
                                    enable_nested_tensor=False)
    net = symparam.from_torch(encoder, torch.zeros(2, 5, 16))
    assert_counted_exactly(net, encoder)
    assert [layer.type for layer in net.layers] == ["nn.TransformerEncoderLayer"] * 3 + ["nn.LayerNorm"]
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(16, 4, 32, batch_first=True), 2)
    net = symparam.from_torch(decoder, (torch.zeros(2, 5, 16), torch.zeros(2, 7, 16)))
    assert_counted_exactly(net, decoder)
    assert [layer.type for layer in net.layers] == ["nn.TransformerDecoderLayer"] * 2
    assert tuple(net.layers[-1].output_shape) == (5, 16)
