"""`symparam explore`: the exact BigInt JavaScript printer (run under node), the page in a real headless Chromium
(driven over the DevTools protocol with the standard library only), and the command's errors."""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symparam.cli import main
from symparam.api import load as derive_file   # a network that can be .subs()-tituted
from symparam.errors import SymparamError
from symparam.render.js_printer import RUNTIME, js_condition, js_value

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

NODE = shutil.which("node")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

X, Y = sympy.symbols("x y", integer=True, positive=True)
BIG = 2**53

# ---------------------------------------------------------------------------------------------------------------
# (a) The printer, checked against sympy's exact values by evaluating its JavaScript in node.

_EVALUATOR = RUNTIME + r"""
const readline = require("readline");
readline.createInterface({input: process.stdin}).on("line", line => {
  const {code, values} = JSON.parse(line);
  let out;
  try {
    const v = Object.fromEntries(Object.entries(values).map(([k, x]) => [k, BigInt(x)]));
    const r = (new Function("v", "fdiv", "cdiv", "mod", "exact", "min", "max", "nonzero",
                            "return (" + code + ");"))(v, fdiv, cdiv, mod, exact, min, max, nonzero);
    out = {type: typeof r, value: String(r)};
  } catch (e) {
    out = (e instanceof Invalid || e instanceof RangeError) ? {invalid: String(e)} : {error: String(e)};
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
"""


@pytest.fixture(scope="module")
def node():
    """One node process evaluating JavaScript expressions line by line."""
    if NODE is None:
        pytest.skip("node is not installed (apt-get install nodejs)")
    proc = subprocess.Popen([NODE, "-e", _EVALUATOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(code: str, values: dict) -> dict:
        proc.stdin.write(json.dumps({"code": code, "values": {k: str(v) for k, v in values.items()}}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield run
    proc.stdin.close()
    proc.wait(timeout=10)


def at(expr, x, y):
    """sympy's exact value at x, y, evaluated from the leaves up (generated expressions hold unevaluated floor,
    Min, ... which xreplace would leave as they are where no symbol is replaced beneath them)."""
    table = {X: sympy.Integer(x), Y: sympy.Integer(y)}

    def value(e):
        return table.get(e, e) if not e.args else e.func(*(value(a) for a in e.args))
    return value(expr)


def check_value(node, expr, x, y):
    """The JavaScript of expr at (x, y) is sympy's exact value, or 'invalid' where that is not a whole number."""
    expected = at(expr, x, y)
    got = node(js_value(expr), {"x": x, "y": y})
    assert "error" not in got, (expr, js_value(expr), got)
    if expected.is_Integer:
        assert got == {"type": "bigint", "value": str(int(expected))}, (expr, x, y, js_value(expr))
    else:
        assert "invalid" in got, (expr, x, y, expected, js_value(expr), got)


rationals = st.fractions(min_value=-20, max_value=20, max_denominator=12).map(
    lambda f: sympy.Rational(f.numerator, f.denominator))
positive_divisors = st.one_of(st.integers(1, 12).map(sympy.Integer), st.sampled_from([X, Y, X + Y, 2 * X + 3]))
values = st.one_of(st.integers(1, 60), st.integers(BIG - 3, BIG + 3), st.integers(1, 2**80))
points = st.lists(st.tuples(values, values), min_size=1, max_size=6)   # several per expression: sympy is the cost


@st.composite
def polynomials(draw):
    """Rational coefficients, degree up to 3 in each of x and y."""
    terms = draw(st.lists(st.tuples(rationals, st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=4))
    return sympy.Add(*(c * X**i * Y**j for c, i, j in terms))


linear = st.tuples(rationals, rationals, rationals).map(lambda t: t[0] * X + t[1] * Y + t[2])


@st.composite
def leaves(draw):
    kind = draw(st.sampled_from(["poly", "floor", "ceiling", "floor_by", "mod", "minmax"]))
    if kind == "poly":
        return draw(polynomials())
    if kind in ("floor", "ceiling"):
        return getattr(sympy, kind)(draw(linear))
    if kind == "floor_by":   # floor((a*x + b*y + c) / d) with d a number or a symbol: the engine's strides, `//`
        return sympy.floor(draw(linear) / draw(positive_divisors))
    if kind == "mod":
        return sympy.Mod(draw(linear), draw(positive_divisors))
    parts = draw(st.lists(linear, min_size=2, max_size=3))
    return draw(st.sampled_from([sympy.Min, sympy.Max]))(*parts)


def _unevaluated(function):
    """Combinators build without sympy's simplification (slow for Min, Max and Mod of polynomials); the values
    are the same, and the printer meets shapes sympy would have tidied away."""
    return lambda args: function(*args, evaluate=False)


expressions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
        st.tuples(inner, inner).map(lambda t: t[0] * t[1]),
        st.tuples(rationals, inner).map(lambda t: t[0] * t[1]),
        st.tuples(inner).map(_unevaluated(sympy.floor)),
        st.tuples(inner).map(_unevaluated(sympy.ceiling)),
        st.tuples(inner, positive_divisors).map(_unevaluated(sympy.Mod)),
        st.tuples(inner, inner).map(_unevaluated(sympy.Min)),
        st.tuples(inner, inner).map(_unevaluated(sympy.Max)),
    ),
    max_leaves=4,
)

EXAMPLES_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@needs_node
@EXAMPLES_SETTINGS
@given(expr=expressions, xys=points)
def test_js_value_is_sympys_exact_value(node, expr, xys):
    for x, y in xys:
        check_value(node, expr, x, y)


@needs_node
@EXAMPLES_SETTINGS
@given(expr=expressions, xys=points)
def test_whole_values_are_exact(node, expr, xys):
    """Whole numbers everywhere (rational coefficients that always divide out), so none may come out invalid."""
    floor, ceiling = sympy.floor(expr, evaluate=False), sympy.ceiling(expr, evaluate=False)
    halves = sympy.Add(floor * X * (X + 1) / 2, ceiling * Y * (Y + 1) / 2, evaluate=False)
    for x, y in xys:
        for whole in (floor, halves):
            assert at(whole, x, y).is_Integer
            check_value(node, whole, x, y)


@needs_node
@settings(EXAMPLES_SETTINGS, max_examples=60)
@given(lhs=expressions, rhs=expressions, relation=st.sampled_from([sympy.Ge, sympy.Gt, sympy.Le, sympy.Lt,
                                                                  sympy.Eq, sympy.Ne]), xys=points)
def test_js_condition_decides_exactly(node, lhs, rhs, relation, xys):
    rel = relation(lhs, rhs, evaluate=False)
    for x, y in xys:
        expected = bool(at(rel, x, y))
        got = node(js_condition(rel), {"x": x, "y": y})
        assert got == {"type": "boolean", "value": str(expected).lower()}, (rel, x, y, js_condition(rel), got)


CASES = [
    # (expression, x, y): the floor/ceiling/mod signs BigInt's truncating `/` and `%` get wrong, and 2**53 + 1.
    (sympy.floor((X - 7) / 2), 2, 1),
    (sympy.ceiling((X - 7) / 2), 2, 1),
    (sympy.floor((-X - Y) / 3), 1, 1),
    (sympy.ceiling((-X - Y) / 3), 1, 1),
    (sympy.Mod(X - 10, 3), 1, 1),
    (sympy.Mod(-X, Y), 5, 3),
    (X * Y, BIG + 1, 3),
    (X * (X + 1) / 2, BIG + 1, 1),
    (sympy.Rational(3, 4) * X * Y - X / 6 + sympy.Rational(5, 12) * X, 2**70 + 12, 4),
    (sympy.Min(X / 3, Y), 7, 3),
    (sympy.Max(X / 3, Y / 2) * 6, 7, 3),
    (X / 2, 3, 1),                       # 3/2: not a whole number -> invalid
    (sympy.floor(X / (Y - 3)), 5, 3),    # division by zero -> invalid
    (sympy.floor(X / (Y - 3)), 7, 1),    # a negative divisor
]


@needs_node
@pytest.mark.parametrize("expr, x, y", CASES, ids=[str(c[0]) for c in CASES])
def test_edge_cases(node, expr, x, y):
    if at(expr, x, y).has(sympy.zoo, sympy.nan):
        assert "invalid" in node(js_value(expr), {"x": x, "y": y})
    else:
        check_value(node, expr, x, y)


CONDITIONS = [
    # the engine's kinds: a 'valid' window, a divisibility (Reshape, groups), and one with a symbolic divisor
    (sympy.Ge(sympy.floor((X - 5) / 2) + 1, 1), [(4, 1), (5, 1), (6, 1)]),
    (sympy.Eq(sympy.Mod(X * Y, 4), 0), [(2, 2), (2, 3), (BIG + 1, 4)]),
    (sympy.Ne(sympy.Mod(X, Y), 0), [(6, 3), (7, 3)]),
    (sympy.Ge(X / (Y - 3), 2), [(4, 5), (3, 5), (4, 1)]),
    (sympy.Ge(X * Y, BIG), [(BIG, 1), (BIG - 1, 1), (2**26, 2**27)]),
]


@needs_node
@pytest.mark.parametrize("relation, xys", CONDITIONS, ids=[str(c[0]) for c in CONDITIONS])
def test_engine_conditions(node, relation, xys):
    for x, y in xys:
        expected = bool(at(relation, x, y))
        got = node(js_condition(relation), {"x": x, "y": y})
        assert got == {"type": "boolean", "value": str(expected).lower()}, (relation, x, y, js_condition(relation))


# ---------------------------------------------------------------------------------------------------------------
# (b) The page in a real headless Chromium, driven over the DevTools protocol (--remote-debugging-pipe).

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

WIDE = """\
# Symbolic in n and h; above 2**53 at the sizes the test sets.
[network]
name = "wide"
input = ["n", "n", 3]

[symbols]
n = { default = 64, doc = "image side" }
h = { default = 100, doc = "hidden units" }

[[layers]]
type = "Conv2D"
name = "conv"
filters = 16
kernel_size = 5
strides = 2
padding = "valid"

[[layers]]
type = "Flatten"
name = "flat"

[[layers]]
type = "Dense"
name = "fc"
units = "h"

[[layers]]
type = "BatchNormalization"
name = "bn"
"""


def _high(fd: int) -> int:
    """The same pipe end on a descriptor >= 10, so that the shell's 3<& and 4>& cannot overwrite it (bash, not
    sh: dash refuses descriptors above 9)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Browser:
    """Headless Chromium with one page, spoken to over the DevTools pipe (fd 3 in, fd 4 out, NUL-separated)."""

    def __init__(self, url: str, profile: Path):
        to_child, self._write = (_high(fd) for fd in os.pipe())
        self._read, from_child = (_high(fd) for fd in os.pipe())
        self.log = profile.parent / "chromium.log"
        command = ["bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}', CHROMIUM, *CHROMIUM_FLAGS,
                   f"--user-data-dir={profile}", "--remote-debugging-pipe", url]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(command, pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._id = 0
        self.session = None
        deadline = time.monotonic() + 30
        while self.session is None:
            pages = [t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
            if pages:
                target = pages[0]["targetId"]
                self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            elif time.monotonic() > deadline:
                raise TimeoutError("Chromium opened no page")
            else:
                time.sleep(0.1)
        self.wait_for("document.readyState === 'complete' && document.getElementById('total') !== null "
                      "&& document.getElementById('total').textContent !== ''")

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._read], [], [], left)[0]:
                    raise TimeoutError(f"no answer to {method}; see {self.log}")
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe; see {self.log}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never satisfied {condition}")
            time.sleep(0.05)

    def type_into(self, element_id: str, text: str) -> None:
        """As a user: focus the number box, select what is there, type over it (the browser fires `input`)."""
        self.evaluate(f"(() => {{ const b = document.getElementById({json.dumps(element_id)}); b.focus(); "
                      f"b.select(); }})()")
        self.send("Input.insertText", {"text": text})

    def press(self, element_id: str, key: str, code: int) -> None:
        self.evaluate(f"document.getElementById({json.dumps(element_id)}).focus()")
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                 "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code})

    def table(self) -> dict:
        return self.evaluate("""(() => {
            const text = id => document.getElementById(id).textContent;
            const rows = document.querySelectorAll("#network > tbody > tr:not(.sum)").length;   // its layers
            return {total: text("total"), trainable: text("trainable"), non_trainable: text("non_trainable"),
                    params: [...Array(rows).keys()].map(i => text("params-" + i)),
                    shapes: [...Array(rows).keys()].map(i => text("shape-" + i)),
                    status: text("status")};
        })()""")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (TimeoutError, RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._read)
        os.close(self._write)


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    opened = []

    def open_page(page: Path, fragment: str = "") -> Browser:
        b = Browser(page.resolve().as_uri() + fragment, tmp_path / f"profile-{len(opened)}")
        opened.append(b)
        return b

    yield open_page
    for b in opened:
        b.close()


def expected_table(net) -> dict:
    """What the page must show for a bound network: symparam's own exact numbers, formatted as the page does."""
    def shape(s):
        return "(" + ", ".join("None" if d is None else str(int(d)) for d in s) + (",)" if len(s) == 1 else ")")
    return {"total": f"{int(net.total):,}", "trainable": f"{int(net.trainable):,}",
            "non_trainable": f"{int(net.non_trainable):,}", "params": [f"{int(l.params):,}" for l in net.layers],
            "shapes": [shape(l.output_shape) for l in net.layers], "status": ""}


def write_page(path: Path, spec: Path, *args: str) -> Path:
    code = main(["explore", str(spec), "--output", str(path), *args])
    assert code == 0
    return path


@needs_chromium
def test_cnn_page_follows_img_size(browser, tmp_path):
    spec = EXAMPLES / "cnn.toml"
    page = browser(write_page(tmp_path / "cnn.html", spec))
    net = derive_file(spec)
    assert page.table() == expected_table(net)                       # starts at the spec's default, 32
    assert page.evaluate("document.getElementById('n-img_size').value") == "32"

    page.type_into("n-img_size", "64")
    assert page.table() == expected_table(net.subs(img_size=64))
    assert page.evaluate("document.getElementById('r-img_size').value") == "64"   # the slider follows the box

    page.press("r-img_size", "ArrowRight", 39)                       # the slider, moved with the keyboard
    assert page.evaluate("document.getElementById('n-img_size').value") == "65"
    assert page.table() == expected_table(net.subs(img_size=65))     # odd: MaxPooling floors 65/2

    page.type_into("n-img_size", "0")
    shown = page.table()
    assert shown["total"] == "invalid" and set(shown["params"]) == {"invalid"}
    assert "img_size must be a positive integer" in shown["status"]

    maths = page.evaluate("[...document.querySelectorAll('math')].filter(m => m.closest('[hidden]') === null)"
                          ".map(m => [m instanceof MathMLElement, m.getBoundingClientRect().width])")   # shown ones
    assert len(maths) >= 2 * len(net.layers) + 3                     # a shape and a count per layer, the totals
    assert all(is_mathml and width > 0 for is_mathml, width in maths)


@needs_chromium
def test_two_symbol_page_beyond_2_53(browser, tmp_path, write_spec):
    spec = write_spec(WIDE, "wide.toml")
    page = browser(write_page(tmp_path / "wide.html", spec))
    net = derive_file(spec)
    assert page.table() == expected_table(net)

    page.type_into("n-n", "100001")
    page.type_into("n-h", "1000003")
    big = net.subs(n=100001, h=1000003)
    assert int(big.total) > BIG
    assert page.table() == expected_table(big)
    assert page.evaluate("document.getElementById('r-n').value") == "256"   # the slider stops at its top

    page.type_into("n-n", "6")                                       # even: floor((6 - 5) / 2) + 1 = 1
    assert page.table() == expected_table(net.subs(n=6, h=1000003))

    page.type_into("n-n", "4")                                       # the 'valid' 5x5 convolution needs n >= 5
    with pytest.raises(SymparamError, match="at least 5"):
        net.subs(n=4)
    shown = page.table()
    assert shown["total"] == shown["trainable"] == shown["non_trainable"] == "invalid"
    assert set(shown["params"]) == set(shown["shapes"]) == {"invalid"}   # conv fails; the rest read from it
    assert "conv: kernel_size" in shown["status"]
    assert page.evaluate("document.getElementById('cond-0').textContent") == "fails"


@needs_chromium
def test_screenshot(tmp_path, write_spec):
    spec = write_spec(WIDE, "wide.toml")
    page = write_page(tmp_path / "wide.html", spec)
    shot = tmp_path / "wide.png"
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
                    "--window-size=1200,900", f"--screenshot={shot}", page.resolve().as_uri() + "#n=100001&h=1000003"],
                   check=True, capture_output=True, timeout=60)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 900)
    assert len(data) > 20_000   # text, sliders and formulas, not a blank page
    if os.environ.get("SYMPARAM_KEEP_SCREENSHOT"):
        shutil.copy(shot, os.environ["SYMPARAM_KEEP_SCREENSHOT"])


# ---------------------------------------------------------------------------------------------------------------
# The page as text, and the command.

def test_page_is_self_contained(tmp_path):
    page = write_page(tmp_path / "cnn.html", EXAMPLES / "cnn.toml").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page and "src=" not in page
    assert page.count("<math>") == page.count("</math>") > 0
    assert 'id="r-img_size"' in page and 'id="n-img_size"' in page


def test_set_fixes_a_symbol(tmp_path, write_spec):
    spec = write_spec(WIDE, "wide.toml")
    page = write_page(tmp_path / "wide.html", spec, "--set", "h=12").read_text(encoding="utf-8")
    assert 'id="n-n"' in page and 'id="n-h"' not in page
    assert "h</span> = 12" in page
    assert '"start": "64"' in page


def test_symbolic_ignores_defaults(tmp_path):
    page = write_page(tmp_path / "cnn.html", EXAMPLES / "cnn.toml", "--symbolic").read_text(encoding="utf-8")
    assert 'id="n-img_size" inputmode="numeric" value="8"' in page


def test_escapes_names(tmp_path, write_spec):
    spec = write_spec('[network]\nname = "</script><b>x"\ninput = ["n"]\n[[layers]]\ntype = "Dense"\n'
                      'name = "a</script>&b"\nunits = 2\n')
    page = write_page(tmp_path / "p.html", spec).read_text(encoding="utf-8")
    assert page.count("</script>") == 1 and "<b>x" not in page


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_unwritable_output_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "explore", EXAMPLES / "cnn.toml", "--output", tmp_path / "missing" / "p.html")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "--output" in err and "does not exist" in err


@pytest.mark.parametrize("binding, fragment", [("img_size=0", "positive integer"), ("img_size", "NAME=VALUE"),
                                                ("nope=3", "'nope'")])
def test_bad_set_is_one_line(capsys, tmp_path, binding, fragment):
    target = tmp_path / "p.html"
    code, out, err = run(capsys, "explore", EXAMPLES / "cnn.toml", "--output", target, "--set", binding)
    assert code == 2 and err.count("\n") == 1 and fragment in err
    assert not target.exists()


def test_subprocess(tmp_path):
    target = tmp_path / "p.html"
    done = subprocess.run([sys.executable, "-m", "symparam", "explore", str(EXAMPLES / "cnn.toml"), "-o",
                           str(target)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Wrote {target}: sliders for img_size.\n"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@needs_chromium
def test_a_clicked_layer_shows_its_derivation_and_the_plot_follows_the_slider(browser, tmp_path):
    spec = EXAMPLES / "lenet5.toml"
    page = browser(write_page(tmp_path / "lenet5.html", spec))
    visible = "[...document.querySelectorAll('.worked')].filter(p => !p.hidden).map(p => p.id)"
    assert page.evaluate(visible) == []                               # no derivation until a row is clicked
    row = "document.querySelectorAll('#network > tbody > tr')[{}].click()"
    page.evaluate(row.format(1))                                      # pool1
    assert page.evaluate(visible) == ["steps-1"]
    steps = page.evaluate("document.getElementById('steps-1').textContent")
    assert "output height and width" in steps and "pool1" in steps and "conv1" in steps   # the rule, its source
    assert page.evaluate("document.getElementById('steps-1').querySelectorAll('math').length") > 3
    page.evaluate(row.format(5))                                      # fc1: the other one hides
    assert page.evaluate(visible) == ["steps-5"]

    # the plot: the total over img_size (the first slider), a dot at the current size on the table's total
    assert page.evaluate("document.getElementById('plot').dataset.symbol") == "img_size"
    assert int(page.evaluate("document.getElementById('plot').dataset.points")) > 20
    inked = ("(() => { const c = document.getElementById('plot'); const d = c.getContext('2d')"
             ".getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) "
             "if (d[i] > 0) n++; return n; })()")
    assert page.evaluate(inked) > 500                                 # a curve was drawn, not a blank canvas
    here = "(() => { const c = document.getElementById('plot'); return [c.dataset.x, c.dataset.total]; })()"
    net = derive_file(spec)
    assert page.evaluate(here) == ["32", f"{int(net.total):,}"] == ["32", page.table()["total"]]
    page.type_into("n-img_size", "64")
    assert page.evaluate(here) == ["64", f"{int(net.subs(img_size=64).total):,}"]
    # another symbol: the plot follows the choice
    page.evaluate("(() => { const s = document.getElementById('plot-symbol'); s.value = 'units_1'; "
                  "s.dispatchEvent(new Event('change')); })()")
    assert page.evaluate("document.getElementById('plot').dataset.symbol") == "units_1"
    assert page.evaluate(here) == ["120", f"{int(net.subs(img_size=64).total):,}"]


@needs_chromium
def test_the_clicked_layers_derivation_follows_the_sliders(browser, tmp_path):
    """Issue 10: the derivation shown for a clicked layer works its numbers at the sliders' sizes, not the
    defaults'; symparam's own network at those sizes is the reference."""
    spec = EXAMPLES / "lenet5.toml"
    page = browser(write_page(tmp_path / "lenet5.html", spec))
    live = "document.getElementById('live-{}').innerText"
    page.evaluate("document.querySelectorAll('#network > tbody > tr')[0].click()")   # conv1

    def expected(net, i):
        layer = net.layers[i]
        rows = [f"input shape\t{shape(net.layers[i - 1].output_shape)}"] if i else []
        for v in layer.variables:
            dims = [int(d) for d in v.shape]
            rows.append(f"{v.role} ({v.name})\t" + (" · ".join(f"{d:,}" for d in dims) + " = " if len(dims) > 1
                                                     else "") + f"{int(v.size):,}")
        if len(layer.variables) > 1:
            rows.append("parameters\t" + " + ".join(f"{int(v.size):,}" for v in layer.variables)
                        + f" = {int(layer.params):,}")
        return rows + [f"output shape\t{shape(layer.output_shape)}"]

    def shape(s):
        return "(" + ", ".join(f"{int(d):,}" for d in s) + ")"

    net = derive_file(spec)
    assert page.evaluate(live.format(0)).splitlines() == expected(net, 0)
    page.type_into("n-img_size", "64")
    page.type_into("n-filters_1", "8")
    moved = net.subs(img_size=64, filters_1=8)
    assert page.evaluate(live.format(0)).splitlines() == expected(moved, 0)
    assert "5 · 5 · 1 · 8 = 200" in page.evaluate(live.format(0))   # the kernel at filters_1 = 8, not the default 6
    page.evaluate("document.querySelectorAll('#network > tbody > tr')[2].click()")   # conv2: reads pool1's output
    assert page.evaluate(live.format(2)).splitlines() == expected(moved, 2)
    page.type_into("n-img_size", "0")
    assert page.evaluate(live.format(2)).strip() == "invalid at these sizes"
