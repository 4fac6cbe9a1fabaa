"""`symparam import config.json` against transformers: every config under configs/ (written from the published
values) is imported and derived, and transformers builds the same model class from the same config on the meta
device. The totals must be equal, and so must every layer's count: each spec layer is a module of the model (a
block repeated N times stands for its N modules), and each of the model's tensors is counted in the first spec
layer that holds it under one of its names (a tied tensor has several).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from symparam.account import build as account
from symparam.engine import derive, resolved
from symparam.errors import SymparamError
from symparam.importing import convert
from symparam.render.json import document
from symparam.spec import loads

from .hf_oracle import transformers_module

CONFIGS = Path(__file__).resolve().parent / "configs"
FAMILIES = ("gpt2", "llama", "mistral", "mixtral", "qwen2", "gemma", "phi3", "bert", "roberta", "distilbert", "t5",
            "vit", "opt")


@pytest.fixture(scope="session")
def transformers():
    return transformers_module()


def imported(path: Path, **bindings):
    """The imported spec of `path`, derived and bound to its defaults (and `bindings`)."""
    text = convert(str(path))
    net = resolved(derive(loads(text, f"{path.name} (imported)")), bindings)
    return text, net


def hf_model(transformers, config: dict):
    import torch
    cfg = transformers.AutoConfig.for_model(**config)
    architectures = config.get("architectures")
    cls = getattr(transformers, architectures[0]) if architectures else transformers.AutoModel
    with torch.device("meta"):
        return cls(cfg) if architectures else cls.from_config(cfg)


def per_layer(model, net) -> dict[str, int]:
    """Each spec layer's count in the model: the tensors whose first holder (in spec order) it is."""
    names: dict[int, list[str]] = {}
    sizes: dict[int, int] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), []).append(name)
        sizes[id(p)] = p.numel()
    counts = {layer.name: 0 for layer in net.layers}
    left = dict(names)
    for layer in net.layers:
        if "/" in layer.name:
            stack, _, rest = layer.name.partition("/")   # a stack (model.layers), or one block of it (block.0)
            index = "" if stack.rpartition(".")[2].isdigit() else r"\d+\."
            pattern = rf"{re.escape(stack)}\.{index}{re.escape(rest)}"
        else:
            pattern = re.escape(layer.name)
        module = re.compile(rf"^{pattern}(\.|$)")
        for key in [k for k, held in left.items() if any(module.match(n) for n in held)]:
            counts[layer.name] += sizes[key]
            del left[key]
    assert not left, f"tensors no spec layer holds: {sorted(n[0] for n in left.values())[:8]}"
    return counts


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.json")), ids=lambda p: p.stem)
def test_the_import_counts_what_transformers_builds(path, transformers):
    config = json.loads(path.read_text())
    _, net = imported(path)
    model = hf_model(transformers, config)
    assert int(net.total) == sum(p.numel() for p in model.parameters())
    expected = per_layer(model, net)
    assert {layer.name: int(layer.params) for layer in net.layers} == expected


OTHER_CLASSES = [   # (config, architecture, smaller sizes for speed)
    ("llama-2-7b", "LlamaForSequenceClassification", {"num_hidden_layers": 2, "num_labels": 3}),
    ("llama-2-7b", "LlamaModel", {"num_hidden_layers": 2}),
    ("mixtral-8x7b", "MixtralModel", {"num_hidden_layers": 2}),
    ("bert-base", "BertForSequenceClassification", {"num_hidden_layers": 2}),
    ("roberta-base", "RobertaModel", {"num_hidden_layers": 2}),
    ("distilbert-base", "DistilBertModel", {"n_layers": 2}),
    ("gpt2", "GPT2Model", {"n_layer": 2}),
    ("t5-small", "T5Model", {"num_layers": 3, "num_decoder_layers": 2, "feed_forward_proj": "gated-gelu"}),
    ("opt-125m", "OPTModel", {"num_hidden_layers": 2}),
    ("gemma-2b", "GemmaModel", {"num_hidden_layers": 2}),
]


@pytest.mark.parametrize("name, architecture, sizes", OTHER_CLASSES, ids=lambda v: v if isinstance(v, str) else "")
def test_other_model_classes(name, architecture, sizes, transformers, tmp_path):
    """The base models and the classification heads of the same configs (T5 v1.1's gated MLP and a decoder of
    another depth too), layer by layer."""
    config = {**json.loads((CONFIGS / f"{name}.json").read_text()), **sizes, "architectures": [architecture]}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    _, net = imported(path)
    model = hf_model(transformers, config)
    assert int(net.total) == sum(p.numel() for p in model.parameters())
    assert {layer.name: int(layer.params) for layer in net.layers} == per_layer(model, net)


def test_mixtral_reports_the_parameters_active_per_token():
    """Active = total less 6/8 of the expert MLPs: each token goes through 2 of the 8 experts of every layer."""
    config = json.loads((CONFIGS / "mixtral-8x7b.json").read_text())
    _, net = imported(CONFIGS / "mixtral-8x7b.json")
    experts = (config["num_hidden_layers"] * config["num_local_experts"] * 3 * config["hidden_size"]
               * config["intermediate_size"])
    unused = experts * (config["num_local_experts"] - config["num_experts_per_tok"]) // config["num_local_experts"]
    doc = document(account(net))
    assert doc["total"] == int(net.total) and doc["active"] == doc["total"] - unused
    symbolic = account(net.unbound)
    assert symbolic.active.value.free_symbols >= {s for s in symbolic.total.value.free_symbols
                                                  if s.name == "num_experts_per_tok"}


def test_a_dense_model_reports_no_active_count():
    _, net = imported(CONFIGS / "llama-2-7b.json")
    assert "active" not in document(account(net))


def test_mixtral_leading_shows_where_the_active_count_comes_from(capsys, tmp_path):
    from symparam.cli import main
    path = tmp_path / "mixtral.toml"
    path.write_text(convert(str(CONFIGS / "mixtral-8x7b.json")))
    assert main(["derive", str(path), "--leading"]) == 0
    out = capsys.readouterr().out
    assert "Active params per token: 12,879,925,248" in out
    assert "model.layers/mlp" in out.split("Active per token")[1]


@pytest.mark.parametrize("model_type", FAMILIES)
def test_a_config_transformers_writes_imports(model_type, transformers, tmp_path):
    """Every field transformers' own config class writes is one the family's table knows, and its defaults are
    transformers' (the base model from a default config counts the same)."""
    config = transformers.AutoConfig.for_model(model_type).to_dict()
    config.pop("architectures", None)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    _, net = imported(path)
    assert int(net.total) == sum(p.numel() for p in hf_model(transformers, config).parameters())


def test_config_fields_are_the_spec_symbols():
    text, net = imported(CONFIGS / "llama-3-8b.json", num_hidden_layers=16)
    config = json.loads((CONFIGS / "llama-3-8b.json").read_text())
    for name in ("hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                 "intermediate_size", "vocab_size"):
        assert net.symbols.info(name).default == config[name] and net.symbols.info(name).doc
        assert f"\n{name} = {{ default = {config[name]}, doc = " in text
    assert "head_dim" not in net.symbols.names()   # hidden_size / num_attention_heads: no symbol of its own
    h, f, v = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    kv = config["num_key_value_heads"]
    block = 2 * h * h + 2 * h * (kv * h // config["num_attention_heads"]) + 3 * h * f + 2 * h
    assert int(net.total) == 2 * v * h + h + 16 * block


def test_a_head_dim_in_the_config_is_a_symbol_of_its_own():
    text, net = imported(CONFIGS / "gemma-7b.json")
    assert "head_dim" in net.symbols.names() and net.symbols.info("head_dim").default == 256


def test_solve_keeps_head_dim_an_integer(tmp_path):
    """solve for hidden_size at 1B on Llama-3-8B's import: the answer divides by num_attention_heads."""
    spec = tmp_path / "llama3.toml"
    spec.write_text(convert(str(CONFIGS / "llama-3-8b.json")))
    done = subprocess.run([sys.executable, "-m", "symparam", "solve", str(spec), "--for", "hidden_size",
                           "--budget", "1B"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = re.search(r"Largest hidden_size within 1,000,000,000 parameters: ([\d,]+)", done.stdout)
    value = int(found.group(1).replace(",", ""))
    assert value % 32 == 0
    _, net = imported(CONFIGS / "llama-3-8b.json", hidden_size=value)
    _, over = imported(CONFIGS / "llama-3-8b.json", hidden_size=value + 32)
    assert int(net.total) <= 10**9 < int(over.total)


BAD = {
    "another family": ('{"model_type": "falcon", "hidden_size": 4544}', ["model_type 'falcon'", "llama"]),
    "an unknown field": ('{"model_type": "llama", "num_hidden_layers": 2, "quantization_config": {"bits": 4}}',
                         ["field 'quantization_config'", "Received: quantization_config"]),
    "a size that is not one": ('{"model_type": "llama", "hidden_size": "4096"}', ["field 'hidden_size'"]),
    "a value not modelled": ('{"model_type": "gpt2", "add_cross_attention": true}', ["field 'add_cross_attention'"]),
    "an unknown class": ('{"model_type": "llama", "architectures": ["LlamaForTokenClassification"]}',
                         ["field 'architectures'", "LlamaForCausalLM"]),
    "an unknown activation": ('{"model_type": "llama", "hidden_act": "cubic"}', ["field 'hidden_act'", "cubic"]),
    "not JSON": ('{"model_type": "llama", hidden_size: 1}', ["not a JSON config"]),
    "not an object": ('[{"model_type": "llama"}]', ["not a model symparam can import"]),
    "the Keras convention": ('{"model_type": "llama"}', ["torch convention", "--convention keras"], "--convention",
                             "keras"),
    "a lifted symbol": ('{"model_type": "llama"}', ["--symbol is not needed"], "--symbol", "d=4096"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_configs_are_one_line(case, tmp_path, capsys):
    from symparam.cli import main
    text, fragments, *options = BAD[case]
    path = tmp_path / "config.json"
    path.write_text(text)
    assert main(["import", str(path), *options]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_a_bad_config_is_one_line_from_the_real_command(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"model_type": "mixtral", "num_local_experts": 0}')
    done = subprocess.run([sys.executable, "-m", "symparam", "import", str(path)], capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "num_local_experts" in done.stderr


def test_a_repeat_of_several_terms_reads_as_one_count():
    """T5's repeated blocks are num_layers - 1 copies: the formula says (num_layers - 1) x (...), not
    num_layers - 1 x (...)."""
    _, net = imported(CONFIGS / "t5-small.json")
    layer = next(x for x in document(account(net))["layers"] if x["name"] == "encoder.block/layer.0.layer_norm")
    assert layer["formula"] == "(num_layers - 1) × (d_model)"


def test_every_family_is_covered_by_a_config():
    types = {json.loads(p.read_text())["model_type"] for p in CONFIGS.glob("*.json")}
    assert types == set(FAMILIES)


values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 2**70), st.floats(allow_nan=True),
                                st.text(max_size=12), st.sampled_from(["gelu", "silu", "gated-gelu", "relu", "absolute",
                                                                       "LlamaForCausalLM", "BertModel"])),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(model_type=st.sampled_from(FAMILIES + ("falcon", 3)), base=st.sampled_from(sorted(CONFIGS.glob("*.json"))),
       changes=st.dictionaries(st.sampled_from(sorted({k for p in CONFIGS.glob("*.json")
                                                       for k in json.loads(p.read_text())} | {"architectures",
                                                                                             "head_dim", "n_inner"})),
                               values, max_size=3))
def test_any_config_imports_or_fails_in_one_error(model_type, base, changes, tmp_path_factory):
    """Published configs with fields changed to anything JSON holds: the import writes a spec symparam loads, or
    raises symparam's own error (a traceback would be a bug)."""
    config = {**json.loads(base.read_text()), **changes}
    if changes.get("model_type") is None:
        config["model_type"] = model_type
    path = tmp_path_factory.mktemp("fuzz") / "config.json"
    try:
        path.write_text(json.dumps(config))
    except ValueError:   # a float JSON cannot hold
        return
    try:
        loads(convert(str(path)), "fuzz")
    except SymparamError as exc:
        assert "\n" not in str(exc)

