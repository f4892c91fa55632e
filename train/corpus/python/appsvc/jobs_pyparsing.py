"""Config-expression evaluator of the rules engine, built on pyparsing grammars."""
import pyparsing as pp

ppc = pp.pyparsing_common
_num = ppc.number
_ident = pp.Word(pp.alphas + "_", pp.alphanums + "_")
_expr = pp.infix_notation(_num | _ident, [
    (pp.one_of("* /"), 2, pp.OpAssoc.LEFT),
    (pp.one_of("+ -"), 2, pp.OpAssoc.LEFT),
    (pp.one_of("< > == !="), 2, pp.OpAssoc.LEFT),
])
_kv = pp.Dict(pp.OneOrMore(pp.Group(_ident + pp.Suppress("=") + (pp.QuotedString('"') | _num | _ident))))
_csv = pp.delimited_list(pp.QuotedString('"') | pp.Word(pp.printables, exclude_chars=","))
_call = _ident("fn") + pp.Suppress("(") + pp.Optional(pp.delimited_list(_num | _ident))("args") + pp.Suppress(")")


def parse_rule(s):
    return _expr.parse_string(s, parse_all=True).as_list()


def parse_settings(s):
    return _kv.parse_string(s).as_dict()


def split_csv(s):
    return _csv.parse_string(s).as_list()


def find_calls(s):
    return [(t.fn, list(t.args)) for t, _, _ in _call.scan_string(s)]


def parse_common(s):
    return (ppc.iso8601_datetime | ppc.ipv4_address | ppc.uuid | ppc.fnumber).parse_string(s).as_list()


def transform(s):
    up = _ident.copy().set_parse_action(lambda t: t[0].upper())
    return up.transform_string(s)


TASKS = [
    ("parse_rule", parse_rule, ["1 + 2 * x", "(a + b) / 4 > limit", "rate * 3.5 - 1 == y",
                                "((1))", "a != b + c * d"]),
    ("parse_settings", parse_settings, ['host="db1" port=5432 user=admin', 'a=1 b=2.5 c=x',
                                        'name="x y" retries=3']),
    ("split_csv", split_csv, ['a,b,"c,d",e', '1,2,3', '"quoted",plain,"x"']),
    ("find_calls", find_calls, ["max(a, 2) + min(b,c)", "f() g(1,2,3)", "nothing here"]),
    ("parse_common", parse_common, ["2024-01-02T03:04:05", "10.0.0.1", "12345678-1234-5678-1234-567812345678",
                                    "3.25e4"]),
    ("transform", transform, ["hello world", "a_b c_d", "x1 y2 z3"]),
]
