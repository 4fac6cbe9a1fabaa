"""The safe size parser: user text -> exact sympy expression, by a whitelisting walk over Python's ast.

Nothing here evaluates user text. `eval`, `sympify` and `parse_expr` run code, so sizes are read by walking
the syntax tree and building sympy objects directly. Accepted: integer literals (bounded), names (no leading
underscore), + - * / // % ** (small literal exponents), unary +/-, parentheses, and calls of bare
min, max, floor, ceil and of the spec's own helpers (expanded by substitution); `a if c else b`; the layer's
input shape as `input_shape[k]` (an integer literal k). Conditions (`when`, and the `c` of `a if c else b`) also
take comparisons, `and`, `or`, `not`, true/false, and string literals compared with a choice (`variant == "large"`).
Everything else is refused with a short fact; the caller adds where it came from.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

import sympy

from .errors import SymparamError, show

MAX_TEXT = 200          # characters in one size expression
MAX_LITERAL_BITS = 64   # integer literals up to 2**64
MAX_VALUE_BITS = 256    # constants produced by arithmetic
MAX_EXPONENT = 16       # literal exponents of **
MAX_DEGREE = 64         # polynomial degree an expression may reach
MAX_NAME = 64
MAX_TERMS = 500         # terms an expression, a length or a layer's count may have once expanded
MAX_DIGITS = 1000       # digits of any number symparam works out: a length, a count, a coefficient
_MAX_BITS = 3321        # a number below 2**3321 has at most 1,000 digits

GRAMMAR = ("an integer, a symbol name, or an expression over symbols with + - * / // % **, "
           "parentheses, min, max, floor, ceil")
MAX_HELPER_CALLS = 256  # helper expansions in one expression (helpers call only earlier ones: no recursion)
INPUT_SHAPE = "input_shape"


class Text(str):
    """The value of a string symbol or block argument (a choice): it may only be compared with a string literal."""


def as_sympy(value) -> sympy.Basic:
    """An exact value as a sympy object: an int as an Integer, a Fraction as a Rational, a sympy value as it is.
    Text is refused: unlike sympy.sympify, this never parses (a string from a spec goes through `parse_expression`)."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sympy.Integer(value)
    from fractions import Fraction
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    raise TypeError(f"not an exact number: {type(value).__name__}")


def highest_terms(expr: sympy.Expr) -> sympy.Expr | None:
    """The highest-degree part of a polynomial in its symbols (None when it is not one)."""
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    poly = expr.as_poly(*symbols) if symbols else None
    if poly is None:
        return None
    top = max(sum(m) for m in poly.monoms())
    return sympy.Add(*(c * sympy.Mul(*(x ** e for x, e in zip(symbols, m))) for m, c in poly.terms()
                       if sum(m) == top))


def is_condition(value) -> bool:
    """A sympy boolean that is no expression (true, false, a relation, And/Or/Not): a Symbol is both, and a size."""
    return isinstance(value, sympy.logic.boolalg.Boolean) and not isinstance(value, sympy.Expr)


def input_dim(axis: int) -> sympy.Symbol:
    """The placeholder for `input_shape[axis]`, replaced by the layer's input length when it is built (its name
    starts with '_', which no user name may)."""
    return sympy.Symbol(f"_input_shape[{axis}]", integer=True, positive=True)


def input_axis(symbol: sympy.Basic) -> int | None:
    """The axis a placeholder of `input_dim` stands for, else None."""
    name = getattr(symbol, "name", "")
    if isinstance(symbol, sympy.Symbol) and name.startswith("_input_shape["):
        return int(name[len("_input_shape["):-1])
    return None

def _rounded(x: sympy.Expr, rounding) -> sympy.Expr:
    """floor or ceiling of x, exact, in the form sympy's own evaluation gives: integer terms come out, a symbolic
    rest stays inside. Written here because sympy's evaluation of a symbolic floor imports sympy.combinatorics
    on first use (a tenth of a second of start-up); tests compare the two on generated expressions."""
    if x.is_number:
        return rounding(x)
    if x.is_integer:
        return x
    if x.has(rounding):
        x = _collapsed(x, rounding)
    terms = sympy.Add.make_args(x)
    whole = sympy.Add(*(t for t in terms if t.is_integer))
    constant = sympy.Add(*(t for t in terms if not t.is_integer and t.is_number))
    rest = sympy.Add(*(t for t in terms if not t.is_integer and not t.is_number))
    if rest == 0:
        return whole + rounding(constant)
    if constant.is_integer:
        return whole + constant + rounding(rest, evaluate=False)
    return whole + rounding(rest + constant, evaluate=False)


def _collapsed(x: sympy.Expr, rounding) -> sympy.Expr:
    """floor((floor(y) + c) / b) = floor((y + c) / b) for an integer c and a whole b >= 1, and so for ceil: sizes
    rounded twice, as a stack of poolings makes them, in one step (floor(floor(n/2)/2) = floor(n/4))."""
    numerator, denominator = sympy.fraction(sympy.together(x))
    if not (denominator.is_Integer and denominator >= 1):
        return x
    terms = sympy.Add.make_args(numerator)
    inner = [t for t in terms if isinstance(t, rounding)]
    rest = [t for t in terms if not isinstance(t, rounding)]
    if len(inner) != 1 or not all(t.is_integer for t in rest):
        return x
    return (inner[0].args[0] + sympy.Add(*rest)) / denominator


def floor_of(x: sympy.Expr) -> sympy.Expr:
    return _rounded(x, sympy.floor)


def ceil_of(x: sympy.Expr) -> sympy.Expr:
    return _rounded(x, sympy.ceiling)


_FUNCTIONS = {
    "floor": (floor_of, 1, 1),
    "ceil": (ceil_of, 1, 1),
    "min": (sympy.Min, 2, 16),
    "max": (sympy.Max, 2, 16),
}


def check_name(name: str) -> str:
    """A symbol name: an identifier, no leading underscore, not a function name, at most 64 characters."""
    if (not isinstance(name, str) or not name.isidentifier() or not name.isascii() or name.startswith("_")
            or name in _FUNCTIONS or len(name) > MAX_NAME or name in ("None", "True", "False")):
        raise SymparamError(
            f"a symbol name must be an ASCII identifier of at most {MAX_NAME} characters, not starting with '_' "
            f"and not one of min, max, floor, ceil, not {show(name)}")
    return name


class _Walker:
    def __init__(self, symbol: Callable[[str], sympy.Symbol], helpers=None) -> None:
        self.symbol = symbol
        self.helpers = helpers or {}

    def walk(self, node: ast.AST) -> tuple[sympy.Expr, int]:
        """Return (expression, degree bound); the expression is a number or size (never a condition or text)."""
        value, degree = self.any(node)
        if isinstance(value, Text):
            raise SymparamError(f"{_describe(node)} is a string; compare it with a string literal "
                                f"({_describe(node)} == \"...\")")
        if is_condition(value):
            raise SymparamError(f"{_describe(node)} is a condition, not a size (write `a if condition else b`)")
        return value, degree

    def any(self, node: ast.AST):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise SymparamError(f"{_describe(node)} is not allowed in a size")
        return method(node)

    def condition(self, node: ast.AST) -> sympy.Basic:
        """A condition: a comparison, and/or/not, true/false, a boolean name."""
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            return sympy.true if node.value else sympy.false
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BoolOp):
            parts = [self.condition(v) for v in node.values]
            return sympy.And(*parts) if isinstance(node.op, ast.And) else sympy.Or(*parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sympy.Not(self.condition(node.operand))
        if isinstance(node, (ast.Name, ast.Call)):
            value, _ = self.any(node)
            if is_condition(value):
                return value
        raise SymparamError(f"{_describe(node)} is not a condition (a comparison such as n > 0 or variant == "
                            f"\"large\", a boolean symbol, and, or, not)")

    def _compare(self, node: ast.Compare) -> sympy.Basic:
        relations = {ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne, ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt,
                     ast.GtE: sympy.Ge}
        operands = [node.left, *node.comparators]
        parts = []
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if type(op) not in relations:
                raise SymparamError(f"the comparison {_describe(op)} is not allowed (==, !=, <, <=, >, >= are)")
            texts = [_text_literal(n) for n in (left, right)]
            if any(t is not None for t in texts):
                a, b = (t if t is not None else self.any(n)[0] for t, n in zip(texts, (left, right)))
                if not (isinstance(a, str) and isinstance(b, str)) or type(op) not in (ast.Eq, ast.NotEq):
                    raise SymparamError("a string can only be compared with == or != to a string symbol or "
                                        "argument (variant == \"large\")")
                parts.append(sympy.true if (a == b) == isinstance(op, ast.Eq) else sympy.false)
                continue
            (a, _), (b, _) = self.walk(left), self.walk(right)
            parts.append(relations[type(op)](a, b))
        return sympy.And(*parts)

    def _IfExp(self, node: ast.IfExp):
        test = self.condition(node.test)
        if test is sympy.true:
            return self.walk(node.body)
        if test is sympy.false:
            return self.walk(node.orelse)
        (body, db), (orelse, do) = self.walk(node.body), self.walk(node.orelse)
        return _bounded(sympy.Piecewise((body, test), (orelse, True)), max(db, do))

    def _Subscript(self, node: ast.Subscript):
        index = node.slice
        if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and isinstance(index.operand,
                                                                                           ast.Constant):
            axis = -index.operand.value if type(index.operand.value) is int else None
        else:
            axis = index.value if isinstance(index, ast.Constant) and type(index.value) is int else None
        if not (isinstance(node.value, ast.Name) and node.value.id == INPUT_SHAPE) or axis is None \
                or not -16 <= axis < 16:
            raise SymparamError(f"only {INPUT_SHAPE}[k] may be subscripted (k an integer literal from -16 to 15: "
                                f"the layer's input length on axis k, batch axis left out)")
        return input_dim(axis), 1

    def _Expression(self, node: ast.Expression):
        return self.walk(node.body)

    def _Constant(self, node: ast.Constant):
        value = node.value
        if type(value) is bool:
            return (sympy.true if value else sympy.false), 0
        if type(value) is not int:
            raise SymparamError(f"only integer literals are allowed in a size, not {value!r}")
        if value.bit_length() > MAX_LITERAL_BITS:
            raise SymparamError(f"the literal {value} is too large (at most 2**{MAX_LITERAL_BITS})")
        return sympy.Integer(value), 0

    def _Name(self, node: ast.Name):
        if node.id == INPUT_SHAPE:
            raise SymparamError(f"{INPUT_SHAPE} is read one axis at a time: {INPUT_SHAPE}[-1] is the last axis")
        return self.symbol(check_name(node.id)), 1

    def _UnaryOp(self, node: ast.UnaryOp):
        value, degree = self.walk(node.operand)
        if isinstance(node.op, ast.USub):
            return -value, degree
        if isinstance(node.op, ast.UAdd):
            return value, degree
        raise SymparamError(f"the operator {_describe(node.op)} is not allowed in a size")

    def _BinOp(self, node: ast.BinOp):
        left, dl = self.walk(node.left)
        op = node.op
        if isinstance(op, ast.Pow):
            if not (isinstance(node.right, ast.Constant) and type(node.right.value) is int
                    and 0 <= node.right.value <= MAX_EXPONENT):
                raise SymparamError(f"an exponent must be an integer literal from 0 to {MAX_EXPONENT}")
            exponent = node.right.value
            return _bounded(left ** exponent, dl * exponent)
        right, dr = self.walk(node.right)
        if isinstance(op, ast.Add):
            return _bounded(left + right, max(dl, dr))
        if isinstance(op, ast.Sub):
            return _bounded(left - right, max(dl, dr))
        if isinstance(op, ast.Mult):
            return _bounded(left * right, dl + dr)
        if isinstance(op, (ast.Div, ast.FloorDiv, ast.Mod)):
            if right.is_zero:
                raise SymparamError("division by zero")
            if isinstance(op, ast.Div):
                return _bounded(left / right, dl + dr)
            if isinstance(op, ast.FloorDiv):
                return _bounded(floor_of(left / right), dl + dr)
            return _bounded(sympy.Mod(left, right), max(dl, dr))
        raise SymparamError(f"the operator {_describe(op)} is not allowed in a size")

    def _Call(self, node: ast.Call):
        if node.keywords:
            raise SymparamError("keyword arguments are not allowed in a size")
        if isinstance(node.func, ast.Name) and node.func.id in self.helpers:
            return self._helper(node)
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            known = "min, max, floor, ceil" + "".join(f", {h}" for h in self.helpers)
            raise SymparamError(f"only {known} may be called in a size, not {_describe(node.func)}")
        function, least, most = _FUNCTIONS[node.func.id]
        if not least <= len(node.args) <= most:
            count = "exactly 1 argument" if least == most else f"{least} to {most} arguments"
            raise SymparamError(f"{node.func.id} takes {count}, received {len(node.args)}")
        parts = [self.walk(arg) for arg in node.args]
        return _bounded(function(*(p[0] for p in parts)), max(p[1] for p in parts))


    def _helper(self, node: ast.Call):
        """A helper of the spec's [helpers], expanded: its formula read with its parameters bound to the arguments."""
        helper = self.helpers[node.func.id]
        if len(node.args) != len(helper.params):
            raise SymparamError(f"the helper {helper.name}({', '.join(helper.params)}) takes {len(helper.params)} "
                                f"argument(s), received {len(node.args)}")
        _CALLS[0] += 1   # every call, nested ones included, counts against one budget per parsed expression
        if _CALLS[0] > MAX_HELPER_CALLS:
            raise SymparamError(f"the expression expands more than {MAX_HELPER_CALLS} helper calls (a fixed limit)")
        return _expanded(helper, tuple(self.walk(arg)[0] for arg in node.args))


@lru_cache(maxsize=1 << 12)
def _expanded(helper: Helper, args: tuple) -> tuple[sympy.Expr, int]:
    """A helper's formula with its parameters bound to `args` (cached: make_divisible calls round_to three times,
    and a network calls it with the same sizes again and again)."""
    values = dict(zip(helper.params, args))

    def local(name: str):
        if name in values:
            return values[name]
        raise SymparamError(f"the helper {helper.name} may use only its parameters ({', '.join(helper.params)}), "
                            f"not {name!r}")
    try:
        tree = ast.parse(helper.formula.strip(), mode="eval")
        return _Walker(local, helper.earlier).walk(tree.body)
    except SymparamError as exc:
        raise SymparamError(f"in the helper {helper.name}: {exc.message}") from None


def _text_literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and type(node.value) is str else None


def _bounded(value: sympy.Expr, degree: int) -> tuple[sympy.Expr, int]:
    if degree > MAX_DEGREE:
        raise SymparamError(f"the expression's degree is too high (at most {MAX_DEGREE})")
    check_expansion(value, "the expression")
    if value.is_Number:
        if not value.is_finite:
            raise SymparamError("the expression has no finite value")
        if value.is_Rational and max(abs(value.p).bit_length(), abs(value.q).bit_length()) > MAX_VALUE_BITS:
            raise SymparamError(f"the expression's value is too large (at most 2**{MAX_VALUE_BITS})")
    return value, degree


Bound = tuple[int, int]   # (terms once expanded, bits of the largest number): upper bounds


@lru_cache(maxsize=1 << 16)
def expansion(expr: sympy.Basic) -> Bound:
    """Upper bounds on sympy.expand(expr), worked out without expanding: its number of terms, and the bit length of
    the largest number in it. A sum's terms add up, a product's multiply, a sum of t terms to the power e has at most
    C(t + e - 1, e) (the multinomial count: (a+...+j)**16 has 2,042,975); floor, min, max and mod keep their
    arguments whole, counted as their terms together. Terms are capped just above MAX_TERMS."""
    if expr.is_Rational:
        return 1, max(1, abs(expr.p).bit_length() + (expr.q.bit_length() if expr.q != 1 else 0))
    if not expr.args:
        return 1, 1
    parts = [expansion(arg) for arg in expr.args]
    if expr.is_Add:
        return sum_bound(parts)
    if expr.is_Mul:
        return product_bound(parts)
    if expr.is_Pow and expr.exp.is_Integer:
        (terms, bits), e = parts[0], abs(int(expr.exp))
        count = 1
        for i in range(min(e, _CAP) if terms > 1 else 0):   # C(terms + e - 1, e), stopped once past the cap
            count = _capped(count * (terms + i) // (i + 1))
            if count > MAX_TERMS:
                break
        return count, bits * e
    return _capped(sum(t for t, _ in parts)), max(b for _, b in parts)


def sum_bound(parts: list[Bound]) -> Bound:
    return _capped(sum(t for t, _ in parts)), max(b for _, b in parts) + len(parts).bit_length()


def product_bound(parts: list[Bound]) -> Bound:
    terms = 1
    for t, _ in parts:
        terms = _capped(terms * t)
    return terms, sum(b for _, b in parts)


_CAP = MAX_TERMS + 1


def _capped(terms: int) -> int:
    return min(terms, _CAP)


def check_expansion(expr: sympy.Basic, what: str) -> None:
    """Refuse an expression whose expanded form would be too large to work with (before anything expands it)."""
    check_bound(expansion(expr), what)


def check_bound(bound: Bound, what: str) -> None:
    terms, bits = bound
    if terms > MAX_TERMS:
        raise SymparamError(f"{what} would expand to more than {MAX_TERMS:,} terms; symparam works with at most "
                            f"{MAX_TERMS:,} (a fixed limit: write it with fewer symbols or a lower power)")
    if bits > _MAX_BITS:
        raise SymparamError(f"{what} holds a number of more than {MAX_DIGITS:,} digits; symparam works with at "
                            f"most {MAX_DIGITS:,} (a fixed limit)")


def _describe(node: ast.AST) -> str:
    names = {
        "Attribute": "attribute access", "Subscript": "subscripting", "Lambda": "a lambda",
        "Call": "a call", "Compare": "a comparison", "BoolOp": "a boolean operator",
        "Constant": "a literal", "JoinedStr": "an f-string", "List": "a list", "Tuple": "a tuple",
        "Dict": "a dict", "Set": "a set", "IfExp": "a conditional expression", "NamedExpr": "an assignment",
        "BitAnd": "&", "BitOr": "|", "BitXor": "^", "LShift": "<<", "RShift": ">>", "MatMult": "@",
        "Invert": "~", "Not": "not", "Starred": "unpacking", "Await": "await", "Yield": "yield",
        "ListComp": "a comprehension", "GeneratorExp": "a comprehension", "DictComp": "a comprehension",
        "SetComp": "a comprehension",
    }
    kind = type(node).__name__
    if isinstance(node, ast.Name):
        return f"'{node.id}'"
    return names.get(kind, kind)


def parse_expression(text: str, symbol: Callable[[str], sympy.Symbol], helpers=None) -> sympy.Expr:
    """Parse one size expression. `symbol(name)` returns the network's Symbol for a name; `helpers` are the spec's
    named formulas (name -> Helper).

    Raises SymparamError with a short fact; the caller names the key and the place.
    """
    return _parse(text, symbol, helpers, condition=False)


def parse_condition(text: str, symbol: Callable[[str], sympy.Basic], helpers=None) -> sympy.Basic:
    """Parse one condition (a `when`): a sympy boolean, decided (true, false) or a relation over symbols."""
    return _parse(text, symbol, helpers, condition=True)


@dataclass(frozen=True)
class Helper:
    """A named formula of the spec's [helpers]: its parameters, its text, and the helpers defined before it (the
    only ones it may call, so that expanding one always ends)."""
    name: str
    params: tuple[str, ...]
    formula: str
    earlier: dict = field(default_factory=dict, compare=False, hash=False)


_CALLS = [0]   # helper calls while one expression is parsed (reset by _parse)


def _parse(text, symbol, helpers, condition: bool):
    _CALLS[0] = 0
    if not isinstance(text, str):
        raise SymparamError(f"expected {GRAMMAR}")
    if len(text) > MAX_TEXT:
        raise SymparamError(f"the expression is too long ({len(text)} characters, at most {MAX_TEXT})")
    if not text.strip():
        raise SymparamError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        walker = _Walker(symbol, helpers)
        value = walker.condition(tree.body) if condition else walker.walk(tree)[0]
    except SymparamError:
        raise
    except SyntaxError as exc:
        raise SymparamError(f"the expression is not well formed ({exc.msg})") from None
    except (RecursionError, MemoryError, ValueError, OverflowError, TypeError):
        raise SymparamError("the expression is too deeply nested or too large") from None
    return value


def as_expr(value) -> sympy.Expr:
    """An engine value (a sympy expression or a Python int) as a sympy expression. Never parses text."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sympy.Integer(value)
    raise TypeError(f"not an expression: {value!r}")


@lru_cache(maxsize=1 << 14)
def sum_over(expr: sympy.Expr, index: sympy.Symbol, count: sympy.Expr) -> sympy.Expr:
    """The sum of `expr` over index = 0 .. count - 1, in closed form: a polynomial in the index sums, power by power
    (Faulhaber's formulas), to a polynomial in the count; never a loop over the copies. Anything else in the index
    goes to sympy's summation."""
    if index not in expr.free_symbols:
        return count * expr
    if count.is_Integer and count <= 0:
        return sympy.Integer(0)
    try:
        poly = sympy.Poly(sympy.expand(expr), index)
    except sympy.PolynomialError:
        poly = None
    if poly is None or any(index in c.free_symbols for c in poly.coeffs()):
        return sympy.expand(sympy.summation(expr, (index, 0, count - 1)))
    return sympy.expand(sympy.Add(*(c * _power_sum(p).xreplace({_COUNT: count})
                                    for (p,), c in poly.terms())))


_COUNT = sympy.Symbol("count", integer=True, nonnegative=True)


@lru_cache(maxsize=64)
def _power_sum(power: int) -> sympy.Expr:
    """0**p + 1**p + ... + (count - 1)**p as a polynomial in count: (B(p+1, count) - B(p+1, 0)) / (p + 1), with the
    Bernoulli polynomials (an identity whatever convention B(1) takes: B(k, x + 1) - B(k, x) = k x**(k - 1))."""
    if power == 0:
        return _COUNT
    k = power + 1
    return sympy.expand((sympy.bernoulli(k, _COUNT) - sympy.bernoulli(k, 0)) / k)
