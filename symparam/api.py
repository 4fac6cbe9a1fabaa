"""The public API for scripts, notebooks and tests: networks that add themselves up and render themselves.

`load` and `load_text` resolve defaults exactly as every command does (engine.resolved); `Network` is the engine's
record with the account and the renderers at hand (it lives here, above them, so that the records below import
nothing that renders)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Mapping

from . import model
from .account import Account, build
from .engine import bind, derive, resolved
from .model import LayerRecord
from .spec import from_dict, load as load_spec, loads

__all__ = ["load", "load_text", "load_dict", "layer_record", "derive_spec_file", "from_torch", "Network", "LayerRecord"]


class Network(model.Network):
    """A derived network (see symparam.model.Network), with its account and renderings."""

    @property
    def account(self) -> Account:
        """The one account every output reads (built on first use)."""
        cached = self.__dict__.get("_account")
        if cached is None:
            cached = build(self)
            object.__setattr__(self, "_account", cached)
        return cached

    def subs(self, **values: int) -> "Network":
        """The same network with more symbols bound to numbers."""
        return _wrap(bind(self.unbound, {**self.bindings, **values}))

    def memory(self, dtype: str = "fp32", optimizer: str | None = None, *, batch: int | None = 1,
               recompute: bool = False):
        """The memory in bytes (symparam.memory.Memory): the weights at `dtype`; with `optimizer` the training parts
        and the activations of `batch` examples (None: the symbol `batch`), as `symparam derive SPEC --memory`.
        `net.render("json", memory=net.memory(...))` adds it to an output."""
        from .memory import estimate
        return estimate(self.account, dtype, optimizer, recompute, batch=batch)

    def render(self, fmt: str = "table", **options) -> str:
        """The network in an output format of symparam.render.FORMATS ("table", "latex", "latex-document",
        "markdown", "html", "json"): the same text as `symparam derive SPEC --format FMT`."""
        from .render import render
        return render(self.account, fmt, **options)

    def compute(self, convention: str = "torch", batch: int | None = 1, causal: bool = False):
        """MACs and FLOPs (forward, backward, training) per layer and in total: a symparam.compute.Report, as
        `symparam derive SPEC --compute` (batch None: the symbol `batch`). Render it with
        `render(fmt, compute=...)` in the table, JSON, LaTeX, Markdown and HTML formats."""
        from .compute import Options, report
        return report(self.account, Options(convention, batch, causal))

    def latex(self) -> str:
        """The worked derivation as a LaTeX fragment (amsmath), as `symparam derive SPEC --format latex`."""
        return self.render("latex")

    def markdown(self) -> str:
        """The table and the worked derivation in Markdown with $...$ math, as `--format markdown`."""
        return self.render("markdown")

    def table(self, width: int = 120) -> str:
        """The summary table as plain text, `width` columns at most, as `symparam derive SPEC`."""
        return self.render("table", width=width)

    def export(self, to: str | None = None) -> str:
        """Python source that builds the network in "keras" or "torch" (default: its convention), as
        `symparam export SPEC --to TO`."""
        from .export import export
        return export(self.account, to or self.convention)

    def verify(self, to: str | None = None):
        """Build the network in the installed framework and compare every layer (a symparam.verify.Report: .verified,
        .text()), as `symparam verify SPEC --to TO`."""
        from .verify import verify
        return verify(self.account, to)

    def _repr_latex_(self) -> str:
        from .render.latex import summary
        return summary(self.account)

    def _repr_markdown_(self) -> str:
        return self.markdown()


def _wrap(net: model.Network) -> Network:
    if isinstance(net, Network):
        return net
    values = {f.name: getattr(net, f.name) for f in fields(net)}
    if net.symbolic is not None:
        values["symbolic"] = _wrap(net.symbolic)
    return Network(**values)


def load(path: str | Path, *, symbolic: bool = False, **bindings: int) -> Network:
    """Derive a spec file. Symbol defaults apply unless `symbolic`; keyword arguments bind symbols."""
    return _wrap(resolved(derive(load_spec(path)), bindings, defaults=not symbolic))


def load_text(text: str, *, source: str = "<spec>", symbolic: bool = False, **bindings: int) -> Network:
    """Derive a spec given as text, exactly as `load` does a file."""
    return _wrap(resolved(derive(loads(text, source)), bindings, defaults=not symbolic))


def load_dict(document: dict, *, source: str = "<spec>", symbolic: bool = False, **bindings: int) -> Network:
    """Derive a spec already read into Python values (as TOML gives them), exactly as `load` does a file."""
    return _wrap(resolved(derive(from_dict(document, source)), bindings, defaults=not symbolic))


def from_torch(module, example_inputs, *, name: str | None = None, symbols: Mapping[str, int] | None = None,
               symbolic: bool = False, **bindings: int) -> Network:
    """A PyTorch nn.Module, run once on meta tensors shaped like `example_inputs` (a tensor or a tuple of tensors
    with the batch axis, as the module is called), derived as `symparam import MODULE:FACTORY` writes it
    (symparam.importing.torch_module). The module itself is not changed.

    `symbols` lifts values into symbols as `--symbol NAME=VALUE` does ({"width": 24}: every input length and size
    argument equal to 24 becomes the symbol width, 24 by default); `symbolic` and keyword bindings then act as in
    `load_dict` (``from_torch(m, x, symbols={"width": 24}, width=40)`` is the module built at width 40)."""
    from .importing.torch_module import from_torch as document

    spec = document(module, example_inputs, name=name, symbols=dict(symbols or {}))
    return load_dict({k: v for k, v in spec.items() if k != "__comment__"}, source=spec["network"]["name"],
                     symbolic=symbolic, **bindings)


def derive_spec_file(path: str | Path) -> Network:
    return load(path)


def layer_record(type_name: str, kwargs: Mapping[str, Any], input_shape: tuple, *,
                 convention: str = "keras") -> LayerRecord:
    """One layer built on an input of `input_shape` (no batch axis): its variables, counts and output shape."""
    document = {
        "network": {"name": "one_layer", "input": list(input_shape), "convention": convention},
        "layers": [{"type": type_name, **kwargs}],
    }
    return derive(from_dict(document, "<layer>")).layers[0]
