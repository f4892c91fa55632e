'use strict';
// Stylesheet optimiser (postcss + postcss-value-parser).
const postcss = require('postcss');
const CSS = ['a { color: red; margin: 0 auto } .b > c:hover { padding: 1px 2px; }', '@media (max-width: 600px) { .x { display: none } } /* c */ @import "u.css";',
  ':root { --main: #333; } .y { color: var(--main); background: url("a.png") no-repeat; }', '.z{width:calc(100% - 10px);transition:all .2s ease-in-out}'];
module.exports.TASKS = [
  ['walk', (c) => { const root = postcss.parse(c); const out = []; root.walkDecls((d) => out.push(d.prop + '=' + d.value)); root.walkRules((r) => out.push(r.selector)); return out; }, CSS],
  ['transform', (c) => postcss.parse(c).clone().each((n) => { if (n.type === 'rule') n.append({ prop: 'z-index', value: '1' }); }).toString(), CSS],
  ['values', (c) => { const vp = require('postcss-value-parser'); const out = []; postcss.parse(c).walkDecls((d) => { vp(d.value).walk((n) => { out.push(n.type + ':' + n.value); }); out.push(vp.stringify(vp(d.value).nodes)); }); return out; }, CSS],
];
