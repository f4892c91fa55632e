'use strict';
// Notification templates (nunjucks).
const nunjucks = require('nunjucks');
const env = new nunjucks.Environment(null, { autoescape: true });
const TPLS = [['Hello {{ user.name | title }}, you have {{ items | length }} items: {% for i in items %}{{ i.n }}{% if not loop.last %}, {% endif %}{% endfor %}', { user: { name: 'ann lee' }, items: [{ n: 'a' }, { n: 'b' }] }],
  ['{% set total = 0 %}{% for x in xs %}{% set total = total + x %}{% endfor %}{{ total }} {{ xs | join("-") }} {{ xs | sort | first }}', { xs: [3, 1, 2] }],
  ['{% macro row(k, v) %}{{ k | upper }}={{ v | default("-") }}{% endmacro %}{{ row("a", x) }} {{ "<b>" | escape }} {{ s | truncate(5) }}', { x: null, s: 'long string here' }],
  ['{% if a > 1 and b %}yes{% elif c %}c{% else %}no{% endif %} {{ d | dictsort | dump }} {{ 7 // 2 }} {{ "%s-%s" | replace("%s", n) }}', { a: 2, b: 1, c: 0, d: { z: 1, a: 2 }, n: 5 }]];
module.exports.TASKS = [
  ['render', ([t, c]) => env.renderString(t, c), TPLS],
  ['compile', ([t, c]) => nunjucks.compile(t, env).render(c), TPLS],
];
