"""`symparam explore`: one self-contained HTML page (no network, no server) to explore a network's sizes.

Each free symbol gets a slider and a number box; a table shows every layer's output shape and parameter count
and the totals, recomputed in the browser from JavaScript that sympy prints from the exact formulas (BigInt
arithmetic, see js_printer). Formulas are shown as MathML, which browsers render natively.

A point where a condition of the network fails, an output length is not a positive integer, or a layer reads
from such a layer, shows "invalid" instead of numbers.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Iterable

import sympy
from sympy.printing.mathml import MathMLPresentationPrinter

from ..account import Account, LayerAccount, alike, of
from ..engine import tidy_condition
from ..model import LayerRecord, Network
from ..symbols import binding_text
from .escape import html as escape
from .js_printer import RUNTIME, js_condition, js_value

START = 8   # where a slider starts when its symbol has no value (no default, or --symbolic)


class _MathML(MathMLPresentationPrinter):
    """Readable identifiers: img_size is one <mi>, not img with subscript size."""

    def _print_Symbol(self, sym, style="plain"):
        mi = self.dom.createElement("mi")
        mi.appendChild(self.dom.createTextNode(sym.name))
        return mi


_PRINTER = _MathML({"mul_symbol": "dot"})


def _mrow(expr) -> str:
    """Presentation MathML; floor and ceiling of a sum over one denominator, as people write them: ⌊(n - 5)/2⌋."""
    if expr is None:
        return "<mi>None</mi>"
    shown = expr.replace(lambda e: isinstance(e, (sympy.floor, sympy.ceiling)),
                         lambda e: e.func(sympy.together(e.args[0]), evaluate=False))
    return _PRINTER.doprint(shown)


def _math(inner: str) -> str:
    return f"<math>{inner}</math>"


def _shape_math(shape) -> str:
    items = "<mo>,</mo>".join(_mrow(d) for d in shape) + ("<mo>,</mo>" if len(shape) == 1 else "")
    return _math(f"<mrow><mo>(</mo>{items}<mo>)</mo></mrow>")


def _factor(dim) -> str:
    return f"<mrow><mo>(</mo>{_mrow(dim)}<mo>)</mo></mrow>" if isinstance(dim, sympy.Add) else _mrow(dim)


def _params_math(layer: LayerAccount, sub: Callable) -> str:
    """The table's formula (the account's terms): each counted variable's axes multiplied, the variables added
    (3·3·3·32 + 32), times the copies of a repeated layer."""
    terms = ["<mrow>" + "<mo>&#xB7;</mo>".join(_factor(sub(d)) for d in t.factors) + "</mrow>" if t.dims else "<mn>1</mn>"
             for t in layer.terms]
    if not terms:
        return _math("<mn>0</mn>")

    def counted(n: int, term: str) -> str:   # equal parts once, with their count (4·C), as every format writes them
        many = "<mo>&#xB7;</mo>" in term or "<mo>+</mo>" in term   # a product in brackets: 4·(k·C)
        return term if n == 1 else (f"<mrow><mn>{n}</mn><mo>&#xB7;</mo>"
                                    + (f"<mrow><mo>(</mo>{term}<mo>)</mo></mrow>" if many else term) + "</mrow>")
    terms = [counted(n, term) for n, term in alike(terms)]
    body = "<mrow>" + "<mo>+</mo>".join(terms) + "</mrow>"
    if layer.repeat != 1:
        body = f"<mrow>{_factor(sub(layer.repeat))}<mo>&#xD7;</mo><mrow><mo>(</mo>{body}<mo>)</mo></mrow></mrow>"
    return _math(body)


def _formula(math: str) -> str:
    return f'<div class="formula">{math}</div>'   # scrolls sideways: MathML does not wrap lines


def _sliders(sym: Network, fixed: set[str]) -> list[str]:
    """The symbols the page needs values for, in the spec's order: those in sizes, shapes and conditions."""
    used: set[str] = set(sym.free_symbols)
    for _, condition in sym.assumptions:
        used |= {s.name for s in getattr(condition.relation, "free_symbols", ())}
    for shape in sym.inputs.values():
        used |= {s.name for d in shape if d is not None for s in d.free_symbols}
    return [name for name in sym.symbols.names() if name in used and name not in fixed]


def _fixed(a: Account, fixed: Iterable[str]) -> dict:
    """What the page does not give a slider: the --set numbers, and every formula default (d_ff = 4*d_model) put in
    so that it follows its sliders."""
    net = a.net
    numbers = {name: net.bindings[name] for name in fixed if name in net.bindings}
    return net.unbound.symbols.resolve(numbers, defaults=False)


def sliders(a: Account, fixed: Iterable[str] = ()) -> list[str]:
    """The symbols the page gives a slider, in the spec's order."""
    a = of(a)
    return _sliders(a.net.unbound, set(_fixed(a, fixed)))


def _function(body: str) -> str:
    return f"v => {body}"


def _layer_js(layer: LayerRecord, index_of: dict[str, int], sub: Callable) -> str:
    shape = "[" + ", ".join("null" if d is None else js_value(sub(d)) for d in layer.output_shape) + "]"
    dims = "[" + ", ".join(js_value(sub(d)) for v in layer.variables for d in v.shape) + "]"
    pairs = [(tidy_condition(sub(c.relation)), c.why) for c in layer.conditions]
    pairs = [(relation, why) for relation, why in pairs if relation is not sympy.true]
    conds = ", ".join(_function(js_condition(relation)) for relation, _ in pairs)
    whys = [why for _, why in pairs]
    deps = [index_of[n] for n in layer.inputs if n in index_of]
    return ("{" + f"deps: {json.dumps(deps)}, shape: {_function(shape)}, dims: {_function(dims)}, "
            f"worked: {_worked_js(layer, sub)}, "
            f"params: {_function(js_value(sub(layer.params)))}, "
            f"trainable: {_function(js_value(sub(layer.trainable)))}, "
            f"non_trainable: {_function(js_value(sub(layer.non_trainable)))}, "
            f"conds: [{conds}], whys: {_json(whys)}" + "}")


def _worked_js(layer: LayerRecord, sub: Callable) -> str:
    """What the clicked layer's derivation shows at the sliders' sizes: each counted variable's axes (multiplied in
    the page), the copies of a repeated layer. A layer whose copies grow shows its count only (its axes depend on
    the copy)."""
    counted = [] if layer.copies else [v for v in layer.variables if v.counted and not v.buffer]
    words = [(v.role or v.name) + (f" ({v.name})" if v.role else "") for v in counted]
    axes = "[" + ", ".join("[" + ", ".join(js_value(sub(d)) for d in v.shape) + "]" for v in counted) + "]"
    repeat = js_value(sub(sympy.Integer(layer.repeat) if isinstance(layer.repeat, int) else layer.repeat))
    return (f"{{words: {_json(words)}, axes: {_function(axes)}, repeat: {_function(repeat)}, "
            f"growing: {_json(bool(layer.copies))}}}")


def _steps(sym: Network) -> str:
    """Each layer's worked derivation in the spec's symbols (symparam.derivation, as `derive --format html` lays
    it out), hidden until its row is clicked; none without latex2mathml."""
    from ..account import build
    from ..derivation import derive
    from ..errors import SymparamError
    from .html import _Page
    try:
        page = _Page()
    except SymparamError:   # latex2mathml is not installed: the page works without the derivations
        return ""
    d = derive(build(sym))
    names = page.shorthands(d).replace('<math display="inline">', "<math>")   # the letters the steps use
    return names + "\n".join(f'<div class="worked" id="steps-{i}" hidden>'
                              + page.layer(layer).replace('<math display="inline">', "<math>")
                              + f'<h4>At the sizes above</h4><table class="steps live-steps" id="live-{i}"></table>'
                              + "</div>" for i, layer in enumerate(d.layers))


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else binding_text(value)   # 1/2 for a rational


def _json(value) -> str:
    """JSON safe inside <script> (no '</script>' can close it early)."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(a: Account, fixed: Iterable[str] = ()) -> str:
    """The page. Symbols named in `fixed` (the --set ones) are numbers; the others get a slider starting at
    their value in the bindings (the spec's default or --set), else at START."""
    a = of(a)
    net = a.net
    sym = net.unbound
    fixed_values = {name: net.bindings[name] for name in fixed if name in net.bindings}
    values = _fixed(a, fixed)
    table = {sym.symbols.get(name): sympy.Integer(v) if isinstance(v, int) else v for name, v in values.items()}

    def sub(expr):
        return expr.xreplace(table)

    names = _sliders(sym, set(values))
    index_of = {layer.name: i for i, layer in enumerate(sym.layers)}

    symbols, controls = [], []
    for name in names:
        start = int(net.bindings.get(name, START))
        top = max(64, 4 * start)
        symbols.append({"name": name, "start": str(start), "max": top})
        doc, shown = sym.symbols.info(name).doc, escape(name)   # names are ASCII identifiers: escaped all the same
        controls.append(
            f'<div class="symbol"><label for="n-{shown}">{shown}</label>'
            f'<input type="range" id="r-{shown}" min="1" max="{top}" step="1" value="{min(start, top)}" '
            f'aria-label="{shown} slider">'
            f'<input type="text" id="n-{shown}" inputmode="numeric" value="{start}" size="20" '
            f'aria-label="{shown} value">'
            f'<span class="doc">{escape(doc)}</span></div>')
    for name, value in fixed_values.items():
        controls.append(f'<div class="symbol fixed"><span class="name">{escape(name)}</span> = {_number(value)} '
                        f'<span class="doc">(fixed by --set)</span></div>')
    if not controls:
        controls.append('<p class="doc">The spec has no symbols: every count is a number.</p>')

    rows = []
    for i, layer in enumerate(a.layers):
        shape = tuple(None if d is None else sub(d) for d in layer.symbolic.output_shape)
        rows.append(f'<tr><td class="num">{layer.position}</td><td>{escape(layer.name)}</td>'
                    f'<td>{escape(layer.type)}</td>'
                    f'<td><span class="live" id="shape-{i}"></span>{_formula(_shape_math(shape))}</td>'
                    f'<td>{_formula(_params_math(layer, sub))}</td>'
                    f'<td class="num live" id="params-{i}"></td></tr>')
    for key, label, q in (("total", "Total", a.total), ("trainable", "Trainable", a.trainable),
                          ("non_trainable", "Non-trainable", a.non_trainable)):
        rows.append(f'<tr class="sum"><td></td><td colspan="3">{label} params</td>'
                    f'<td>{_formula(_math(_mrow(a.form(sub(q.symbolic)))))}</td>'
                    f'<td class="num live" id="{key}"></td></tr>')

    conditions, checks = [], []
    for x in a.symbolic_assumptions:
        relation = tidy_condition(sub(x.relation))
        if relation is sympy.true:
            continue
        checks.append(_function(js_condition(relation)))
        conditions.append(f'<li>{_math(_mrow(relation))} <span class="why">({escape(x.layer or x.where)}: '
                          f'{escape(x.why)})</span> <span class="live" id="cond-{len(checks) - 1}">'
                          f'</span></li>')
    network = [_function(js_condition(tidy_condition(sub(c.relation)))) for c in sym.conditions]  # input sizes

    data = "\n".join([
        f"const SYMBOLS = {_json(symbols)};",
        f"const NAMES = {_json([layer.name for layer in sym.layers])};",
        f"const NETWORK = [{', '.join(network)}];",
        "const LAYERS = [\n" + ",\n".join(_layer_js(layer, index_of, sub) for layer in sym.layers) + "\n];",
        f"const CHECKS = [{', '.join(checks)}];",
    ])
    title = escape(net.name)
    assumptions = (f'<h2>Valid when</h2><ul class="conditions">{"".join(conditions)}</ul>' if conditions else "")
    plot = ('<h2>Total parameters as one size changes</h2><p><label for="plot-symbol">Size:</label> '
            '<select id="plot-symbol">' + "".join(f'<option value="{escape(n)}">{escape(n)}</option>' for n in names)
            + '</select> <span class="doc">(the others held at their values above)</span></p>'
            '<canvas id="plot" width="640" height="260" role="img" aria-label="total parameters"></canvas>') \
        if names else ""
    parts = {"TITLE": title, "SOURCE": escape(net.source), "CONTROLS": "\n".join(controls),
             "ROWS": "\n".join(rows), "ASSUMPTIONS": assumptions, "PLOT": plot, "STEPS": _steps(sym),
             "SCRIPT": RUNTIME + data + "\n" + _SCRIPT}
    return re.sub(r"__([A-Z]+)__", lambda m: parts[m.group(1)], _PAGE)   # one pass: no part is read twice


_SCRIPT = r"""
const $ = id => document.getElementById(id);
const group = x => x.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
let chosen = -1;   // the layer whose derivation is shown (its row clicked), -1 for none

function attempt(f) {   // a value, or undefined where the formula has none (not whole, division by zero)
  try { return f(); } catch (e) { if (e instanceof Invalid || e instanceof RangeError) return undefined; throw e; }
}

function read() {
  const v = {}, bad = [];
  for (const s of SYMBOLS) {
    const box = $("n-" + s.name), text = box.value.replace(/[\s,_]/g, "");
    const good = /^[0-9]{1,600}$/.test(text) && BigInt(text) >= 1n;
    box.classList.toggle("bad", !good);
    box.setAttribute("aria-invalid", String(!good));
    if (good) v[s.name] = BigInt(text); else bad.push(s.name);
  }
  return [v, bad];
}

function show(id, text, ok) {
  const cell = $(id);
  cell.textContent = ok ? text : "invalid";
  cell.classList.toggle("invalid", !ok);
}

function evaluate(v, problems) {   // every layer at the sizes v: whether it is valid, its shape and counts
  const networkOk = NETWORK.every(c => attempt(() => c(v)) === true);
  if (!networkOk) problems.push("the network's input sizes must be positive");
  const ok = [], shapes = [], counts = [], sums = {total: 0n, trainable: 0n, non_trainable: 0n};
  LAYERS.forEach((L, i) => {
    let good = networkOk && L.deps.every(d => ok[d]), shape, count;
    if (good) {
      shape = attempt(() => L.shape(v));
      count = attempt(() => [L.params(v), L.trainable(v), L.non_trainable(v)]);
      const failed = L.conds.findIndex(c => attempt(() => c(v)) !== true);
      const lengths = shape !== undefined && shape.every(d => d === null || d >= 1n);
      const dims = attempt(() => L.dims(v).every(d => d >= 1n)) === true;
      good = lengths && dims && count !== undefined && failed < 0;
      if (failed >= 0) problems.push(NAMES[i] + ": " + L.whys[failed]);
      else if (!good) problems.push(NAMES[i] + ": a length would not be a positive integer");
    }
    ok.push(good); shapes.push(shape); counts.push(count);
    if (good) { sums.total += count[0]; sums.trainable += count[1]; sums.non_trainable += count[2]; }
  });
  return {ok, shapes, counts, sums, all: networkOk && ok.every(x => x)};
}

function plot(v) {   // the total over one symbol's slider range, the others held; a dot at the current value
  const canvas = $("plot"), choice = $("plot-symbol");
  if (!canvas || !choice) return;
  const s = SYMBOLS.find(x => x.name === choice.value), top = BigInt(s.max);
  const step = (top + 119n) / 120n, points = [];
  for (let x = 1n; x <= top; x += step) {
    const r = evaluate({...v, [s.name]: x}, []);
    if (r.all) points.push([x, r.sums.total]);
  }
  const here = v[s.name], now = here === undefined ? undefined : evaluate(v, []);
  const marked = now !== undefined && now.all && here <= top;
  if (marked && !points.some(p => p[0] === here)) {
    points.push([here, now.sums.total]);
    points.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  canvas.dataset.points = String(points.length);
  canvas.dataset.symbol = s.name;
  canvas.dataset.x = marked ? here.toString() : "";
  canvas.dataset.total = marked ? group(now.sums.total) : "";
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.font = "11px sans-serif";
  g.fillStyle = "#333";
  if (points.length === 0) { g.fillText("no valid size", 280, 130); return; }
  const low = points.reduce((m, p) => (p[1] < m ? p[1] : m), points[0][1]);
  const high = points.reduce((m, p) => (p[1] > m ? p[1] : m), points[0][1]);
  const X = x => 80 + 540 * (Number(x) - 1) / Math.max(1, Number(top) - 1);
  const Y = y => high === low ? 120 : 220 - 200 * Number(y - low) / Number(high - low);
  g.strokeStyle = "#999";
  g.beginPath(); g.moveTo(80, 20); g.lineTo(80, 220); g.lineTo(620, 220); g.stroke();
  g.textAlign = "right"; g.fillText(group(high), 74, 24); g.fillText(group(low), 74, 224);
  g.fillText(s.max.toString(), 620, 238);
  g.textAlign = "left"; g.fillText("1", 80, 238);
  g.textAlign = "center"; g.fillText(s.name, 350, 254);
  g.strokeStyle = "#1f5fa8"; g.lineWidth = 2;
  g.beginPath();
  points.forEach((p, i) => (i ? g.lineTo(X(p[0]), Y(p[1])) : g.moveTo(X(p[0]), Y(p[1]))));
  g.stroke();
  if (marked) { g.fillStyle = "#c33"; g.beginPath(); g.arc(X(here), Y(now.sums.total), 5, 0, 2 * Math.PI); g.fill(); }
}

function recompute() {
  const [v, bad] = read();
  const problems = bad.map(name => name + " must be a positive integer");
  const r = bad.length === 0 ? evaluate(v, problems)
                             : {ok: LAYERS.map(() => false), shapes: [], counts: [], sums: {}, all: false};
  const ok = r.ok, sums = r.sums;
  LAYERS.forEach((L, i) => {
    const good = ok[i], shape = r.shapes[i], counts = r.counts[i];
    const text = good ? "(" + shape.map(d => d === null ? "None" : d.toString()).join(", ")
                        + (shape.length === 1 ? ",)" : ")") : "";
    show("shape-" + i, text, good);
    show("params-" + i, good ? group(counts[0]) : "", good);
  });
  const all = r.all;
  for (const key of ["total", "trainable", "non_trainable"]) show(key, all ? group(sums[key]) : "", all);
  CHECKS.forEach((c, i) => {
    const holds = bad.length === 0 ? attempt(() => c(v)) : undefined;
    $("cond-" + i).textContent = holds === true ? "holds" : holds === false ? "fails" : "—";
    $("cond-" + i).className = "live " + (holds === true ? "holds" : "fails");
  });
  $("status").textContent = all ? "" : "Invalid here: " + problems.join("; ") + ".";
  if (bad.length === 0) plot(v);
  worked();
  try { history.replaceState(null, "", "#" + SYMBOLS.map(s => s.name + "=" + encodeURIComponent($("n-" + s.name).value)).join("&")); }
  catch (e) { /* some browsers refuse it for file: pages; the page works without */ }
}

for (const s of SYMBOLS) {
  const slider = $("r-" + s.name), box = $("n-" + s.name);
  slider.addEventListener("input", () => { box.value = slider.value; recompute(); });
  box.addEventListener("input", () => {
    const text = box.value.replace(/[\s,_]/g, "");
    if (/^[0-9]{1,600}$/.test(text)) slider.value = String(BigInt(text) > BigInt(s.max) ? s.max : text);
    recompute();
  });
}
for (const part of location.hash.slice(1).split("&")) {   // page.html#img_size=64 starts there
  const [name, value] = part.split("=");
  let text;
  try { text = value === undefined ? undefined : decodeURIComponent(value); } catch (e) { continue; }  // a bad hash
  const box = name && SYMBOLS.some(s => s.name === name) && $("n-" + name), slider = box && $("r-" + name);
  if (box && slider && text !== undefined) { box.value = text; box.dispatchEvent(new Event("input")); }
}
const ROWS = [...document.querySelectorAll("#network > tbody > tr:not(.sum)")];   // one per layer, in order
function reveal(i) {   // a layer's derivation, shown under the table when its row is clicked
  chosen = i;
  for (const panel of document.querySelectorAll(".worked")) panel.hidden = panel.id !== "steps-" + i;
  ROWS.forEach((row, j) => row.classList.toggle("chosen", j === i));
  worked();
}
function worked() {   // the chosen layer's numbers at the sliders' sizes, worked as the derivation above works them
  const table = chosen < 0 ? null : $("live-" + chosen);
  if (!table) return;
  table.replaceChildren();
  const row = (words, text) => {
    const tr = table.insertRow(), th = document.createElement("th"), td = tr.insertCell();
    th.scope = "row"; th.textContent = words; tr.prepend(th); td.textContent = text;
  };
  const [v, bad] = read(), r = bad.length === 0 ? evaluate(v, []) : undefined;
  if (r === undefined || !r.ok[chosen]) { row("", "invalid at these sizes"); return; }
  const L = LAYERS[chosen], shape = s => "(" + s.map(d => d === null ? "None" : group(d)).join(", ")
                                          + (s.length === 1 ? ",)" : ")");
  for (const d of L.deps) row("input shape", shape(r.shapes[d]));
  const axes = L.worked.axes(v), sizes = axes.map(a => a.reduce((x, y) => x * y, 1n));
  axes.forEach((a, k) => row(L.worked.words[k], (a.length > 1 ? a.map(group).join(" · ") + " = " : "")
                                                + group(sizes[k])));
  const copies = L.worked.repeat(v), count = r.counts[chosen][0];
  if (L.worked.growing) row("parameters", group(count) + " (the copies' sizes summed)");
  else if (sizes.length > 1 || copies !== 1n)
    row("parameters", (copies !== 1n ? group(copies) + " × (" : "") + sizes.map(group).join(" + ")
                      + (copies !== 1n ? ")" : "") + " = " + group(count));
  row("output shape", shape(r.shapes[chosen]));
}
ROWS.forEach((row, i) => {
  row.tabIndex = 0;
  row.title = "Show the derivation";
  row.addEventListener("click", () => reveal(i));
  row.addEventListener("keydown", e => { if (e.key === "Enter") reveal(i); });
});
if ($("plot-symbol")) $("plot-symbol").addEventListener("change", recompute);
recompute();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>__TITLE__: parameters</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.symbol { display: flex; align-items: center; gap: .75rem; margin: .4rem 0; }
.symbol label, .symbol .name { font-family: ui-monospace, monospace; min-width: 8rem; }
.symbol input[type=range] { width: 18rem; }
.symbol input[type=text] { font-family: ui-monospace, monospace; }
input.bad { outline: 2px solid #c00; }
.doc, .why { color: #666; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.live { word-break: break-all; }   /* a 40-digit count wraps rather than push the table off the page */
tr.sum td { font-weight: 600; border-top: 2px solid #999; }
.formula { color: #333; overflow-x: auto; overflow-y: hidden; max-width: 30rem; } .formula math { font-size: 1.05rem; }
.live { font-family: ui-monospace, monospace; }
.invalid, .fails { color: #c00; font-style: italic; } .holds { color: #070; }
#status { color: #c00; min-height: 1.2em; }
#network > tbody > tr:not(.sum) { cursor: pointer; } #network > tbody > tr:hover, tr.chosen { background: #f3f7fc; }
.worked { border-left: 3px solid #1f5fa8; padding: 0 1rem; margin-top: 1rem; }
.worked table.steps th { text-align: right; font-weight: normal; color: #444; padding-right: .8rem; border: none;
                        background: none; white-space: nowrap; }
.worked table.steps td { border: none; } .worked table.steps { width: auto; margin-top: .3rem; }
#plot { width: 100%; max-width: 40rem; border: 1px solid #eee; }
footer { margin-top: 2rem; color: #666; font-size: .85rem; }
</style>
</head>
<body>
<h1>Parameters of __TITLE__</h1>
<section id="symbols">
__CONTROLS__
</section>
<p id="status" role="status"></p>
<table id="network">
<thead><tr><th>#</th><th>Layer</th><th>Type</th><th>Output shape</th><th>Formula</th><th class="num">Parameters</th></tr></thead>
<tbody>
__ROWS__
</tbody>
</table>
<section id="derivation">
__STEPS__
</section>
__PLOT__
__ASSUMPTIONS__
<footer>Written by <code>symparam explore</code> from __SOURCE__. Every count is recomputed exactly (BigInt
arithmetic) in this page from the formulas; nothing is fetched or sent.</footer>
<script>
"use strict";
__SCRIPT__
</script>
</body>
</html>
"""
