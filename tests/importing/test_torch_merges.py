"""forward()'s merges in the PyTorch import (symparam/importing/torch_walk.py records them, torch_layers.py writes
them): x + y, +=, x - y, x * y and torch.cat between the network's tensors are Add, Subtract, Multiply and
Concatenate layers wired to the layers that made their operands; counts stay exactly the module's (test_torch_module
proves them per module for the same models), and every shape is torch's own, read from forward hooks on the module
itself, never from symparam's output.
"""

from __future__ import annotations

import math

import pytest

from importing.test_torch_module import assert_counted_exactly, fixtures, import_model, models  # noqa: F401 (fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:The default weight initialization:FutureWarning")   # inception_v3
MERGES = ("Add", "Subtract", "Multiply", "Concatenate")


def _torch_shapes(torch, module, side: int) -> tuple[dict, dict]:
    """Each submodule call's first input's and output's batch-less shapes, from torch's hooks, keyed as the import
    names calls (path, then path#2, ... for the same module called again)."""
    ins, outs, seen = {}, {}, {}
    paths = {id(m): path for path, m in module.named_modules() if path}

    def pre(m, args):
        path = paths[id(m)]
        seen[path] = seen.get(path, 0) + 1
        name = path if seen[path] == 1 else f"{path}#{seen[path]}"
        if args and isinstance(args[0], torch.Tensor):
            ins[name] = tuple(args[0].shape[1:])
        return None

    def post(m, args, out):
        path = paths[id(m)]
        if isinstance(out, torch.Tensor):
            outs.setdefault(path, tuple(out.shape[1:]))

    hooks = [h for m in module.modules() if id(m) in paths
             for h in (m.register_forward_pre_hook(pre), m.register_forward_hook(post))]
    try:
        module(torch.empty(2, 3, side, side, device="meta"))
    finally:
        for h in hooks:
            h.remove()
    return ins, outs


def assert_shapes_are_torchs(torch, module, net, side: int) -> set[str]:
    """Every module layer's output shape is the module's, and every layer's first input has the shape the module
    reading it was called on (a merge's or a functional pooling's shape is checked so); returns the layers that are
    no module's call (merges, functional poolings) read so."""
    ins, outs = _torch_shapes(torch, module, side)
    shape = {layer.name: tuple(int(d) for d in layer.output_shape) for layer in net.layers}
    wrong = [name for name in shape if name in outs and shape[name] != outs[name]]
    read = set()
    for layer in net.layers:
        if layer.name in ins and layer.inputs and layer.inputs[0] in shape:
            if shape[layer.inputs[0]] != ins[layer.name]:
                wrong.append(f"{layer.inputs[0]} -> {layer.name}")
            if layer.inputs[0].partition("#")[0] not in outs:
                read.add(layer.inputs[0])
    assert not wrong, wrong[:10]
    return read


def _merges(net, kind: str) -> list:
    return [layer for layer in net.layers if layer.type == kind]


@pytest.mark.parametrize("name, blocks, last", [("resnet18", [2, 2, 2, 2], "bn2"), ("resnet50", [3, 4, 6, 3], "bn3")])
def test_resnet_has_one_add_per_block_wired_to_its_last_norm_and_identity(torch, models, name, blocks, last):
    module, net = import_model(torch, models, name)
    assert_counted_exactly(net, module)
    adds = _merges(net, "Add")
    paths = [f"layer{i + 1}.{j}" for i, n in enumerate(blocks) for j in range(n)]
    assert [add.name for add in adds] == [f"{path}.add" for path in paths]
    for add, path in zip(adds, paths):
        block = module.get_submodule(path)
        identity = (f"{path}.downsample.1" if block.downsample is not None
                    else net.layer(f"{path}.conv1").inputs[0] if net.layer(f"{path}.conv1").inputs else None)
        assert add.inputs == (f"{path}.{last}", identity), add.inputs
        assert net.layer(f"{path}.relu#{3 if last == 'bn3' else 2}").inputs == (add.name,)
    assert list(net.inputs) == ["input"]
    read = assert_shapes_are_torchs(torch, module, net, 224)
    assert {add.name for add in adds} <= read   # each read by its block's last ReLU


@pytest.mark.parametrize("name, kwargs, side, cats, pools", [
    ("densenet121", {}, 224, 54 + 4, 1),   # a cat per dense layer but each block's first (one tensor), one per block
    ("googlenet", {"init_weights": False}, 224, 9, 2),   # InceptionAux's F.adaptive_avg_pool2d
    ("inception_v3", {}, 299, 3 + 1 + 4 + 1 + 2 * 3,      # InceptionA-D one each, InceptionE three
     3 + 1 + 4 + 1 + 2 + 2)])    # F.avg_pool2d in A, C, E branches, F.max_pool2d in B, D; the aux head's two
def test_concatenations_and_functional_poolings_are_layers_and_no_input_stands_for_one(torch, models, name, kwargs,
                                                                                       side, cats, pools):
    module, net = import_model(torch, models, name, **kwargs)
    assert_counted_exactly(net, module)
    concatenations = _merges(net, "Concatenate")
    assert len(concatenations) == cats
    assert all(c.args["axis"] == 1 and len(c.inputs) >= 2 for c in concatenations)
    pooled = [layer for layer in net.layers if layer.name.endswith("pool2d")]
    assert len(pooled) == pools and all(layer.type.startswith(("nn.AvgPool", "nn.MaxPool", "nn.Adaptive"))
                                        for layer in pooled)
    assert list(net.inputs) == ["input"]
    read = assert_shapes_are_torchs(torch, module, net, side)
    paths = dict(module.named_modules())
    fed = {layer.name for layer in (*concatenations, *pooled)   # read by a module's call
           if any(other.name.partition("#")[0] in paths and other.inputs[:1] == (layer.name,) for other in net.layers)}
    assert fed and fed <= read


def _without_adds(document: dict) -> dict:
    """The spec with every Add taken out and its readers reading its first input instead (the import before merges
    were layers: the ReLU after `out += identity` read the block's last norm)."""
    out, instead, previous = [], {}, None
    for table in document["layers"]:
        if table["type"] == "Add":
            instead[table["name"]] = table["inputs"][0]
        else:
            table = dict(table)
            given = table.get("inputs", [previous])   # no inputs: it reads the table before it
            table["inputs"] = [instead.get(n, n) for n in given]
            out.append(table)
        previous = table["name"]
    return {**document, "layers": out}


def test_derive_shows_the_adds_and_their_flops_only(torch, models, monkeypatch, capsys, tmp_path):
    """`symparam derive` of the imported resnet18: an Add row per block, and FLOPs that grow, over the same spec
    without them, by one operation per value each Add returns (counted as torch's FlopCounterMode counts, not at
    all)."""
    import json
    import tomllib

    from symparam.api import load_dict
    from symparam.cli import main

    spec = tmp_path / "resnet18.toml"
    assert main(["import", "torchvision.models:resnet18", "--input", "3,224,224", "-o", str(spec)]) == 0
    capsys.readouterr()
    assert main(["derive", str(spec), "--compute"]) == 0
    table = capsys.readouterr().out
    assert table.count("(Add)") == 8 and "layer4.1.add (Add)" in table
    assert main(["derive", str(spec), "--json", "--flops-convention", "all"]) == 0
    derived = json.loads(capsys.readouterr().out)
    adds = [layer for layer in derived["layers"] if layer["type"] == "Add"]
    values = sum(math.prod(layer["output_shape"]) for layer in adds)
    assert [layer["flops"] for layer in adds] == [math.prod(layer["output_shape"]) for layer in adds]
    document = tomllib.loads(spec.read_text(encoding="utf-8"))
    before = load_dict(_without_adds(document))
    assert int(before.total) == derived["total"] == sum(p.numel() for p in models.resnet18().parameters())
    assert values == 2 * (64 * 56 * 56 + 128 * 28 * 28 + 256 * 14 * 14 + 512 * 7 * 7)   # two blocks per stage
    assert derived["flops"] - int(before.compute("all").flops.value) == values
    assert int(load_dict(document).compute("torch").flops.value) == int(before.compute("torch").flops.value)


def test_plain_merges_are_layers_and_numbers_parameters_and_constants_are_not(torch, fixtures):
    """symparam_torch_fixtures.Merges: (a + b) * (a - b), then * 0.5 and + a parameter (no layers), += b,
    * a pooled a (broadcast), + torch.ones (no layer), and torch.cat([p, a, torch.add(a, b)], 1)."""
    import symparam
    module = fixtures.Merges()
    net = symparam.from_torch(module, torch.zeros(2, 3, 8, 8))
    assert_counted_exactly(net, module)
    merges = [(layer.name, layer.type, layer.inputs) for layer in net.layers if layer.type in MERGES]
    assert merges == [("add", "Add", ("a", "b")), ("sub", "Subtract", ("a", "b")), ("mul", "Multiply", ("add", "sub")),
                      ("add#2", "Add", ("mul", "b")), ("mul#2", "Multiply", ("add#2", "squeeze")),
                      ("add#3", "Add", ("a", "b")), ("cat", "Concatenate", ("mul#2", "a", "add#3"))]
    assert net.layer("cat").args["axis"] == 1 and net.layer("c").inputs == ("cat",)
    shapes = {layer.name: tuple(int(d) for d in layer.output_shape) for layer in net.layers if layer.type in MERGES}
    assert shapes == {**{name: (4, 8, 8) for name, _, _ in merges}, "cat": (4 + 4 + 4, 8, 8)}
    assert list(net.inputs) == ["input"]


def test_an_imported_spec_with_merges_exports_and_verifies_in_torch(torch, fixtures):
    """The merges export as forward() code (torch.cat with the spec's axis as dim) that torch builds and runs."""
    import symparam
    net = symparam.from_torch(fixtures.Cat(), torch.zeros(2, 3, 8, 8))
    assert "torch.cat((" in net.export("torch") and "dim=1)" in net.export("torch")
    report = net.verify("torch")
    assert report.verified, report.text()


def test_an_imported_spec_with_merges_exports_and_verifies_in_keras(torch, keras, fixtures):
    """To Keras, in the spec's layout (channels first): Concatenate keeps its axis (it counts the batch axis as torch's
    dim does); without it Keras joined the last axis and verify found (4, 8, 16) for (8, 8, 8)."""
    import symparam
    net = symparam.from_torch(fixtures.Cat(), torch.zeros(2, 3, 8, 8))
    assert "Concatenate(axis=1" in net.export("keras")
    report = net.verify("keras")
    assert report.verified, report.text()


def test_a_merge_symparam_would_shape_otherwise_is_left_as_before(torch):
    """x + y where y lacks the batch axis (torch broadcasts it against the batch): no Add layer; the tensor is
    traced to x, as before merges were layers."""
    import symparam

    class Broadcast(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = torch.nn.Linear(4, 4), torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.c(self.a(x) + self.b(x[0]))

    net = symparam.from_torch(Broadcast(), torch.zeros(2, 4))
    assert [layer.type for layer in net.layers].count("Add") == 0 and net.layer("c").inputs == ("a",)


def test_a_merge_of_slices_only_is_left_as_before(torch):
    """Swin's PatchMerging concatenates four slices of a layer's output, none of them a layer's tensor: no layer,
    its reader reads an input of the shape it had, as before; a slice merged with a layer's output is a layer."""
    import symparam

    class Slices(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.c, self.d = torch.nn.Linear(4, 4), torch.nn.Linear(4, 2), torch.nn.Linear(6, 2)

        def forward(self, x):
            y = self.a(x)
            both = self.c(torch.cat([y[:, :2], y[:, 2:]], 1))
            return both, self.d(torch.cat([y, y[:, 2:]], 1))

    net = symparam.from_torch(Slices(), torch.zeros(2, 4))
    assert net.layer("c").inputs == ("c.in",) and tuple(net.inputs["c.in"]) == (4,)
    assert net.layer("cat").inputs == ("a", "cat.in1") and tuple(net.inputs["cat.in1"]) == (2,)
    assert [layer.type for layer in net.layers].count("Concatenate") == 1 and net.layer("d").inputs == ("cat",)
