"""One layer case, run through symparam and through the real framework, compared: the shared helper of the
framework tests under tests/layers/, in the spirit of Keras's ``run_layer_test``.

    assert_matches(Case("Conv2D", {"filters": 8, "kernel_size": 3}, (32, 32, 3)))
    assert_matches(Case("nn.Linear", {"out_features": 10}, (256,)))
    assert_matches(Case("Add", {}, {"a": (3, 4), "b": (4,)}, order=("a", "b")))

A case is a layer kind as a spec writes it (a Keras class name, or ``nn.<Module>`` for PyTorch), its keyword
arguments as a spec writes them, and its input shape(s) without the batch axis (None where a length is unknown):
one shape, or named inputs for a layer that takes several (or none: InputLayer). symparam derives it
(``symparam.api.layer_record``, or a one-layer spec for named inputs); the framework builds it
(``keras_facts.keras_case_facts``: Keras 3 on the torch backend; ``torch_facts.torch_case_facts``: torch.nn).

The two must agree on every fact (``Facts``): each output's shape, every variable's name, shape and trainable flag
in the framework's order, the buffers (torch), and the counts (total, trainable, non-trainable, buffer elements).
Where the framework refuses a configuration, symparam must refuse it with a SymparamError, and the other way
round. Two outcomes the framework allows and symparam deliberately refuses are asserted, not skipped: an output
axis of length 0 (every length must be at least 1, except where the layer warns of it, as Conv1DTranspose does for
its explicit output_padding: then every fact must match, the 0 included) and, through the nn.Flatten test's own check, an output that
merges the batch axis away.

A family test module declares what it runs, and the registry test (tests/layers/test_registry_coverage.py) reads
it: ``GENERATED`` (kind name -> ``Generated``: a hypothesis strategy of cases and its number of examples) and
``EXAMPLES`` (hand-picked cases). This module imports neither framework: each side is imported on first use, and a
missing framework skips the test with the reason (tests/conftest.py makes that a failure in CI).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from symparam.api import layer_record
from symparam.engine import derive
from symparam.errors import SymparamError
from symparam.spec import from_dict

__all__ = ["CALL_BATCH", "Case", "Facts", "Generated", "Refused", "SETTINGS", "assert_matches", "assert_refused",
           "covered", "framework_facts", "framework_tests", "note", "one_layer", "record_facts", "require",
           "run_generated", "symparam_facts", "symparam_record", "tupled"]

Shape = tuple        # lengths without the batch axis; None where a length is unknown
Variable = tuple     # (name, shape, trainable)
Buffer = tuple       # (name, shape)

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                      HealthCheck.data_too_large])

CALL_BATCH = 11   # Keras cases with called=True run on this batch: longer than any generated axis


class _Side(NamedTuple):
    module: str      # the framework half of this helper, in this package
    function: str    # its Case -> Facts function
    who: str         # the framework, as messages name it
    needs: str       # why a test skips without it


_SIDES = {"keras": _Side("keras_facts", "keras_case_facts", "Keras", "the Keras oracle needs keras 3 and torch"),
          "torch": _Side("torch_facts", "torch_case_facts", "torch", "the PyTorch oracle needs torch")}


@dataclass(frozen=True)
class Case:
    type_name: str                             # as a spec writes it: "Conv2D", "nn.Linear"
    kwargs: Mapping[str, Any]                  # as a spec writes them (lists, not tuples)
    inputs: Shape | Mapping[str, Shape]        # one input's shape, or named inputs (in spec order)
    order: Sequence[str] | None = None         # named inputs: the layer's `inputs = [...]` (default: every name)
    call: Sequence[str] | None = None          # named inputs: the framework's call (default: order)
    convention: str | None = None              # default: "torch" for nn.* kinds, else "keras"
    names: str = "name"                        # Keras: a variable is named by v.name, or by "path" inside the layer
    called: bool = False                       # Keras: also call the built layer on zeros (some layers check late)
    dtype: str = "float32"                     # Keras: the inputs' dtype ("string", "int64": the lookup layers)
    value: Any = 0                             # Keras: what every element of a called input holds ("a", 3)

    @property
    def dialect(self) -> str:
        return self.convention or ("torch" if self.type_name.startswith("nn.") else "keras")

    @property
    def named(self) -> bool:
        return isinstance(self.inputs, Mapping)

    def spec_order(self) -> list[str]:
        return list(self.order if self.order is not None else self.inputs)

    def call_shapes(self) -> list[Shape]:
        """The framework's inputs, in its call order."""
        if not self.named:
            return [tuple(self.inputs)]
        return [tuple(self.inputs[n]) for n in (self.call if self.call is not None else self.spec_order())]

    def __str__(self) -> str:
        where = dict(self.inputs) if self.named else tuple(self.inputs)
        order = f" inputs={list(self.order)}" if self.order is not None else ""
        call = f" call={list(self.call)}" if self.call is not None else ""
        dtype = f" of {self.dtype} {self.value!r}" if self.dtype != "float32" else ""
        return f"{self.type_name}{dict(self.kwargs)} on {where}{order}{call}{dtype}"


@dataclass(frozen=True)
class Facts:
    outputs: tuple[Shape, ...]                 # every output's shape (torch: forward()'s first output)
    variables: tuple[Variable, ...]            # Keras: layer.weights; torch: named_parameters(), in order
    params: int                                # elements of all variables (buffers apart)
    trainable: int
    non_trainable: int
    buffers: tuple[Buffer, ...] = ()           # torch: named_buffers(), in order
    buffer_count: int = 0                      # elements of all buffers (a scalar counts 1)

    @property
    def output_shape(self) -> Shape:
        return self.outputs[0]


class Refused(Exception):
    """The framework rejects the configuration; `facts` are what it declared before it did, if it got that far."""

    def __init__(self, message: str, facts: Facts | None = None):
        super().__init__(message)
        self.facts = facts


@dataclass(frozen=True)
class Generated:
    """Generated cases of one kind, as a family module's GENERATED declares them for its parametrized test."""
    cases: st.SearchStrategy[Case]
    max_examples: int
    check: Callable[[Case], None] | None = None   # default: assert_matches


def tupled(value: Any) -> Any:
    """TOML lists -> the tuples the frameworks expect (kernel sizes, axes, shapes), recursively."""
    return tuple(tupled(v) for v in value) if isinstance(value, (list, tuple)) else value


def note(outcome: str) -> None:
    """Count the outcomes in ``--hypothesis-show-statistics`` (nothing outside hypothesis)."""
    if currently_in_test_context():
        event(outcome)


def require(name: str):
    """The framework module (keras, torch), or a skip with the reason when it is not installed."""
    if name == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")   # Keras picks its backend when first imported
        pytest.importorskip("torch", reason=f"{_SIDES['keras'].needs} (pip install '.[oracle]')")
    return pytest.importorskip(name, reason=f"{_SIDES[name].needs} (pip install '.[oracle]')")


def framework_facts(case: Case) -> Facts:
    """What the real framework builds for `case`, or Refused (skips when the framework is absent)."""
    side = _SIDES[case.dialect]
    require(case.dialect)
    module = importlib.import_module(f"{__package__}.{side.module}" if __package__ else side.module)
    return getattr(module, side.function)(case)


def _spec_shape(shape: Shape) -> list:
    return ["none" if d is None else d for d in shape]


def one_layer(case: Case):
    """The network of a one-layer spec for a case with named inputs (symbol names for sizes are fine)."""
    network: dict[str, Any] = {"name": "oracle", "convention": case.dialect}
    if case.inputs:
        network["input"] = {n: _spec_shape(s) for n, s in case.inputs.items()}
    layer = {"type": case.type_name, **({"inputs": case.spec_order()} if case.inputs else {}), **case.kwargs}
    return derive(from_dict({"network": network, "layers": [layer]}, "<oracle>"))


def symparam_record(case: Case):
    """The layer record symparam derives for `case` (raises SymparamError where it refuses)."""
    if case.named:
        return one_layer(case).layers[0]
    return layer_record(case.type_name, case.kwargs, tuple(_spec_shape(case.inputs)), convention=case.dialect)


def symparam_facts(case: Case) -> Facts:
    """What symparam derives for `case` (raises SymparamError where it refuses)."""
    return record_facts(symparam_record(case))


def record_facts(rec) -> Facts:
    """The facts of one of symparam's layer records (numbers bound)."""
    shape = lambda dims: tuple(None if d is None else int(d) for d in dims)  # noqa: E731
    return Facts(
        outputs=tuple(shape(s) for s in (rec.outputs or (rec.output_shape,))),
        variables=tuple((str(v.name), shape(v.shape), bool(v.trainable)) for v in rec.variables if not v.buffer),
        params=int(rec.params),
        trainable=int(rec.trainable),
        non_trainable=int(rec.non_trainable),
        buffers=tuple((str(v.name), shape(v.shape)) for v in rec.variables if v.buffer),
        buffer_count=int(rec.buffers),
    )


def assert_refused(case: Case, why: str) -> None:
    """symparam refuses `case` with a SymparamError (the framework refused it, or allows what symparam cannot)."""
    try:
        got = symparam_facts(case)
    except SymparamError:
        return
    pytest.fail(f"{why}, but symparam accepts: {case}\n  symparam: {got}")


def assert_matches(case: Case) -> None:
    """symparam agrees with the framework on `case`: the same facts, or both refuse."""
    who = _SIDES[case.dialect].who
    try:
        expected = framework_facts(case)
    except Refused as refused:
        note(f"{who} refuses")
        assert_refused(case, f"{who} refuses ({refused})")
        return
    if any(d == 0 for s in expected.outputs for d in s):
        try:
            rec = symparam_record(case)
        except SymparamError:
            note(f"{who}: an empty axis, symparam refuses")
            return
        note(f"{who}: an empty axis, symparam warns")
        assert rec.warnings, f"{who} outputs an empty axis {expected.outputs}; symparam accepts it without a " \
                             f"warning: {case}"
        assert record_facts(rec) == expected, f"facts differ for {case}\n  symparam: {record_facts(rec)}\n  " \
                                              f"{who}: {expected}"
        return
    note(f"{who} accepts")
    try:
        got = symparam_facts(case)
    except SymparamError as exc:
        pytest.fail(f"{who} accepts but symparam refuses: {case}\n  symparam: {exc}\n  {who}: {expected}")
    assert got.variables == expected.variables, \
        f"variables differ for {case}\n  symparam: {got.variables}\n  {who}: {expected.variables}"
    assert got.buffers == expected.buffers, \
        f"buffers differ for {case}\n  symparam: {got.buffers}\n  {who}: {expected.buffers}"
    assert got.outputs == expected.outputs, \
        f"output shapes differ for {case}\n  symparam: {got.outputs}\n  {who}: {expected.outputs}"
    counts = lambda f: (f.params, f.trainable, f.non_trainable, f.buffer_count)  # noqa: E731
    assert counts(got) == counts(expected), \
        f"(params, trainable, non_trainable, buffers) differ for {case}: {counts(got)} vs {counts(expected)}"


def run_generated(kind: str, generated: Generated) -> None:
    """Run a GENERATED entry: `max_examples` cases of `kind`, each checked (assert_matches unless told)."""
    check = generated.check or assert_matches

    def cases(case: Case) -> None:
        assert case.type_name == kind, f"GENERATED[{kind!r}] drew a case of another kind: {case}"
        check(case)

    cases.__name__ = f"cases_of_{kind.replace('.', '_')}"   # hypothesis keys its example database by name
    settings(max_examples=generated.max_examples, **SETTINGS)(given(generated.cases)(cases))()


def covered(module) -> set[str]:
    """The kinds a family test module runs through its framework: its GENERATED kinds and EXAMPLES' kinds."""
    return set(getattr(module, "GENERATED", {})) | {case.type_name for case in getattr(module, "EXAMPLES", ())}


def framework_tests(generated: Mapping[str, Generated], examples: Sequence[Case]):
    """A family module's two framework tests, over what it declares:

        test_generated_cases, test_examples = framework_tests(GENERATED, EXAMPLES)
    """
    @pytest.mark.parametrize("kind", list(generated))
    def test_generated_cases(kind):
        run_generated(kind, generated[kind])

    @pytest.mark.parametrize("case", list(examples), ids=str)
    def test_examples(case):
        assert_matches(case)

    return test_generated_cases, test_examples
