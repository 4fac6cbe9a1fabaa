"""The gallery in examples/: classic networks whose totals at their default values are exact.

Each spec is checked twice: against its published total (the acceptance numbers, from symparam alone, so these never
skip), and against the framework that defines it, built live (Keras 3 on the torch backend, or plain torch.nn):
total, trainable and non-trainable counts, then layer by layer, by name, each layer's parameter count and output
shape. symparam's side is the JSON document of `symparam derive --json` (shapes without the batch axis).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import sympy

from symparam.api import load
from symparam.cli import main
from symparam.render.json import document

os.environ.setdefault("KERAS_BACKEND", "torch")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def spec(name: str) -> Path:
    return EXAMPLES / f"{name}.toml"


def sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def symparam_rows(net) -> dict[str, dict]:
    """name -> the layer's JSON record (concrete ints once every symbol is bound)."""
    return {row["name"]: row for row in document(net)["layers"]}


# ---------------------------------------------------------------------------------------------------------------------
# Live Keras: no network access, each model built once per session
# ---------------------------------------------------------------------------------------------------------------------


class NetworkAccess(AssertionError):
    pass


@pytest.fixture(scope="module")
def offline(keras):
    """While building the Keras models: any socket connection or download fails the test (weights=None must never
    fetch anything). Yields the list of attempts, which must stay empty."""
    from keras.src.utils import file_utils

    attempts: list[str] = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{args[1:2] if what == 'connect' else args[:1]}")
            raise NetworkAccess(f"network access attempted: {what}")
        return blocked

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse("connect"))
        mp.setattr(socket.socket, "connect_ex", refuse("connect"))
        mp.setattr(socket, "create_connection", refuse("create_connection"))
        mp.setattr(file_utils, "get_file", refuse("get_file"))
        yield attempts
    assert attempts == []


@pytest.fixture(scope="module")
def keras_vgg16(keras, offline):
    return keras.applications.VGG16(weights=None, include_top=True)


@pytest.fixture(scope="module")
def keras_resnet50(keras, offline):
    return keras.applications.ResNet50(weights=None, include_top=True)


@pytest.fixture(scope="module")
def keras_mobilenet_v2(keras, offline):
    return keras.applications.MobileNetV2(weights=None, include_top=True, alpha=1.0, input_shape=(224, 224, 3))


def test_no_network_access_while_building(offline, keras_vgg16, keras_resnet50, keras_mobilenet_v2):
    assert offline == []                       # weights=None: nothing was fetched
    with pytest.raises(NetworkAccess):         # and the guard is live
        socket.create_connection(("storage.googleapis.com", 443), timeout=1)
    offline.clear()


def keras_size(weights) -> int:
    total = 0
    for w in weights:
        n = 1
        for d in w.shape:
            n *= int(d)
        total += n
    return total


def keras_rows(model) -> dict[str, dict]:
    """name -> params, trainable, non_trainable, output shape without the batch axis; InputLayer left out (symparam
    takes the network's input from [network] input)."""
    rows = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        rows[layer.name] = {
            "type": type(layer).__name__,
            "params": layer.count_params(),
            "trainable": keras_size(layer.trainable_weights),
            "non_trainable": keras_size(layer.non_trainable_weights),
            "output_shape": [None if d is None else int(d) for d in layer.output.shape[1:]],
        }
    return rows


def keras_name(name: str, keras_names) -> str:
    """The Keras layer a spec layer stands for: the same name, or Keras's automatic name with a session counter
    (a layer keras.applications leaves unnamed is global_average_pooling2d, global_average_pooling2d_1, ...)."""
    if name in keras_names:
        return name
    auto = [k for k in keras_names if re.fullmatch(re.escape(name) + r"_\d+", k)]
    assert len(auto) == 1, f"no Keras layer for {name!r}"
    return auto[0]


def assert_matches_keras(net, model):
    ours, theirs = symparam_rows(net), keras_rows(model)
    assert len(ours) == len(theirs)
    matched = {keras_name(name, theirs): name for name in ours}
    assert set(matched) == set(theirs)
    for kname, name in matched.items():
        k, s = theirs[kname], ours[name]
        assert s["type"] == k["type"], name
        assert (s["params"], s["trainable"], s["non_trainable"]) == (k["params"], k["trainable"],
                                                                     k["non_trainable"]), name
        assert s["output_shape"] == k["output_shape"], name
    assert net.total == model.count_params()
    assert net.trainable == keras_size(model.trainable_weights)
    assert net.non_trainable == keras_size(model.non_trainable_weights)


# ---------------------------------------------------------------------------------------------------------------------
# LeNet-5
# ---------------------------------------------------------------------------------------------------------------------

# By hand, on a 32x32x1 image (valid 5x5 convolutions shrink each side by 4, 2x2 average pooling halves it):
#   conv1  Conv2D 6 of 5x5 over 1 channel:   5*5*1*6 + 6      =    156   -> (28, 28, 6)
#   pool1  AveragePooling2D 2x2:             no parameters    =      0   -> (14, 14, 6)
#   conv2  Conv2D 16 of 5x5 over 6 channels: 5*5*6*16 + 16    =  2,416   -> (10, 10, 16)
#   pool2  AveragePooling2D 2x2:             no parameters    =      0   -> (5, 5, 16)
#   flatten                                  no parameters    =      0   -> (400,)    5*5*16 = 400
#   fc1    Dense 120 on 400 inputs:          400*120 + 120    = 48,120   -> (120,)
#   fc2    Dense 84 on 120 inputs:           120*84 + 84      = 10,164   -> (84,)
#   output Dense 10 on 84 inputs:            84*10 + 10       =    850   -> (10,)
#   total                                    156 + 2,416 + 48,120 + 10,164 + 850 = 61,706
LENET5_BY_HAND = {
    "conv1": (5 * 5 * 1 * 6 + 6, [28, 28, 6]),
    "pool1": (0, [14, 14, 6]),
    "conv2": (5 * 5 * 6 * 16 + 16, [10, 10, 16]),
    "pool2": (0, [5, 5, 16]),
    "flatten": (0, [400]),
    "fc1": (400 * 120 + 120, [120]),
    "fc2": (120 * 84 + 84, [84]),
    "output": (84 * 10 + 10, [10]),
}


def test_lenet5_hand_derivation():
    net = load(spec("lenet5"))
    rows = symparam_rows(net)
    assert {name: (row["params"], row["output_shape"]) for name, row in rows.items()} == LENET5_BY_HAND
    assert sum(params for params, _ in LENET5_BY_HAND.values()) == 61_706
    assert net.total == net.trainable == 61_706 and net.non_trainable == 0


def test_lenet5_total_depends_on_img_size_through_the_flatten():
    net = load(spec("lenet5"), symbolic=True)
    img, f2, u1 = sym("img_size"), sym("filters_2"), sym("units_1")
    fc1 = net.layer("fc1").params
    # Each valid 5x5 convolution takes 4 from a side, each pooling halves it (rounding down): the maps after pool2
    # are floor((floor((img_size - 4)/2) - 4)/2) = floor(img_size/4) - 3 wide (symparam writes the one floor).
    side = sympy.floor(img / 4) - 3
    assert sympy.expand(fc1 - (f2 * side**2 * u1 + u1)) == 0
    assert all(side.subs(img, n) == ((n - 4) // 2 - 4) // 2 for n in range(16, 300))
    # 28x28 (MNIST): 24, 12, 8, 4, so fc1 sees 16*4*4 = 256 features; 36x36: 32, 16, 12, 6, so 16*6*6 = 576.
    assert load(spec("lenet5"), img_size=28).total == 61_706 - (400 - 256) * 120
    assert load(spec("lenet5"), img_size=36).total == 61_706 + (576 - 400) * 120


def lenet5_keras(keras, img_size=32, channels=1, f1=6, f2=16, u1=120, u2=84, classes=10):
    L = keras.layers
    return keras.Sequential([
        keras.Input((img_size, img_size, channels)),
        L.Conv2D(f1, 5, activation="tanh", name="conv1"),
        L.AveragePooling2D(2, name="pool1"),
        L.Conv2D(f2, 5, activation="tanh", name="conv2"),
        L.AveragePooling2D(2, name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(u1, activation="tanh", name="fc1"),
        L.Dense(u2, activation="tanh", name="fc2"),
        L.Dense(classes, activation="softmax", name="output"),
    ], name="lenet5")


@pytest.mark.parametrize("values", [
    {},
    {"img_size": 28, "channels": 3, "classes": 100},
    {"img_size": 64, "filters_1": 20, "filters_2": 50, "units_1": 500, "units_2": 100},
])
def test_lenet5_matches_keras(keras, values):
    net = load(spec("lenet5"), **values)
    b = dict(net.bindings)
    model = lenet5_keras(keras, b["img_size"], b["channels"], b["filters_1"], b["filters_2"], b["units_1"],
                         b["units_2"], b["classes"])
    assert_matches_keras(net, model)
    if not values:
        assert model.count_params() == 61_706


# ---------------------------------------------------------------------------------------------------------------------
# VGG16
# ---------------------------------------------------------------------------------------------------------------------


def test_vgg16_published_total():
    net = load(spec("vgg16"))
    assert dict(net.bindings) == {"img_size": 224, "classes": 1000, "fc_units": 4096}
    assert net.total == net.trainable == 138_357_544 and net.non_trainable == 0
    # fc1 sees 7*7*512 = 25,088 features at 224: 25,088*4096 + 4096 of the parameters.
    assert net.layer("fc1").params == 25_088 * 4096 + 4096


def test_vgg16_total_depends_on_img_size():
    net = load(spec("vgg16"), symbolic=True)
    img, classes, fc = sym("img_size"), sym("classes"), sym("fc_units")
    convs = 14_714_688   # the 13 convolutions, whatever the image size
    side = sympy.floor(img / 32)     # five 2x2 poolings, each rounding down: floor(img_size/32) in the end
    for n in range(32, 600):
        halved = n
        for _ in range(5):
            halved //= 2
        assert side.subs(img, n) == halved
    expected = convs + (512 * side**2 * fc + fc) + (fc * fc + fc) + (fc * classes + classes)
    assert sympy.expand(net.total - expected) == 0
    assert load(spec("vgg16"), img_size=32, classes=10).total == convs + 512 * 4096 + 4096 + 4096**2 + 4096 \
        + 4096 * 10 + 10


def test_vgg16_matches_keras(keras_vgg16):
    assert_matches_keras(load(spec("vgg16")), keras_vgg16)
    assert keras_vgg16.count_params() == 138_357_544


def test_vgg16_matches_keras_at_another_size(keras, offline):
    model = keras.applications.VGG16(weights=None, include_top=True, input_shape=(96, 96, 3), classes=10)
    assert_matches_keras(load(spec("vgg16"), img_size=96, classes=10), model)


# ---------------------------------------------------------------------------------------------------------------------
# ResNet50 (Keras)
# ---------------------------------------------------------------------------------------------------------------------


def test_resnet50_published_totals():
    net = load(spec("resnet50"))
    assert net.total == 25_636_712
    assert net.trainable == 25_583_592
    assert net.non_trainable == 53_120          # BatchNormalization's moving mean and variance


def test_resnet50_total_does_not_depend_on_img_size():
    symbolic = load(spec("resnet50"), symbolic=True)
    assert "img_size" in symbolic.free_symbols                                # the shapes depend on it ...
    assert sym("img_size") not in symbolic.total.free_symbols                 # ... the total does not
    width, classes = sym("width"), sym("classes")
    assert sympy.expand(symbolic.total - (5724 * width**2 + 2222 * width + classes * (32 * width + 1))) == 0
    assert load(spec("resnet50"), img_size=97).total == 25_636_712


def test_resnet50_matches_keras(keras_resnet50):
    assert_matches_keras(load(spec("resnet50")), keras_resnet50)
    assert keras_resnet50.count_params() == 25_636_712


# ---------------------------------------------------------------------------------------------------------------------
# ResNet50 (torchvision layout, PyTorch dialect)
# ---------------------------------------------------------------------------------------------------------------------


def test_resnet50_torch_published_total():
    net = load(spec("resnet50_torch"))
    assert net.convention == "torch"
    assert net.total == net.trainable == 25_557_032        # torchvision's resnet50
    assert net.non_trainable == 0
    # running_mean and running_var of 53 BatchNorm2d layers (26,560 channels in all), one num_batches_tracked each.
    assert net.buffers == 2 * 26_560 + 53


def torch_resnet50(torch, classes=1000):
    """torchvision.models.resnet50 in plain torch.nn: the same module names, so state_dict keys agree."""
    nn = torch.nn

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
            self.bn3 = nn.BatchNorm2d(planes * self.expansion)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, layers=(3, 4, 6, 3), num_classes=1000):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(64, layers[0])
            self.layer2 = self._make_layer(128, layers[1], stride=2)
            self.layer3 = self._make_layer(256, layers[2], stride=2)
            self.layer4 = self._make_layer(512, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

        def _make_layer(self, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, kernel_size=1, stride=stride,
                              bias=False),
                    nn.BatchNorm2d(planes * Bottleneck.expansion))
            layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes * Bottleneck.expansion
            layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    return ResNet(num_classes=classes)


@pytest.fixture(scope="module")
def torch_model(torch):
    return torch_resnet50(torch).eval()


def torch_output_shapes(torch, model, img_size):
    """Each module's output shape (no batch axis) on one img_size x img_size image; modules called more than once
    (each block's shared relu) are left out."""
    shapes, calls = {}, {}

    def hook(name):
        def record(module, args, output):
            calls[name] = calls.get(name, 0) + 1
            shapes[name] = list(output.shape[1:])
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if n and not list(m.children())]
    with torch.no_grad():
        model(torch.zeros(1, 3, img_size, img_size))
    for h in handles:
        h.remove()
    return {n: s for n, s in shapes.items() if calls[n] == 1}


def test_resnet50_torch_matches_torch(torch, torch_model):
    model = torch_model
    params = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for b in model.buffers())
    net = load(spec("resnet50_torch"))
    assert (net.total, net.buffers) == (params, buffers)
    assert params == 25_557_032

    # Layer by layer: every module with parameters or buffers is a spec layer of the same name, with the same counts.
    rows = symparam_rows(net)
    modules = {n: m for n, m in model.named_modules() if n and not list(m.children())}
    for name, module in modules.items():
        p = sum(t.numel() for t in module.parameters(recurse=False))
        b = sum(t.numel() for t in module.buffers(recurse=False))
        if p or b:
            assert (rows[name]["params"], rows[name]["buffers"]) == (p, b), name
    assert {n for n, r in rows.items() if r["params"] or r["buffers"]} == \
        {n for n, m in modules.items() if list(m.parameters(recurse=False)) or list(m.buffers(recurse=False))}

    for img_size in (224, 97):
        shapes = torch_output_shapes(torch, model, img_size)
        rows = symparam_rows(load(spec("resnet50_torch"), img_size=img_size))
        assert {n: rows[n]["output_shape"] for n in shapes} == shapes


# ---------------------------------------------------------------------------------------------------------------------
# MobileNetV2
# ---------------------------------------------------------------------------------------------------------------------


def test_mobilenet_v2_published_totals():
    net = load(spec("mobilenet_v2"))
    assert net.total == 3_538_984
    assert net.trainable == 3_504_872
    assert net.non_trainable == 3_538_984 - 3_504_872


def test_mobilenet_v2_matches_keras(keras_mobilenet_v2):
    # a family spec: a stage's repeat row (block_4-5/expand) stands for several Keras layers
    from test_family_mobilenet_v2 import assert_mobilenet_v2_matches
    assert_mobilenet_v2_matches(document(load(spec("mobilenet_v2"))), keras_mobilenet_v2)
    assert keras_mobilenet_v2.count_params() == 3_538_984


@pytest.mark.parametrize("img_size, classes", [(97, 10), (130, 7)])
def test_mobilenet_v2_matches_keras_at_other_sizes(keras, offline, img_size, classes):
    # Odd and even maps at the stride-2 blocks: Keras's correct_pad pads one row before only when a map is odd.
    model = keras.applications.MobileNetV2(weights=None, include_top=True, input_shape=(img_size, img_size, 3),
                                           classes=classes)
    from test_family_mobilenet_v2 import assert_mobilenet_v2_matches
    assert_mobilenet_v2_matches(document(load(spec("mobilenet_v2"), img_size=img_size, classes=classes)), model)


# ---------------------------------------------------------------------------------------------------------------------
# Bidirectional LSTM text classifier
# ---------------------------------------------------------------------------------------------------------------------


def test_lstm_classifier_closed_form():
    net = load(spec("lstm_classifier"), symbolic=True)
    vocab, embed, units, classes = sym("vocab"), sym("embed"), sym("units"), sym("classes")
    by_hand = vocab * embed + 2 * 4 * units * (embed + units + 1) + (2 * units * classes + classes)
    assert sympy.expand(net.total - by_hand) == 0
    assert load(spec("lstm_classifier")).total == 20_000 * 128 + 8 * 64 * (128 + 64 + 1) + 2 * 64 * 2 + 2 \
        == 2_659_074


@pytest.mark.parametrize("values", [
    {},
    {"vocab": 5000, "embed": 32, "units": 16, "classes": 5, "seq_len": 40},
    {"vocab": 30522, "embed": 300, "units": 256, "classes": 20, "seq_len": 7},
])
def test_lstm_classifier_matches_keras(keras, values):
    net = load(spec("lstm_classifier"), **values)
    b = dict(net.bindings)
    L = keras.layers
    model = keras.Sequential([
        keras.Input((b["seq_len"],), dtype="int32"),
        L.Embedding(b["vocab"], b["embed"], name="embedding"),
        L.Bidirectional(L.LSTM(b["units"]), name="bidirectional"),
        L.Dense(b["classes"], activation="softmax", name="classifier"),
    ])
    assert_matches_keras(net, model)


# ---------------------------------------------------------------------------------------------------------------------
# The CLI on each spec: quick, and the LaTeX derivation compiles
# ---------------------------------------------------------------------------------------------------------------------

LLAMAS = {   # the published sizes (examples/llama.toml's header) and the configs they come from
    "llama-2-7b": ({}, 6_738_415_616),
    "llama-3-8b": ({"vocab_size": 128256, "intermediate_size": 14336, "num_key_value_heads": 8}, 8_030_261_248),
    "llama-3-70b": ({"vocab_size": 128256, "hidden_size": 8192, "intermediate_size": 28672, "num_hidden_layers": 80,
                     "num_attention_heads": 64, "num_key_value_heads": 8}, 70_553_706_496),
    "mistral-7b": ({"intermediate_size": 14336, "num_key_value_heads": 8}, 7_241_732_096),
}


@pytest.mark.parametrize("name", list(LLAMAS))
def test_llama_published_totals(name):
    values, total = LLAMAS[name]
    assert document(load(spec("llama"), **values))["total"] == total


@pytest.mark.parametrize("name", list(LLAMAS))
def test_llama_matches_transformers_layer_by_layer(name):
    """The hand-written spec against transformers' LlamaForCausalLM / MistralForCausalLM built on the meta device
    from the config of the same name (tests/importing/configs), module by module."""
    import json
    from importing.test_hf_config import CONFIGS, hf_model, per_layer, transformers_module
    config = json.loads((CONFIGS / f"{name}.json").read_text())
    net = load(spec("llama"), **LLAMAS[name][0])
    model = hf_model(transformers_module(), config)
    assert int(net.total) == sum(p.numel() for p in model.parameters())
    assert {layer.name: int(layer.params) for layer in net.layers} == per_layer(model, net)


GALLERY = ["lenet5", "vgg16", "resnet50", "resnet50_torch", "mobilenet_v2", "lstm_classifier", "llama"]


@pytest.mark.parametrize("name", GALLERY)
def test_derive_runs_numeric_and_symbolic(name, capsys):
    # How long it takes is benchmarks/gallery.py's business (no timed assertion in the tests).
    for args in ([], ["--symbolic"]):
        assert main(["derive", str(spec(name)), *args]) == 0
        assert "Total params:" in capsys.readouterr().out


def test_lenet5_latex_compiles(tmp_path, capsys):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (e.g. Debian's texlive-latex-base)")
    assert main(["derive", str(spec("lenet5")), "--latex"]) == 0
    fragment = capsys.readouterr().out
    assert "&= 61{,}706" in fragment
    tex = tmp_path / "lenet5.tex"
    tex.write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + fragment
                   + "\n\\end{document}\n", encoding="utf-8")
    built = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stdout[-3000:]
    assert (tmp_path / "lenet5.pdf").stat().st_size > 0
