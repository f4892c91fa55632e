"""Notification renderer: user-editable Jinja2 templates."""
import jinja2

_env = jinja2.Environment(loader=jinja2.DictLoader({
    "base.html": "<h1>{% block title %}{% endblock %}</h1>{% block body %}{% endblock %}",
    "mail.html": "{% extends 'base.html' %}{% block title %}{{ subject|title }}{% endblock %}"
                 "{% block body %}{% for it in items %}{{ loop.index }}. {{ it.name|e }} x{{ it.qty }}"
                 "{% if not loop.last %}, {% endif %}{% endfor %}{% endblock %}",
    "macros.txt": "{% macro row(k, v) %}{{ k|upper }}={{ v|default('-') }}{% endmacro %}",
}), autoescape=True, trim_blocks=True)


def render_mail(ctx):
    return _env.get_template("mail.html").render(**ctx)


def render_inline(args):
    src, ctx = args
    return _env.from_string(src).render(**ctx)


def render_sandboxed(args):
    from jinja2.sandbox import SandboxedEnvironment
    src, ctx = args
    return SandboxedEnvironment().from_string(src).render(**ctx)


def compile_expr(args):
    expr, ctx = args
    return _env.compile_expression(expr)(**ctx)


TASKS = [
    ("render_mail", render_mail, [{"subject": "your order", "items": [{"name": "a<b", "qty": 2}, {"name": "c", "qty": 1}]},
                                  {"subject": "empty", "items": []},
                                  {"subject": "many", "items": [{"name": "n%d" % i, "qty": i} for i in range(5)]}]),
    ("render_inline", render_inline, [("{% import 'macros.txt' as m %}{{ m.row('a', x) }}", {"x": 3}),
                                      ("{{ xs|join(', ') }} {{ xs|sum }} {{ xs|map('string')|list }}", {"xs": [1, 2, 3]}),
                                      ("{% set t = namespace(n=0) %}{% for i in range(4) %}{% set t.n = t.n + i %}{% endfor %}{{ t.n }}", {}),
                                      ("{{ d|dictsort|first }} {{ s|truncate(9) }} {{ s|wordcount }}", {"d": {"b": 1, "a": 2}, "s": "hello big wide world"}),
                                      ("{% filter upper %}{{ 'x' ~ n }}{% endfilter %} {{ n is even }}", {"n": 4})]),
    ("render_sandboxed", render_sandboxed, [("{{ a.b }} {{ 7 // 2 }}", {"a": {"b": "c"}}),
                                            ("{% for k, v in d.items() %}{{k}}{{v}}{% endfor %}", {"d": {"x": 1}})]),
    ("compile_expr", compile_expr, [("a + b * 2", {"a": 1, "b": 2}), ("name|lower in allowed", {"name": "X", "allowed": ["x"]}),
                                    ("items|selectattr('ok')|list|length", {"items": [{"ok": True}, {"ok": False}]})]),
]
