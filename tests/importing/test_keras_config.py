"""`symparam import` of Keras model configs, checked against the same models in live Keras 3 (torch backend).

Every keras.applications model is built live (weights=None, on Keras's "meta" device: shapes only, nothing
allocated), written with to_json(), imported and derived; the total, trainable and non-trainable counts and every
layer's counts and output shapes (each operation of the graph, each call of a shared layer, each nested model as a
whole) must be the live model's. NASNet's public factories refuse the torch backend ("an outstanding bug" when it
runs), but the model builds there: keras.src.applications.nasnet.NASNet is called with the arguments NASNetMobile
and NASNetLarge pass it. Smaller inputs than the defaults where the models allow them keep the shapes varied.

Then the parts of the format no application shows: a shared layer, a nested model called twice (a Functional's node
numbering starts at 1), several inputs and outputs, frozen layers, a `.keras` archive, a Keras 2 config written by
hand, --symbol, and the bad inputs (one line, exit 2).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from symparam.api import load_text
from symparam.cli import main
from symparam.errors import SymparamError
from symparam.importing import Options, convert

keras = pytest.importorskip("keras", reason="the Keras oracle needs keras 3 and torch (pip install '.[oracle]')")

from keras.src.applications import nasnet  # noqa: E402  (after keras)
from keras.src.models.functional import make_node_key  # noqa: E402

A = keras.applications


def _nasnet(penultimate_filters, num_blocks, stem_block_filters, skip_reduction, size, **kwargs):
    return nasnet.NASNet(penultimate_filters=penultimate_filters, num_blocks=num_blocks,
                         stem_block_filters=stem_block_filters, skip_reduction=skip_reduction, filter_multiplier=2,
                         default_size=size, **kwargs)


# id -> (factory, keyword arguments besides weights=None)
APPLICATIONS = {
    "VGG16": (A.VGG16, dict(input_shape=(48, 48, 3))),
    "VGG19": (A.VGG19, dict(input_shape=(32, 32, 3))),
    "ResNet50": (A.ResNet50, dict(input_shape=(64, 64, 3))),
    "ResNet101": (A.ResNet101, dict(input_shape=(32, 32, 3))),
    "ResNet152": (A.ResNet152, dict(input_shape=(32, 32, 3))),
    "ResNet50-notop-avg": (A.ResNet50, dict(include_top=False, pooling="avg", input_shape=(40, 56, 3))),
    "ResNet50V2": (A.ResNet50V2, dict(input_shape=(64, 64, 3))),
    "ResNet101V2": (A.ResNet101V2, dict(input_shape=(32, 32, 3))),
    "ResNet152V2": (A.ResNet152V2, dict(input_shape=(32, 32, 3))),
    "DenseNet121": (A.DenseNet121, dict(input_shape=(64, 64, 3))),
    "DenseNet169": (A.DenseNet169, dict(input_shape=(32, 32, 3))),
    "DenseNet201": (A.DenseNet201, dict(input_shape=(32, 32, 3), classes=10)),
    **{f"MobileNet-{alpha}": (A.MobileNet, dict(alpha=alpha, input_shape=(64, 64, 3)))
       for alpha in (0.25, 0.5, 0.75, 1.0)},
    "MobileNet-depth2": (A.MobileNet, dict(depth_multiplier=2, input_shape=(32, 32, 3))),
    **{f"MobileNetV2-{alpha}": (A.MobileNetV2, dict(alpha=alpha, input_shape=(64, 64, 3)))
       for alpha in (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)},
    **{f"MobileNetV3{size}-{alpha}{'-min' if minimal else ''}": (
        getattr(A, f"MobileNetV3{size}"), dict(alpha=alpha, minimalistic=minimal, input_shape=(64, 64, 3)))
       for size in ("Small", "Large") for alpha, minimal in ((1.0, False), (0.75, False), (1.0, True))},
    **{f"EfficientNetB{b}": (getattr(A, f"EfficientNetB{b}"), dict(input_shape=(64, 64, 3))) for b in range(8)},
    **{f"EfficientNetV2{v}": (getattr(A, f"EfficientNetV2{v}"), dict(input_shape=(64, 64, 3)))
       for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    **{f"ConvNeXt{size}": (getattr(A, f"ConvNeXt{size}"), dict(input_shape=(64, 64, 3)))
       for size in ("Tiny", "Small", "Base", "Large", "XLarge")},
    "Xception": (A.Xception, dict(input_shape=(71, 71, 3))),
    "InceptionV3": (A.InceptionV3, dict(input_shape=(75, 75, 3))),
    "InceptionResNetV2": (A.InceptionResNetV2, dict(input_shape=(75, 75, 3))),
    "NASNetMobile": (_nasnet, dict(penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                                   skip_reduction=False, size=224, input_shape=(224, 224, 3))),
    "NASNetLarge": (_nasnet, dict(penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                                  skip_reduction=True, size=331, input_shape=(96, 96, 3))),
}


def build(factory, **kwargs):
    with warnings.catch_warnings(), keras.device("meta"):
        warnings.simplefilter("ignore")
        return factory(weights=None, **kwargs)


def size(variables) -> int:
    return sum(math.prod(int(d) for d in v.shape) for v in variables)


def imported(model, tmp_path: Path, **symbols: int):
    """The model's to_json() imported (the spec text) and derived at its defaults."""
    path = tmp_path / f"{model.name}.json"
    path.write_text(model.to_json(), encoding="utf-8")
    text = convert(str(path), Options(symbols=symbols))
    return text, load_text(text)


def shape_of(tensor) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor.shape[1:])


def graph(model):
    """The Functional graph of a model (a Sequential keeps one inside)."""
    return model._functional if isinstance(model, keras.Sequential) else model


def calls(model, operation) -> list:
    """The nodes of `operation` that are calls inside `model`, in order."""
    return [node for i, node in enumerate(operation._inbound_nodes)
            if make_node_key(operation, i) in graph(model)._nodes]


def output_name(operation, name: str) -> str:
    """The spec layer that gives a nested model's output (its last layer, or its Functional output)."""
    inner = operation.layers[-1] if isinstance(operation, keras.Sequential) else \
        operation.outputs[0]._keras_history[0]
    full = f"{name}/{inner.name}"
    return output_name(inner, full) if isinstance(inner, keras.Model) else full


def expected_names(model, prefix: str = "") -> list[str]:
    names = []
    for operation in graph(model).operations:
        if isinstance(operation, keras.layers.InputLayer):
            continue
        for number in range(1, len(calls(model, operation)) + 1):
            name = f"{prefix}{operation.name}" + (f"@{number}" if number > 1 else "")
            names += expected_names(operation, f"{name}/") if isinstance(operation, keras.Model) else [name]
    return names


def assert_same(model, net) -> None:
    """Every count and shape of the derived `net` is the live `model`'s."""
    records = {layer.name: layer for layer in net.layers}
    assert sorted(records) == sorted(expected_names(model)), "the spec's layers are not the model's calls"
    for operation in graph(model).operations:
        if isinstance(operation, keras.layers.InputLayer):
            continue
        name = operation.name
        if isinstance(operation, keras.Model):
            mine = [r for n, r in records.items() if n.startswith(f"{name}/")]
            outs = [output_name(operation, name)] + [output_name(operation, f"{name}@{k}")
                                                     for k in range(2, len(calls(model, operation)) + 1)]
        else:
            mine = [records[name]]
            outs = [name] + [f"{name}@{k}" for k in range(2, len(calls(model, operation)) + 1)]
        weights = getattr(operation, "weights", [])
        got = tuple(sum(int(getattr(r, what)) for r in mine) for what in ("params", "trainable", "non_trainable"))
        want = (size(weights), size(getattr(operation, "trainable_weights", [])),
                size(getattr(operation, "non_trainable_weights", [])))
        assert got == want, f"{name}: (params, trainable, non-trainable) {got}, Keras {want}"
        for out, node in zip(outs, calls(model, operation)):
            assert tuple(records[out].output_shape) == shape_of(node.output_tensors[0]), \
                f"{out}: output shape {records[out].output_shape}, Keras {shape_of(node.output_tensors[0])}"
    assert (int(net.total), int(net.trainable), int(net.non_trainable)) == (
        int(model.count_params()), size(model.trainable_weights), size(model.non_trainable_weights))


@pytest.mark.parametrize("model_id", list(APPLICATIONS))
def test_keras_applications(model_id, tmp_path):
    factory, kwargs = APPLICATIONS[model_id]
    model = build(factory, **kwargs)
    _, net = imported(model, tmp_path)
    assert_same(model, net)


# -- the parts of the format the applications do not show ------------------------------------------------------


def test_a_shared_layer_is_counted_once(tmp_path):
    a, b = keras.Input((8,), name="a"), keras.Input((8,), name="b")
    shared = keras.layers.Dense(4, name="shared")
    joined = keras.layers.Concatenate(name="joined")([shared(a), shared(b)])
    back = shared(keras.layers.Dense(8, name="back")(joined))
    model = keras.Model([a, b], keras.layers.Dense(2, name="head")(back), name="siamese")
    text, net = imported(model, tmp_path)
    assert_same(model, net)
    assert 'share = "shared"' in text and "shared@3" in text
    assert int(net.total) == (8 * 4 + 4) + (8 * 8 + 8) + (4 * 2 + 2)


def test_several_inputs_and_outputs(tmp_path):
    image, meta = keras.Input((16, 16, 3), name="image"), keras.Input((5,), name="meta")
    x = keras.layers.Conv2D(4, 3, name="conv")(image)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Concatenate(name="both")([x, keras.layers.Dense(6, name="meta_fc")(meta)])
    model = keras.Model({"image": image, "meta": meta},
                        [keras.layers.Dense(3, name="kind")(x), keras.layers.Dense(1, name="score")(x)])
    text, net = imported(model, tmp_path)
    assert_same(model, net)
    document = __import__("tomllib").loads(text)
    assert document["network"]["outputs"] == ["kind", "score"]
    assert set(document["network"]["input"]) == {"image", "meta"}


def test_nested_models_called_twice(tmp_path):
    """A nested Sequential and a nested Functional, each used at two nodes: weights counted once; the Functional's
    calls are its nodes 1 and 2 (node 0 is its own)."""
    block = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, name="fc"),
                              keras.layers.BatchNormalization(name="bn")], name="block")
    inner_in = keras.Input((5,))
    inner = keras.Model(inner_in, keras.layers.Dense(7, name="proj")(keras.layers.ReLU(name="act")(inner_in)),
                        name="inner")
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    merged = keras.layers.Add(name="sum")([inner(block(a)), inner(block(b))])
    model = keras.Model([a, b], merged, name="outer")
    text, net = imported(model, tmp_path)
    assert_same(model, net)
    assert "block@2/fc" in text and 'share = "block/fc"' in text and 'share = "inner/proj"' in text


def test_frozen_layers_and_models(tmp_path):
    block = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, name="fc")], name="frozen_block")
    block.trainable = False
    x = keras.Input((6,), name="x")
    head = keras.layers.Dense(3, name="head")
    head.trainable = False
    model = keras.Model(x, head(keras.layers.Dense(4, name="mid")(block(x))))
    _, net = imported(model, tmp_path)
    assert_same(model, net)
    assert int(net.non_trainable) == 6 * 5 + 5 + 4 * 3 + 3


def test_recurrent_layers_and_cells(tmp_path):
    """An LSTM with return_state (its states feed Dense layers: the spec names only the first output, so the
    states are refused where used), RNN over a cell, over a stack of cells, and Bidirectional's wrapped layer."""
    tokens = keras.Input((12, 6), name="tokens")
    x = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True), name="bi")(tokens)
    x = keras.layers.RNN(keras.layers.LSTMCell(5), return_sequences=True, name="over_cell")(x)
    x = keras.layers.RNN([keras.layers.SimpleRNNCell(3), keras.layers.GRUCell(2, reset_after=False)],
                         name="over_stack")(x)
    model = keras.Model(tokens, keras.layers.Dense(2, name="out")(x))
    _, net = imported(model, tmp_path)
    assert_same(model, net)
    out, state_h, _ = keras.layers.LSTM(3, return_state=True, name="lstm")(tokens)
    with_states = keras.Model(tokens, [out, keras.layers.Dense(2, name="from_state")(state_h)])
    with pytest.raises(SymparamError, match="output 1 of 'lstm'"):
        imported(with_states, tmp_path)


def test_a_keras_archive(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(4), keras.layers.Dropout(0.5),
                                  keras.layers.Dense(2)], name="small")
        model.save(tmp_path / "small.keras")
    text = convert(str(tmp_path / "small.keras"), Options())
    assert_same(model, load_text(text))


KERAS2 = {
    "class_name": "Functional", "keras_version": "2.13.1", "backend": "tensorflow",
    "config": {
        "name": "legacy",
        "layers": [
            {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "input_1"}},
            {"class_name": "Conv2D", "name": "conv2d", "inbound_nodes": [[["input_1", 0, 0, {}]]],
             "config": {"name": "conv2d", "trainable": True, "dtype": "float32", "filters": 8,
                        "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
                        "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                        "bias_initializer": {"class_name": "Zeros", "config": {}},
                        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                        "kernel_constraint": None, "bias_constraint": None}},
            {"class_name": "BatchNormalization", "name": "batch_normalization",
             "inbound_nodes": [[["conv2d", 0, 0, {}]]],
             "config": {"name": "batch_normalization", "trainable": True, "dtype": "float32", "axis": [3],
                        "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True}},
            {"class_name": "Flatten", "name": "flatten", "inbound_nodes": [[["batch_normalization", 0, 0, {}]]],
             "config": {"name": "flatten", "trainable": True, "dtype": "float32", "data_format": "channels_last"}},
            {"class_name": "Dense", "name": "shared_dense", "inbound_nodes": [[["flatten", 0, 0, {}]],
                                                                              [["flatten", 0, 0, {}]]],
             "config": {"name": "shared_dense", "trainable": True, "dtype": "float32", "units": 10,
                        "activation": "linear", "use_bias": True}},
            {"class_name": "Add", "name": "add", "inbound_nodes": [[["shared_dense", 0, 0, {}],
                                                                    ["shared_dense", 1, 0, {}]]],
             "config": {"name": "add", "trainable": True, "dtype": "float32"}},
        ],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
}


def test_a_keras2_config(tmp_path):
    """Keras 2's node lists, batch_input_shape and an axis given as a list, checked against the same model built in
    Keras 3 by hand."""
    path = tmp_path / "legacy.json"
    path.write_text(json.dumps(KERAS2), encoding="utf-8")
    net = load_text(convert(str(path), Options()))
    x = keras.Input((28, 28, 1), name="input_1")
    y = keras.layers.Flatten(name="flatten")(keras.layers.BatchNormalization(name="batch_normalization")(
        keras.layers.Conv2D(8, 3, activation="relu", name="conv2d")(x)))
    shared = keras.layers.Dense(10, name="shared_dense")
    model = keras.Model(x, keras.layers.Add(name="add")([shared(y), shared(y)]))
    assert_same(model, net)


# -- --symbol ----------------------------------------------------------------------------------------------------


def test_symbol_img_size_makes_a_what_if(tmp_path):
    """VGG16's Flatten feeds fc1, so its count follows the image size: imported at 32, set to 64, it is VGG16 at 64."""
    text, net = imported(build(A.VGG16, input_shape=(32, 32, 3)), tmp_path, img_size=32)
    assert 'img_size = { default = 32' in text
    assert_same(build(A.VGG16, input_shape=(32, 32, 3)), net)
    assert_same(build(A.VGG16, input_shape=(64, 64, 3)), net.subs(img_size=64))


def test_symbol_width_is_lifted_in_layer_sizes(tmp_path):
    def small(width):
        return keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Conv2D(width, 3, name="conv"),
                                 keras.layers.DepthwiseConv2D(3, name="dw"),
                                 keras.layers.Conv2D(width, 1, groups=width, name="grouped"),
                                 keras.layers.Flatten(name="flat"), keras.layers.Dense(width, name="fc")],
                                name="small")
    text, net = imported(small(16), tmp_path, width=16)
    assert text.count('"width"') == 4   # conv.filters, grouped.filters and groups, fc.units
    assert_same(small(24), net.subs(width=24))


def test_a_symbol_that_lifts_nothing_is_refused(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).to_json(), encoding="utf-8")
    with pytest.raises(SymparamError, match="no input length and no layer size of the model equals 99"):
        convert(str(path), Options(symbols={"n": 99}))


# -- bad input -----------------------------------------------------------------------------------------------------


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


CUSTOM = {"module": "my_package.layers", "class_name": "FancyDense", "registered_name": "my_package>FancyDense",
          "name": "fancy", "config": {"name": "fancy", "units": 4},
          "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                       "config": {"shape": [None, 3], "keras_history": ["x", 0, 0]}}],
                             "kwargs": {}}]}
INPUT = {"module": "keras.layers", "class_name": "InputLayer", "name": "x", "inbound_nodes": [],
         "config": {"batch_shape": [None, 3], "name": "x"}}


def functional(*layers, outputs="fancy") -> str:
    return json.dumps({"module": "keras.src.models.functional", "class_name": "Functional",
                       "config": {"name": "m", "layers": list(layers), "input_layers": [["x", 0, 0]],
                                  "output_layers": [[outputs, 0, 0]]}})


@pytest.mark.parametrize("text, fragments", [
    (json.dumps({"module": "keras.layers", "class_name": "Dense", "config": {"units": 3}}),
     ["not a Keras model", "class_name = 'Dense'"]),
    (functional(INPUT, CUSTOM), ["layer 1 'fancy' (FancyDense)", "FancyDense from my_package.layers"]),
    (functional(INPUT, CUSTOM)[:300], ["not valid JSON", "line 1"]),
    (functional(INPUT, {**CUSTOM, "module": "keras.layers", "class_name": "Dense", "config": {
        "units": 4, "lora_everything": 7}}), ["layer 1 'fancy' (Dense)", "no argument 'lora_everything'"]),
    (functional(INPUT, {**CUSTOM, "class_name": "Dense", "module": "keras.layers",
                        "inbound_nodes": [[["nowhere", 0, 0, {}]]]}), ["names the layer 'nowhere'"]),
], ids=["not a model", "custom class", "broken JSON", "unknown key", "missing layer"])
def test_bad_input_is_one_line(capsys, tmp_path, text, fragments):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "import", path)
    assert code == 2 and out == ""
    assert_one_line(err, str(path), *fragments)


def test_the_command_as_users_run_it(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(3)], name="tiny")
    (tmp_path / "tiny.json").write_text(model.to_json(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symparam", "import", "tiny.json", "--symbol", "side=8",
                           "-o", "tiny.toml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    derived = subprocess.run([sys.executable, "-m", "symparam", "derive", "tiny.toml", "--set", "side=10", "--json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert derived.returncode == 0, derived.stderr
    assert json.loads(derived.stdout)["total"] == 2 * 9 + 2 + (8 * 8 * 2) * 3 + 3
