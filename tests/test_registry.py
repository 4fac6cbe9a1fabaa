"""The registry: names, Keras's argument names, the generated catalogue."""

import inspect
from pathlib import Path

import pytest

from symparam.layers import default_name, kinds, lookup
from symparam.errors import SymparamError
from symparam.render import catalogue

DOCS = Path(__file__).resolve().parent.parent / "docs" / "layers.md"


def test_core_kinds_are_registered():
    expected = {"InputLayer", "Dense", "Conv1D", "Conv2D", "Conv3D", "Flatten", "Reshape", "Dropout", "Activation",
                "BatchNormalization"}
    for op in ("Max", "Average"):
        for rank in (1, 2, 3):
            expected |= {f"{op}Pooling{rank}D", f"Global{op}Pooling{rank}D"}
    assert expected <= set(kinds())


def test_unknown_names_suggest_the_closest():
    with pytest.raises(SymparamError, match="Did you mean .*MaxPooling2D"):
        lookup("MaxPoolin2D")


def test_the_index_read_from_the_family_modules_is_the_registry():
    """lookup() imports only the family its index names; the index (read from the modules' text) must list every
    name the registry holds, in the module that registers it, and nothing else."""
    from symparam.layers import index, names
    registry = {name: kind.__module__.rsplit(".", 1)[1] for name, kind in names().items()}
    assert index() == registry


def test_every_alias_keras_exports_derives_like_its_canonical_name():
    """keras.layers exports some classes under several names (MaxPool2D is MaxPooling2D): each is registered, and a
    spec written with it derives exactly as one with the class's own name."""
    import json
    keras = pytest.importorskip("keras", reason="Keras is not installed (pip install '.[oracle]')")
    from symparam.api import load_dict
    from symparam.layers import names
    registered = names()
    seen = 0
    for exported in dir(keras.layers):
        cls = getattr(keras.layers, exported)
        if not inspect.isclass(cls) or cls.__name__ not in registered or exported == cls.__name__:
            continue
        kind = registered[cls.__name__]
        assert registered.get(exported) is kind, f"keras.layers.{exported} is {cls.__name__}, not registered"
        kwargs, shape, values = kind.example
        inputs = dict(shape) if isinstance(shape, dict) else list(shape)   # named inputs: GroupQueryAttention
        specs = [{"network": {"name": "n", "input": inputs}, "layers": [{"type": t, **kwargs}]}
                 for t in (cls.__name__, exported)]
        canonical, alias = (load_dict(spec, **values).render("json") for spec in specs)
        assert json.loads(alias) == json.loads(canonical), exported
        seen += 1
    assert seen >= 20   # Keras 3 exports 21 such aliases of kinds symparam has (AvgPool2D, Convolution2D, ...)


@pytest.mark.parametrize("type_name, name", [("Conv2D", "conv2d"), ("MaxPooling2D", "max_pooling2d"),
                                             ("GlobalAveragePooling2D", "global_average_pooling2d"),
                                             ("BatchNormalization", "batch_normalization"), ("Dense", "dense"),
                                             ("InputLayer", "input_layer")])
def test_default_names_follow_keras(type_name, name):
    assert default_name(type_name) == name


def test_kind_texts_are_plain_ascii():
    """Summaries and reasons go into LaTeX and one-line messages."""
    for kind in kinds().values():
        assert kind.summary and kind.summary.isascii(), kind.name
        assert kind.no_params.isascii(), kind.name


def test_docs_layers_md_is_current():
    assert DOCS.read_text(encoding="utf-8") == catalogue.render(), \
        "docs/layers.md is stale: python -m symparam.render.catalogue > docs/layers.md"


def test_argument_names_are_kerass_own():
    """Every kind accepts exactly the Keras constructor's arguments (and Keras's base-layer ones)."""
    keras = pytest.importorskip("keras", reason="Keras 3 is not installed (pip install '.[oracle]')")
    base = {p for p in inspect.signature(keras.layers.Layer.__init__).parameters if p not in ("self", "kwargs")}
    for name, kind in kinds().items():
        if kind.convention != "keras" or kind.modelled_on:   # a kind of a model's module, not a Keras class
            continue
        if name.startswith("ops."):   # ops.*: operands, not constructor arguments
            continue
        from oracle.keras_facts import keras_class   # keras.layers, or keras.applications' own classes
        cls = keras_class(name)
        own = {p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")}
        ours = set(kind.all_args()) | {"name"}
        if name == "InputLayer":  # InputLayer does not take the base layer's arguments
            assert own <= ours, (name, own - ours)
            continue
        expected = own | base
        if name in ("Conv1D", "Conv2D", "Conv3D"):  # BaseConv takes lora_rank / lora_alpha through **kwargs
            expected |= {"lora_rank", "lora_alpha"}
        if name == "LayerNormalization":  # the deprecated rms_scaling, read from **kwargs
            expected |= {"rms_scaling"}
        if name in ("StringLookup", "IntegerLookup", "TextVectorization"):   # read from **kwargs (config keys)
            expected |= {"vocabulary_size"} | ({"oov_method"} if name == "StringLookup" else set())
        assert ours == expected, (name, sorted(ours ^ expected))


def test_every_kind_has_an_example_that_derives():
    from symparam.catalogue import entries
    for e in entries():
        assert e.kind.example is not None, f"{e.kind.name} has no example for the catalogue"
        assert e.symbolic is not None and e.worked is not None
        assert e.worked.params.value.is_number and not e.worked.params.value.free_symbols, e.kind.name


def test_layers_command(capsys):
    from symparam.cli import main
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "Conv2D" in out and "C_in·F·k_h·k_w + F" in out
    assert main(["layers", "Dense"]) == 0
    out = capsys.readouterr().out
    assert "256·10 + 10 = 2,570 parameters" in out   # the worked example: 256 inputs, 10 units
    assert main(["layers", "Dens"]) == 2
    assert "Did you mean Dense" in capsys.readouterr().err


def test_argument_names_are_torchs_own():
    """Every nn.* kind accepts exactly the torch module constructor's arguments."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install '.[oracle]')")
    for name, kind in kinds().items():
        if kind.convention != "torch" or kind.modelled_on or name == "nn.Module":   # a model's module, or any module
            continue
        cls = getattr(torch.nn, name.removeprefix("nn."))
        own = {p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")}
        if not own and issubclass(cls, torch.nn.RNNBase):  # nn.RNN/LSTM/GRU take *args, **kwargs for RNNBase
            own = {p for p in inspect.signature(torch.nn.RNNBase.__init__).parameters if p not in ("self", "mode")}
            if cls is torch.nn.RNN:
                own.add("nonlinearity")
            if cls is not torch.nn.LSTM:
                own.discard("proj_size")
        assert set(kind.all_args()) == own, (name, sorted(set(kind.all_args()) ^ own))


def test_a_size_with_another_minimum_says_so():
    """The catalogue (docs/layers.md) and the refusals read `expected`: a size that must be at least 2 (a lookup's
    max_tokens) or may be 0 (Hashing's num_bins) says that, not "a positive integer"."""
    from symparam.layers.base import Size
    sizes = [(kind.name, key, arg) for kind in kinds().values() for key, arg in kind.all_args().items()
             if isinstance(arg, Size) and arg.minimum != 1]
    assert sizes
    for name, key, arg in sizes:
        assert f">= {arg.minimum}" in arg.expected and "positive" not in arg.expected, (name, key, arg.expected)
