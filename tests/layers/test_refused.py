"""The keras.layers classes that are no layer kind (symparam.layers.REFUSED): every Layer class Keras 3 exports is
either a kind (by its name or an alias) or refused with its reason, in a spec and in an imported config alike."""

from __future__ import annotations

import inspect
import json
import warnings

import pytest

from oracle.cases import require
from symparam.api import load_dict
from symparam.errors import SymparamError
from symparam.importing import Options, convert
from symparam.layers import REFUSED, names


def exported_layer_classes(keras) -> list[str]:
    return sorted(n for n in dir(keras.layers) if inspect.isclass(getattr(keras.layers, n))
                  and issubclass(getattr(keras.layers, n), keras.layers.Layer))


def test_every_keras_layer_class_is_a_kind_or_refused():
    keras = require("keras")
    known = names()
    missing = [n for n in exported_layer_classes(keras) if n not in known and n not in REFUSED]
    assert not missing, f"keras.layers classes neither registered nor refused: {', '.join(missing)}"
    assert not set(REFUSED) & set(known), "a refused name is also a kind"
    assert set(REFUSED) <= set(exported_layer_classes(keras)), "REFUSED names a class keras.layers lacks"


@pytest.mark.parametrize("type_name", sorted(REFUSED))
def test_a_spec_naming_a_refused_class_is_one_error_with_the_reason(type_name):
    spec = {"network": {"name": "n", "input": [4]}, "layers": [{"type": type_name}]}
    with pytest.raises(SymparamError) as error:
        load_dict(spec)
    message = str(error.value)
    assert "\n" not in message and REFUSED[type_name] in message and "layer 1" in message, message


def test_a_config_with_a_lambda_layer_is_refused_with_the_reason(tmp_path):
    keras = require("keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = keras.Input((4,))
        model = keras.Model(x, keras.layers.Dense(2)(keras.layers.Lambda(lambda t: t * 2)(x)))
    path = tmp_path / "lambda.json"
    path.write_text(model.to_json(), encoding="utf-8")
    with pytest.raises(SymparamError, match="Lambda runs a Python function"):
        convert(str(path), Options(symbols={}))


def test_a_custom_class_of_a_refused_name_is_a_custom_class(tmp_path):
    """Only keras's own Pipeline is refused as such: a user's class of that name is an unknown custom layer."""
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}},
            {"module": "my_package", "class_name": "Pipeline", "name": "p", "config": {"name": "p"},
             "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                          "config": {"keras_history": ["x", 0, 0]}}], "kwargs": {}}]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["p", 0, 0]]}}
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(SymparamError, match="symparam knows no Keras layer class Pipeline from my_package"):
        convert(str(path), Options(symbols={}))
