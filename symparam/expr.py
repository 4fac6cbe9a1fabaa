"""The safe size parser: user text -> exact sympy expression, by a whitelisting walk over Python's ast.

Nothing here evaluates user text. `eval`, `sympify` and `parse_expr` run code, so sizes are read by walking
the syntax tree and building sympy objects directly. Accepted: integer literals (bounded), names (no leading
underscore), + - * / // % ** (small literal exponents), unary +/-, parentheses, and calls of bare
min, max, floor, ceil. Everything else is refused with a short fact; the caller adds where it came from.
"""

from __future__ import annotations

import ast
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
    def __init__(self, symbol: Callable[[str], sympy.Symbol]) -> None:
        self.symbol = symbol

    def walk(self, node: ast.AST) -> tuple[sympy.Expr, int]:
        """Return (expression, degree bound)."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise SymparamError(f"{_describe(node)} is not allowed in a size")
        return method(node)

    def _Expression(self, node: ast.Expression):
        return self.walk(node.body)

    def _Constant(self, node: ast.Constant):
        value = node.value
        if type(value) is not int:
            raise SymparamError(f"only integer literals are allowed in a size, not {value!r}")
        if value.bit_length() > MAX_LITERAL_BITS:
            raise SymparamError(f"the literal {value} is too large (at most 2**{MAX_LITERAL_BITS})")
        return sympy.Integer(value), 0

    def _Name(self, node: ast.Name):
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
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            raise SymparamError(f"only min, max, floor and ceil may be called in a size, not {_describe(node.func)}")
        if node.keywords:
            raise SymparamError("keyword arguments are not allowed in a size")
        function, least, most = _FUNCTIONS[node.func.id]
        if not least <= len(node.args) <= most:
            count = "exactly 1 argument" if least == most else f"{least} to {most} arguments"
            raise SymparamError(f"{node.func.id} takes {count}, received {len(node.args)}")
        parts = [self.walk(arg) for arg in node.args]
        return _bounded(function(*(p[0] for p in parts)), max(p[1] for p in parts))


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


def parse_expression(text: str, symbol: Callable[[str], sympy.Symbol]) -> sympy.Expr:
    """Parse one size expression. `symbol(name)` returns the network's Symbol for a name.

    Raises SymparamError with a short fact; the caller names the key and the place.
    """
    if not isinstance(text, str):
        raise SymparamError(f"expected {GRAMMAR}")
    if len(text) > MAX_TEXT:
        raise SymparamError(f"the expression is too long ({len(text)} characters, at most {MAX_TEXT})")
    if not text.strip():
        raise SymparamError("the expression is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
        value, _ = _Walker(symbol).walk(tree)
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
