"""symparam export and verify (issue 15, part 3).

- Every gallery spec is exported to Keras and to PyTorch, the written file is run (runpy: the test runs code
  symparam wrote; symparam itself never runs text), and the model it builds holds, layer by layer, what the account
  says (its twins' counts when exported to the other framework) and the account's total; verify agrees.
- Generated networks over the layer kinds (hypothesis) verify in both frameworks.
- verify can fail: an altered account, or a framework layer built with another size, is reported at that layer.
- Hostile names stay data in the written code; bad input is one line, exit status 2.
"""

from __future__ import annotations

import ast
import keyword
import math
import runpy
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from oracle.cases import require
from symparam.account import build as account_of
from symparam.cli import main
from symparam.engine import derive, derive_file, resolved
from symparam.errors import SymparamError
from symparam.export import Unit, export, plan_for
from symparam.export.source import Call
from symparam.render.escape import python, python_name
from symparam.spec import from_dict, loads
from symparam.verify import verify

ROOT = Path(__file__).resolve().parent.parent
GALLERY = sorted((ROOT / "examples").glob("*.toml"))
FRAMEWORKS = ("keras", "torch")
# Keras builds real weights (torch's build is on the meta device): Llama-2-7B's 6.7 billion would take 27 GB, so
# Keras builds the same layers at these sizes (every kind, the repeat, grouped-query heads: 4 query, 2 key-value)
KERAS_SIZES = {"llama": {"vocab_size": 100, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
                         "num_attention_heads": 4, "num_key_value_heads": 2, "seq_len": 16}}


@pytest.fixture(scope="module")
def accounts():
    return {path.stem: account_of(derive_file(path)) for path in GALLERY}


@pytest.fixture(scope="module")
def keras_accounts(accounts):
    return {**accounts, **{spec: account_of(derive_file(ROOT / "examples" / f"{spec}.toml", sizes))
                           for spec, sizes in KERAS_SIZES.items()}}


# ---- running the written file ------------------------------------------------------------------------------------

def _keras_model(namespace):
    return namespace["build"]()


def _torch_model(namespace):
    torch = require("torch")
    with torch.device("meta"):
        return namespace["Net"]()


def _size(shape) -> int:
    return math.prod(int(d) for d in shape)


def written_facts(plan, namespace):
    """[(layer name, copy, (params, trainable, non-trainable, buffers))] read from the model the written file builds,
    each variable counted at the first layer holding it (by identity), and the model's own totals."""
    out = []
    seen: set[int] = set()
    if plan.target == "keras":
        model = _keras_model(namespace)
        for node, copies in plan.nodes():
            for copy in range(copies) if copies else [None]:
                names = [node.framework_name(copy) + suffix for _, suffix in node.recipe.layers]
                if node.share:
                    names = []
                own = []
                for name in names:
                    for v in model.get_layer(name).weights:
                        if id(v) not in seen:
                            seen.add(id(v))
                            own.append(v)
                params = sum(_size(v.shape) for v in own)
                trainable = sum(_size(v.shape) for v in own if v.trainable)
                out.append((node.layer.name, copy, (params, trainable, params - trainable, 0)))
        totals = (model.count_params(), sum(_size(v.shape) for v in model.trainable_weights), 0)
        return out, totals, model
    net = _torch_model(namespace)
    for node, copies in plan.nodes():
        unit = next((u for u in plan.body if isinstance(u, Unit) and node in u.nodes), None)
        for copy in range(copies) if copies else [None]:
            path = node.ident if unit is None else f"{unit.ident}.{copy}.{node.ident}"
            params = trainable = buffers = 0
            if node.recipe.modules and not node.share:
                module = net.get_submodule(path)
                for p in module.parameters():
                    if id(p) not in seen:
                        seen.add(id(p))
                        params += p.numel()
                        trainable += p.numel() if p.requires_grad else 0
                for b in module.buffers():
                    if id(b) not in seen:
                        seen.add(id(b))
                        buffers += b.numel()
            out.append((node.layer.name, copy, (params, trainable, params - trainable, buffers)))
    totals = (sum(p.numel() for p in net.parameters()), sum(p.numel() for p in net.parameters() if p.requires_grad),
              sum(b.numel() for b in net.buffers()))
    return out, totals, net


def run_written(tmp_path, account, target):
    """Write the export to a file, run it, and return (plan, the per-layer facts, the totals, the model)."""
    require(target)
    text = export(account, target)
    path = tmp_path / f"{account.name}_{target}.py"
    path.write_text(text, encoding="utf-8")
    namespace = runpy.run_path(str(path), run_name="exported")
    plan = plan_for(account, target)
    facts, totals, model = written_facts(plan, namespace)
    return plan, facts, totals, model, namespace


def _expected(plan):
    return [(node.layer.name, copy, (node.expected.params, node.expected.trainable, node.expected.non_trainable,
                                     node.expected.buffers))
            for node, copies in plan.nodes() for copy in (range(copies) if copies else [None])]


@pytest.mark.parametrize("target", FRAMEWORKS)
@pytest.mark.parametrize("spec", [p.stem for p in GALLERY])
def test_every_gallery_spec_round_trips(spec, target, accounts, keras_accounts, tmp_path, capsys):
    account = (keras_accounts if target == "keras" else accounts)[spec]
    plan, facts, totals, model, namespace = run_written(tmp_path, account, target)
    assert namespace["NAME"] == account.name
    assert facts == _expected(plan)
    if target == account.convention:   # the spec's own framework: the account's totals exactly
        total, trainable, buffers = totals
        assert total == int(account.total.value)
        assert trainable == int(account.trainable.value)
        if target == "torch":
            assert buffers == int(account.buffers.value)
    else:                              # the other framework: what the twins hold
        assert totals[0] == sum(n.expected.params * (c or 1) for n, c in plan.nodes())
    if target == "keras":              # the model's outputs: the account's last layers' shapes
        ends = [n for n in plan.outputs]
        shapes = {n.ident: n.expected.outputs[0] for n, _ in plan.nodes()}
        shapes.update({u.ident: shapes[u.output] for u in plan.body if isinstance(u, Unit)})
        assert [tuple(t.shape[1:]) for t in model.outputs] == [shapes[e] for e in ends]
    if spec == "gpt2":                 # the tied head holds nothing of its own
        assert (model.get_layer("lm_head").count_params() if target == "keras"
                else sum(p.numel() for p in model.lm_head.parameters())) == (0 if target == "keras" else 38597376)
        if target == "torch":
            assert model.lm_head.weight is model.wte.weight
    report = verify(account, target)
    assert report.verified, report.text()
    assert report.total == totals[0]


def test_the_written_torch_model_runs_forward_with_the_accounts_output_shape(accounts):
    torch = require("torch")
    account = accounts["cnn"]
    namespace = {}
    exec(compile(export(account, "torch"), "cnn_torch.py", "exec"), namespace)   # the test runs symparam's output
    with torch.device("meta"):
        net = namespace["Net"]()
        y = net(torch.zeros((2, 32, 32, 3)))
    assert tuple(y.shape[1:]) == tuple(int(d) for d in account.layers[-1].record.output_shape)


def test_export_cli_writes_a_file_that_runs_as_a_script(tmp_path):
    require("torch")
    out = tmp_path / "lenet5.py"
    assert main(["export", str(ROOT / "examples" / "lenet5.toml"), "--to", "torch", "-o", str(out)]) == 0
    done = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["lenet5", "61706", "parameters"]


# ---- generated networks ------------------------------------------------------------------------------------------

SIZES = st.integers(1, 6)


@st.composite
def keras_specs(draw):
    side, channels = draw(st.integers(6, 14)), draw(st.integers(1, 4))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Conv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D",
                                     "BatchNormalization", "ZeroPadding2D", "ReLU", "Activation"]))
        if kind == "Conv2D":
            layer = {"filters": draw(SIZES), "kernel_size": draw(st.integers(1, 3)), "strides": draw(st.integers(1, 2)),
                     "padding": draw(st.sampled_from(["valid", "same"])), "use_bias": draw(st.booleans())}
        elif kind == "DepthwiseConv2D":
            layer = {"kernel_size": draw(st.integers(1, 3)), "strides": draw(st.integers(1, 2)),
                     "depth_multiplier": draw(st.integers(1, 2)), "padding": draw(st.sampled_from(["valid", "same"]))}
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            layer = {"pool_size": draw(st.integers(1, 3)), "padding": draw(st.sampled_from(["valid", "same"]))}
        elif kind == "BatchNormalization":
            both = draw(st.booleans())
            layer = {"center": both, "scale": both}
        elif kind == "ZeroPadding2D":
            layer = {"padding": [[draw(st.integers(0, 2)), draw(st.integers(0, 2))],
                                 [draw(st.integers(0, 2)), draw(st.integers(0, 2))]]}
        elif kind == "ReLU":
            layer = {"max_value": draw(st.sampled_from([6.0, 1.0]))} if draw(st.booleans()) else {}
        else:
            layer = {"activation": draw(st.sampled_from(["relu", "tanh", "sigmoid"]))}
        layers.append({"type": kind, **layer})
    layers += [{"type": draw(st.sampled_from(["Flatten", "GlobalAveragePooling2D"]))},
               {"type": "Dense", "units": draw(SIZES), "activation": draw(st.sampled_from(["relu", "softmax"]))}]
    return {"network": {"name": "generated", "input": [side, side, channels]}, "layers": layers}


@st.composite
def torch_specs(draw):
    side, channels = draw(st.integers(6, 14)), draw(st.integers(1, 4))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["nn.Conv2d", "nn.BatchNorm2d", "nn.MaxPool2d", "nn.ReLU"]))
        if kind == "nn.Conv2d":
            k = draw(st.integers(1, 3))
            layer = {"out_channels": draw(SIZES), "kernel_size": k, "stride": draw(st.integers(1, 2)),
                     "padding": draw(st.integers(0, k // 2)), "bias": draw(st.booleans())}
        elif kind == "nn.BatchNorm2d":
            layer = {"affine": draw(st.booleans())}
        elif kind == "nn.MaxPool2d":
            k = draw(st.integers(1, 3))
            layer = {"kernel_size": k, "stride": draw(st.integers(1, 2)), "padding": draw(st.integers(0, k // 2))}
        else:
            layer = {}
        layers.append({"type": kind, **layer})
    layers += [{"type": "nn.Flatten"}, {"type": "nn.Linear", "out_features": draw(SIZES)}]
    return {"network": {"name": "generated", "convention": "torch", "input": [channels, side, side]},
            "layers": layers}


def _derived(document):
    try:
        return account_of(resolved(derive(from_dict(document, "<generated>"))))
    except SymparamError:
        assume(False)   # a window larger than its input: not a network


def _exported_or_refused(account, target):
    try:
        return plan_for(account, target)
    except SymparamError as exc:
        assert "cannot be exported" in str(exc), str(exc)
        assume(False)


GENERATED = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.filter_too_much])


@pytest.mark.parametrize("target", FRAMEWORKS)
@pytest.mark.parametrize("convention", ["keras", "torch"])
@GENERATED
@given(data=st.data())
def test_generated_networks_verify(convention, target, data):
    require(target)
    document = data.draw(keras_specs() if convention == "keras" else torch_specs())
    account = _derived(document)
    _exported_or_refused(account, target)
    report = verify(account, target)
    assert report.verified, (document, report.text())


def _example_network(kind, sizes=None):
    """A one-layer network of the kind's catalogue example (every kind has one: tests/test_registry.py), its numbers
    changed by `sizes`."""
    args, shape, numbers = kind.example
    args, numbers = dict(args), {**numbers, **(sizes or {})}
    inputs = args.pop("inputs", None)
    network = {"name": "example", "convention": "keras" if kind.any_convention else kind.convention}
    layer = {"type": kind.name, **args}
    if isinstance(shape, dict):
        network["input"] = shape
        layer["inputs"] = inputs or list(shape)
    elif shape is not None and kind.n_inputs != 0:
        network["input"] = shape
    document = {"network": network, "symbols": {k: {"default": v} for k, v in numbers.items()}, "layers": [layer]}
    return account_of(resolved(derive(from_dict(document, "<example>"))))


# Keras makes every weight: examples too large for that are verified in Keras at these numbers (the same layer;
# Mixtral's experts at its example's sizes hold 1.4 billion parameters, 5.6 GB)
KERAS_EXAMPLE_SIZES = {"MixtureOfExperts": {"I": 96, "D": 64, "L": 16}}

# What the installed Keras cannot hold in a functional model, though symparam counts it as Keras does.
KERAS_CANNOT = {"Equalization": "is part of a cycle"}   # Keras 3.15 returns the input tensor itself when symbolic


def _kinds():
    from symparam.layers import kinds
    return sorted(kinds().items())


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_every_kinds_example_verifies_or_is_refused_in_one_line(target):
    """Each kind's catalogue example, in its own framework, verifies; in the other, it verifies or is refused as
    having no translation (nn.Module, a listing of an unknown module's tensors, has none in either; a kind that
    says why it cannot be exported, `no_export`, is refused in one line)."""
    require(target)
    failures, refused = [], []
    for name, kind in _kinds():
        account = _example_network(kind, KERAS_EXAMPLE_SIZES.get(name) if target == "keras" else None)
        try:
            report = verify(account, target)
        except SymparamError as exc:
            if ((target != account.convention or name == "nn.Module" or kind.no_export)
                    and "cannot be exported" in str(exc)):
                refused.append(name)
            elif not (target == "keras" and name in KERAS_CANNOT and KERAS_CANNOT[name] in str(exc)):
                failures.append(f"{name}: {exc}")
            continue
        if name in KERAS_CANNOT and target == "keras":
            failures.append(f"{name}: now verifies; drop it from KERAS_CANNOT")
        if not report.verified:
            failures.append(f"{name}: {report.text()}")
    assert not failures, "\n".join(failures)


# ---- verify can fail ---------------------------------------------------------------------------------------------

def _altered(plan, index, **changes):
    """The plan with its index-th top-level node changed."""
    body = list(plan.body)
    body[index] = replace(body[index], **changes)
    return replace(plan, body=body)


def _layer_index(plan, name):
    return next(i for i, item in enumerate(plan.body) if not isinstance(item, Unit) and item.layer.name == name)


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_verify_reports_an_altered_account(target, accounts):
    require(target)
    account = accounts["cnn"]
    plan = plan_for(account, target)
    i = _layer_index(plan, "Conv3")
    node = plan.body[i]
    wrong = replace(node.expected, params=node.expected.params + 1)
    report = verify(account, target, plan=_altered(plan, i, expected=wrong))
    assert not report.verified
    assert report.first.where == "layer 4 'Conv3' (Conv2D)"
    assert (report.first.what, report.first.symparam, report.first.framework) == \
        ("parameters", node.expected.params + 1, node.expected.params)
    assert report.text().startswith("layer 4 'Conv3' (Conv2D): parameters: symparam 73857, ")


def _resized(call: Call, key: str, by: int) -> Call:
    return replace(call, kwargs=tuple((k, v + by if k == key else v) for k, v in call.kwargs))


def test_verify_reports_a_keras_layer_built_with_another_size(accounts):
    require("keras")
    account = accounts["cnn"]
    plan = plan_for(account, "keras")
    i = _layer_index(plan, "Dense1")
    node = plan.body[i]
    (call, suffix), = node.recipe.layers
    recipe = replace(node.recipe, layers=((_resized(call, "units", 1), suffix),))
    report = verify(account, "keras", plan=_altered(plan, i, recipe=recipe))
    assert report.first.where == "layer 7 'Dense1' (Dense)"
    assert (report.first.what, report.first.symparam, report.first.framework) == ("parameters", 2570, 2827)


def test_verify_reports_a_torch_layer_built_with_another_size(accounts):
    require("torch")
    account = accounts["resnet50_torch"]
    plan = plan_for(account, "torch")
    i = _layer_index(plan, "fc")
    node = plan.body[i]
    recipe = replace(node.recipe, modules=(_resized(node.recipe.modules[0], "out_features", 1),))
    report = verify(account, "torch", plan=_altered(plan, i, recipe=recipe))
    assert report.first.where.startswith("layer 175 'fc' (nn.Linear)")
    assert (report.first.what, report.first.symparam, report.first.framework) == \
        ("parameters", 2049000, 2049000 + 2049)


def test_verify_reports_another_output_shape(accounts):
    require("keras")
    account = accounts["lenet5"]
    plan = plan_for(account, "keras")
    i = _layer_index(plan, "pool1")
    node = plan.body[i]
    (call, suffix), = node.recipe.layers
    recipe = replace(node.recipe, layers=((replace(call, kwargs=(*call.kwargs, ("strides", 1))), suffix),))
    report = verify(account, "keras", plan=_altered(plan, i, recipe=recipe))
    assert (report.first.where, report.first.what) == ("layer 2 'pool1' (AveragePooling2D)", "output shape")
    assert (report.first.symparam, report.first.framework) == ("(14, 14, 6)", "(27, 27, 6)")


# ---- names and text ----------------------------------------------------------------------------------------------

@given(st.text())
def test_python_literal_holds_any_text_and_is_only_a_literal(text):
    source = python(text)
    tree = ast.parse(source, mode="eval")
    assert isinstance(tree.body, ast.Constant) and tree.body.value == text
    assert source.isascii() and "\n" not in source


@given(st.lists(st.text(max_size=20), max_size=8))
def test_python_names_are_distinct_identifiers(texts):
    taken: set[str] = {"keras", "build"}
    names = [python_name(t, taken) for t in texts]
    assert len(set(names)) == len(names) and not {"keras", "build"} & set(names)
    assert all(n.isidentifier() and n.isascii() and not keyword.iskeyword(n) for n in names)


def _shape_of_code(source: str) -> str:
    """The code with every string literal blanked and every identifier numbered by first use: two files with the
    same shape do the same things, whatever their names and strings hold."""
    numbers: dict[str, str] = {}

    def number(name):
        return numbers.setdefault(name, f"v{len(numbers)}") if name else name

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
        for field in ("id", "attr", "arg", "name"):
            if isinstance(getattr(node, field, None), str) and not isinstance(node, ast.alias):
                setattr(node, field, number(getattr(node, field)))
    return ast.dump(tree)


def _corpus_account(names, title, opaque):
    from test_hostile_corpus import corpus_spec
    text = corpus_spec(names, title, (names[0], names[1], names[2]), opaque)
    return account_of(resolved(derive(loads(text, "hostile.toml"))))


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_hostile_names_stay_data_in_the_written_code(target, tmp_path):
    from test_hostile_corpus import PRINTABLE, combine
    names = combine(PRINTABLE, 7)
    hostile = _corpus_account(names, names[-1], names[3])
    plain = _corpus_account([f"n{i}" for i in range(len(names))], "title", "glorot_uniform")
    assert _shape_of_code(export(hostile, target)) == _shape_of_code(export(plain, target))
    _, facts, _, model, namespace = run_written(tmp_path, hostile, target)
    assert namespace["NAME"] == names[-1]
    assert facts == _expected(plan_for(hostile, target))
    assert verify(hostile, target).verified


# ---- bad input ---------------------------------------------------------------------------------------------------

def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


CNN = ROOT / "examples" / "cnn.toml"


@pytest.mark.parametrize("command", ["export", "verify"])
def test_unknown_framework(command, capsys):
    code, out, err = run(capsys, command, CNN, "--to", "jax")
    assert code == 2 and out == ""
    one_line(err, "--to must be one of keras, torch", "Received: --to jax")


@pytest.mark.parametrize("command", ["export", "verify"])
def test_free_symbol(command, capsys, write_spec):
    spec = write_spec('[network]\ninput = [5, 3]\n\n[[layers]]\ntype = "Dense"\nname = "fc"\nunits = "u"\n')
    code, out, err = run(capsys, command, spec, "--to", "torch")
    assert code == 2 and out == ""
    one_line(err, "spec.toml: layer 1 'fc' (Dense)", "depends on u, which is free", "--set u=N")
    assert run(capsys, "export", spec, "--set", "u=4")[0] == 0


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_no_framework_says_how_to_install_it(target, capsys, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == target else real(name, *a))
    code, out, err = run(capsys, "verify", CNN, "--to", target)
    assert code == 2 and out == ""
    one_line(err, f"verify --to {target} needs", "pip install", f"{target} is not installed")


def test_a_layer_without_a_translation_is_refused_in_one_line(capsys, write_spec):
    spec = write_spec('[network]\ninput = [8, 8, 3]\n\n[[layers]]\ntype = "Conv2D"\nname = "c"\nfilters = 4\n'
                      'kernel_size = 3\ndata_format = "channels_first"\n')
    code, out, err = run(capsys, "export", spec, "--to", "torch")
    assert code == 2 and out == ""
    one_line(err, "layer 1 'c' (Conv2D)", "cannot be exported to torch")


def test_verify_cli(capsys):
    require("torch")
    code, out, err = run(capsys, "verify", ROOT / "examples" / "lenet5.toml", "--to", "torch")
    assert (code, err) == (0, "")
    assert out.strip() == "verified: 8 layers, 61,706 parameters, the same in torch " + \
        __import__("torch").__version__.split("+")[0]


FROZEN = """[network]
input = { q = [4, 8], v = [5, 8] }
[[layers]]
type = "MultiHeadAttention"
name = "mha"
inputs = ["q", "v"]
num_heads = 2
key_dim = 4
trainable = false
[[layers]]
type = "Bidirectional"
name = "bi"
layer = { type = "LSTM", units = 3 }
trainable = false
inputs = ["mha"]
"""


def test_frozen_layers_made_of_layers_are_frozen_whole(write_spec, tmp_path):
    """trainable = false reaches a MultiHeadAttention's projections and a wrapper's layer (Keras's setter, applied
    once the layer is built, in the written file and in verify's build alike)."""
    account = account_of(derive_file(write_spec(FROZEN)))
    assert int(account.trainable.value) == 0
    _, facts, totals, _, _ = run_written(tmp_path, account, "keras")
    assert totals[:2] == (int(account.total.value), 0)
    assert verify(account, "keras").verified


def test_the_api_exports_and_verifies_as_the_commands_do():
    require("torch")
    from symparam.api import load
    net = load(ROOT / "examples" / "lenet5.toml", units_1=100)
    assert net.export("torch") == export(account_of(derive_file(ROOT / "examples" / "lenet5.toml",
                                                                {"units_1": 100})), "torch")
    assert "out_features=100" in net.export("torch")
    report = net.verify("torch")
    assert report.verified and report.total == int(net.account.total.value)


REPEATED_AND_SHARED = """[network]
input = [6, 8]
[[layers]]
type = "Dense"
name = "base"
units = 8
[[layers]]
type = "Dense"
name = "mix"
units = 8
repeat = 3
[[layers]]
type = "Dense"
name = "again"
units = 8
share = "base"
[[layers]]
type = "LayerNormalization"
name = "norm"
"""


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_a_repeated_layer_is_a_loop_and_a_shared_one_is_called_again(target, write_spec, tmp_path):
    account = account_of(derive_file(write_spec(REPEATED_AND_SHARED)))
    plan, facts, totals, model, _ = run_written(tmp_path, account, target)
    assert facts == _expected(plan)
    assert [f[:2] for f in facts] == [("base", None), ("mix", 0), ("mix", 1), ("mix", 2), ("again", None),
                                      ("norm", None)]
    assert facts[4][2] == (0, 0, 0, 0)   # the shared layer's weights are base's
    assert totals[0] == int(account.total.value) == 4 * (8 * 8 + 8) + 2 * 8
    if target == "keras":
        assert [layer.name for layer in model.layers if layer.name.startswith("mix")] == ["mix_0", "mix_1", "mix_2"]
    assert verify(account, target).verified


def test_twins_read_a_bound_layers_arguments_at_its_numbers(accounts):
    """translate() sees the input shapes bound, so it must see the arguments bound too: GPT-2's attention
    (num_heads * key_dim = n_head * (d_model / n_head) = 768, the query's width) has a torch twin at the defaults."""
    from symparam.twins import translate
    row = next(r for r in translate(accounts["gpt2"].net, "torch").rows if r.layer.name == "h/attn")
    assert row.reason == "" and row.record is not None
    assert int(row.record.params) == 4 * (768 * 768 + 768)


def _block_spec(block: str, use: str, layer: str) -> str:
    from test_hostile_corpus import toml_string as q
    return "\n".join([
        "[network]", 'input = [5, 8]', "", f"[blocks.{q(block)}]", 'inputs = ["x"]', "",
        f"[[blocks.{q(block)}.layers]]", 'type = "Dense"', f"name = {q(layer)}", "units = 8", "",
        "[[layers]]", f"type = {q(block)}", f"name = {q(use)}", "repeat = 2", ""])


QUOTES = ('x"""+__import__("os").system("touch pwned")+"""', "y'''+__import__('os').system('touch pwned')+'''",
          "z\\\\'); import os #")


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_quotes_in_a_repeated_blocks_names_stay_data(target, tmp_path, monkeypatch):
    """A repeated block's name lands in a comment and in layer names built in a loop: still only literals."""
    hostile = account_of(derive(loads(_block_spec(QUOTES[1], QUOTES[0], QUOTES[2]), "quotes.toml")))
    plain = account_of(derive(loads(_block_spec("b", "u", "l"), "plain.toml")))
    assert _shape_of_code(export(hostile, target)) == _shape_of_code(export(plain, target))
    monkeypatch.chdir(tmp_path)
    _, facts, _, _, _ = run_written(tmp_path, hostile, target)
    assert not (tmp_path / "pwned").exists()
    assert facts == _expected(plan_for(hostile, target))


# ---- repeats whose copies grow, repeats of 0 copies ---------------------------------------------------------------

GROWING = """[network]
input = [6, 6, 4]
[symbols]
n = { default = 3 }
[blocks.grow]
inputs = ["x"]
output = "cat"
[[blocks.grow.layers]]
type = "BatchNormalization"
name = "bn"
[[blocks.grow.layers]]
type = "Conv2D"
name = "conv"
filters = 2
kernel_size = 3
padding = "same"
[[blocks.grow.layers]]
type = "Concatenate"
name = "cat"
inputs = ["x", "conv"]
[[layers]]
type = "grow"
name = "g"
repeat = "n"
[[layers]]
type = "Dense"
name = "out"
units = 5
"""


def _growing_facts(copies: int) -> list:
    """By hand: copy k of the block reads c = 4 + 2k channels (each copy concatenates 2 more)."""
    out = []
    for k in range(copies):
        c = 4 + 2 * k
        out += [("g/bn", None, (4 * c, 2 * c, 2 * c, 0)), ("g/conv", None, (9 * c * 2 + 2,) * 2 + (0, 0)),
                ("g/cat", None, (0, 0, 0, 0))]
    c = 4 + 2 * copies
    return out + [("out", None, (c * 5 + 5, c * 5 + 5, 0, 0))]


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_copies_that_grow_are_unrolled_each_at_its_sizes(target, write_spec, tmp_path):
    account = account_of(derive_file(write_spec(GROWING)))
    plan, facts, totals, model, _ = run_written(tmp_path, account, target)
    assert facts == _expected(plan)
    if target == "keras":
        assert facts == _growing_facts(3)
        assert totals[0] == int(account.total.value) == sum(f[2][0] for f in _growing_facts(3))
        assert [layer.name for layer in model.layers if layer.name.endswith("_conv")] == \
            ["g_0_conv", "g_1_conv", "g_2_conv"]
        assert tuple(model.outputs[0].shape[1:]) == (6, 6, 5)
    else:   # torch: BatchNorm's statistics are buffers (with its batch counter), the rest the same
        assert [f[2][0] for f in facts] == [2 * c if n == "g/bn" else p for (n, _, (p, *_)), c in
                                           zip(_growing_facts(3), [4, 4, 4, 6, 6, 6, 8, 8, 8, 10])]
    assert verify(account, target).verified
    bigger = account_of(derive_file(write_spec(GROWING), {"n": 5}))
    assert [f for f in _expected(plan_for(bigger, "keras"))] == _growing_facts(5)


def test_verify_names_the_copy_of_an_unrolled_repeat(write_spec):
    require("torch")
    account = account_of(derive_file(write_spec(GROWING)))
    plan = plan_for(account, "torch")
    i = next(i for i, n in enumerate(plan.body) if n.layer.name == "g/conv" and n.at and n.at[0][1] == 1)
    wrong = replace(plan.body[i].expected, params=plan.body[i].expected.params + 1)
    report = verify(account, "torch", plan=_altered(plan, i, expected=wrong))
    assert report.first.where == "layer 2 'g/conv' (Conv2D), copy 2 of its repeat"
    assert (report.first.symparam, report.first.framework) == (9 * 6 * 2 + 2 + 1, 9 * 6 * 2 + 2)


NO_COPIES = """[network]
input = [6]
[symbols]
m = { default = 1 }
[[layers]]
type = "Dense"
name = "a"
units = 8
[[layers]]
type = "Dense"
name = "skipped"
units = 8
repeat = "m - 1"
[[layers]]
type = "Dense"
name = "b"
units = 3
[[layers]]
type = "Dense"
name = "end"
units = 3
repeat = "m - 1"
"""


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_a_repeat_of_0_copies_writes_nothing(target, write_spec, tmp_path):
    account = account_of(derive_file(write_spec(NO_COPIES)))
    plan, facts, totals, model, _ = run_written(tmp_path, account, target)
    assert [f[0] for f in facts] == ["a", "b"]
    assert totals[0] == (6 * 8 + 8) + (8 * 3 + 3)
    assert "skipped" not in export(account, target) and "end" not in export(account, target)
    if target == "keras":   # the last unit has no copy: the network's output is its input, b's
        assert [tuple(t.shape[1:]) for t in model.outputs] == [(3,)]
    assert verify(account, target).verified
    two = account_of(derive_file(write_spec(NO_COPIES), {"m": 3}))
    assert verify(two, target).total == (6 * 8 + 8) + 2 * (8 * 8 + 8) + (8 * 3 + 3) + 2 * (3 * 3 + 3)


# ---- layers the file defines itself ------------------------------------------------------------------------------

PREPROCESSING = """[network]
input = [4, 4, 3]
[[layers]]
type = "Rescaling"
name = "r"
scale = 0.5
offset = 1.0
[[layers]]
type = "Normalization"
name = "norm"
axis = -1
"""


def test_rescaling_and_normalization_are_written_with_their_numbers(write_spec, tmp_path):
    """The written files compute what Keras does: x * 0.5 + 1, then (x - mean) / sqrt(variance) with the statistics
    at their initial 0 and 1; in torch the statistics (mean, variance, count: 3 + 3 + 1) are buffers."""
    torch = require("torch")
    account = account_of(derive_file(write_spec(PREPROCESSING)))
    _, _, totals, net, namespace = run_written(tmp_path, account, "torch")
    assert totals == (0, 0, 7)
    real = namespace["Net"]()
    assert torch.equal(real(torch.ones(2, 4, 4, 3)), torch.full((2, 4, 4, 3), 1.5))
    _, _, _, model, _ = run_written(tmp_path, account, "keras")
    assert (model.get_layer("r").scale, model.get_layer("r").offset) == (0.5, 1.0)
    assert verify(account, "torch").verified and verify(account, "keras").verified


def test_the_written_attention_classes_compute_grouped_query_attention():
    """The two classes export writes for ScaledDotProductAttention (no class in torch.nn or keras.layers) agree with
    attention computed by hand: 4 query heads of width 3, 2 key-value heads each serving 2 of them, causal."""
    torch = require("torch")
    require("keras")
    import numpy as np
    from symparam.export import keras_own, torch_modules
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((2, 5, n * 3)).astype("float32") for n in (4, 2, 2))

    def by_hand():
        out = np.zeros((2, 5, 4, 3), dtype="float64")
        for h in range(4):
            qh, kh, vh = q[:, :, h * 3:(h + 1) * 3], k[:, :, (h // 2) * 3:(h // 2 + 1) * 3], \
                v[:, :, (h // 2) * 3:(h // 2 + 1) * 3]
            scores = qh @ kh.transpose(0, 2, 1) / np.sqrt(3)
            scores = np.where(np.tril(np.ones((5, 5), dtype=bool)), scores, -np.inf)
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, :, h] = (weights / weights.sum(-1, keepdims=True)) @ vh
        return out.reshape(2, 5, 12)

    expected = by_hand()
    module = torch_modules.ScaledDotProductAttention(4, 2, 3, causal=True)
    got = module(*(torch.from_numpy(x) for x in (q, k, v))).numpy()
    assert np.allclose(got, expected, atol=1e-5)
    fused = module(torch.from_numpy(np.concatenate((q, k, v), -1))).numpy()
    assert np.allclose(fused, expected, atol=1e-5)
    layer = keras_own.ScaledDotProductAttention(4, 2, 3, causal=True)
    assert np.allclose(np.asarray(layer(q, k, v).detach().cpu()), expected, atol=1e-5)


GIVEN_STATISTICS = """[network]
input = [2, 3]
[[layers]]
type = "Normalization"
name = "norm"
mean = [1.0, 2.0, 3.0]
variance = [4.0, 4.0, 16.0]
"""


def test_a_normalization_given_its_statistics_holds_them_as_constants(write_spec, tmp_path):
    """Keras holds a given mean and variance as constants, not weights (ConvNeXt's prestem normalization): the
    torch module too, and it standardizes with them: (1 - mean) / sqrt(variance)."""
    torch = require("torch")
    account = account_of(derive_file(write_spec(GIVEN_STATISTICS)))
    _, _, totals, _, namespace = run_written(tmp_path, account, "torch")
    assert totals == (0, 0, 0)
    y = namespace["Net"]()(torch.ones(5, 2, 3))
    assert torch.allclose(y, torch.tensor([0.0, -0.5, -0.5]).expand(5, 2, 3))
    assert verify(account, "torch").verified


SEQ2SEQ = """[network]
input = { source = [10, 6], target = [12, 5] }
[[layers]]
type = "LSTM"
name = "encoder"
units = 16
return_state = true
inputs = ["source"]
[[layers]]
type = "LSTM"
name = "decoder"
units = 16
return_sequences = true
inputs = ["target"]
initial_state = ["encoder:1", "encoder:2"]
"""


SEQ2SEQ_TOTALS = {"keras": 4 * (6 * 16 + 16 * 16 + 16) + 4 * (5 * 16 + 16 * 16 + 16) + 16 * 5 + 5,
                  "torch": 4 * (6 * 16 + 16 * 16 + 32) + 4 * (5 * 16 + 16 * 16 + 32) + 16 * 5 + 5}   # two biases


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_a_recurrent_layers_states_start_another(target, write_spec, tmp_path):
    """docs/spec.md's seq2seq: the decoder starts from the encoder's states, its outputs 1 and 2 (export stopped at
    them with a KeyError traceback). Keras: the states unpacked from the call and given as initial_state; torch:
    nn.LSTM's (h, c) at the top layer, given back as (h_0, c_0). Every output's shape is verified, the states too."""
    spec = SEQ2SEQ + '[[layers]]\ntype = "Dense"\nname = "out"\nunits = 5\n'
    account = account_of(derive_file(write_spec(spec)))
    plan, facts, totals, model, _ = run_written(tmp_path, account, target)
    assert facts == _expected(plan)
    assert totals[0] == SEQ2SEQ_TOTALS[target]
    encoder = next(n for n, _ in plan.nodes() if n.layer.name == "encoder")
    assert len(encoder.more) == 2 and encoder.expected.outputs == ((16,), (16,), (16,))
    text = export(account, target)
    if target == "keras":
        assert f"initial_state=[{encoder.more[0]}, {encoder.more[1]}]" in text
        assert [tuple(t.shape[1:]) for t in model.outputs] == [(12, 5)]   # the encoder's own output is unread
    else:
        assert f"({encoder.more[0]}.unsqueeze(0), {encoder.more[1]}.unsqueeze(0))" in text
    report = verify(account, target)
    assert report.verified and report.total == SEQ2SEQ_TOTALS[target], report.text()


def test_verify_compares_the_states_shapes(write_spec):
    """A state of another shape in the plan is found: the states are compared, not only the first output."""
    account = account_of(derive_file(write_spec(SEQ2SEQ)))
    for target in FRAMEWORKS:
        plan = plan_for(account, target)
        i = _layer_index(plan, "encoder")
        wrong = replace(plan.body[i].expected, outputs=((16,), (16,), (15,)))
        report = verify(account, target, _altered(plan, i, expected=wrong))
        assert not report.verified
        assert report.first.text("x") == "layer 1 'encoder' (LSTM): output 3's shape: symparam (15,), x (16,)"


@pytest.mark.parametrize("target", FRAMEWORKS)
def test_a_layers_output_0_is_the_layer(target, write_spec, tmp_path):
    """"r:0" is r's first output: written as r itself, and r is then read (not one of the model's outputs)."""
    spec = SEQ2SEQ.split("[[layers]]\ntype = \"LSTM\"\nname = \"decoder\"")[0] + \
        '[[layers]]\ntype = "Dense"\nname = "out"\nunits = 2\ninputs = ["encoder:0"]\n'
    account = account_of(derive_file(write_spec(spec)))
    plan, facts, totals, model, _ = run_written(tmp_path, account, target)
    assert facts == _expected(plan)
    assert len(plan.outputs) == 1 and plan.outputs[0] == plan.body[-1].ident
    assert verify(account, target).verified


def test_a_layer_keeps_its_name_where_a_copied_class_has_an_attribute_of_it(accounts):
    """The classes copied into files reserve the names they bind (a layer named `x` stays apart), not their
    attributes: BERT's position_embeddings (ViTEmbeddings's attribute too) and LeNet's flatten keep their names, in
    torch the state dict's keys."""
    text = export(accounts["bert_base"], "torch")
    assert "        self.position_embeddings = nn.Embedding(" in text
    assert "    flatten = keras.layers.Flatten(name='flatten')(pool2)" in export(accounts["lenet5"], "keras")
