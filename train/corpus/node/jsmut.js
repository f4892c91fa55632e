// jsmut.js: source analysis and light refactoring for the Node mutant builder.
//   node jsmut.js analyze FILE          -> JSON list of functions (lines, statements, params)
//   node jsmut.js refactor FILE START END SEED -> JSON {src, shift, renamed}
// Parsing uses @babel/parser (ranges only); edits are done on text.
'use strict';
const fs = require('fs');
const parser = require('@babel/parser');

function parse(src) {
  return parser.parse(src, { sourceType: 'unambiguous', errorRecovery: true, allowReturnOutsideFunction: true,
    plugins: ['classProperties', 'classPrivateProperties', 'classPrivateMethods', 'topLevelAwait'] });
}

function walk(node, fn, parent) {
  if (!node || typeof node.type !== 'string') return;
  fn(node, parent);
  for (const k of Object.keys(node)) {
    if (k === 'loc' || k === 'leadingComments' || k === 'trailingComments' || k === 'innerComments') continue;
    const v = node[k];
    if (Array.isArray(v)) v.forEach((c) => c && typeof c.type === 'string' && walk(c, fn, node));
    else if (v && typeof v.type === 'string') walk(v, fn, node);
  }
}

const FN = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod', 'ClassPrivateMethod']);

function fnName(n, parent) {
  if (n.id && n.id.name) return n.id.name;
  if (n.key) return n.key.name || (n.key.id && n.key.id.name) || (n.key.value && String(n.key.value)) || '<anon>';
  if (parent) {
    if (parent.type === 'VariableDeclarator' && parent.id.name) return parent.id.name;
    if (parent.type === 'AssignmentExpression') {
      const l = parent.left;
      if (l.type === 'MemberExpression' && l.property) return l.property.name || String(l.property.value);
      if (l.name) return l.name;
    }
    if ((parent.type === 'ObjectProperty') && parent.key) return parent.key.name || String(parent.key.value);
  }
  return '<anon>';
}

function analyze(file) {
  const src = fs.readFileSync(file, 'utf8');
  const ast = parse(src);
  const out = [];
  walk(ast.program, (n, parent) => {
    if (!FN.has(n.type) || !n.body || n.body.type !== 'BlockStatement') return;
    const params = n.params.filter((p) => p.type === 'Identifier').map((p) => p.name);
    const objParams = new Set();
    const locals = new Set();
    const shorthand = new Set();
    const returns = [];
    walk(n.body, (m) => {
      if (m.type === 'MemberExpression' && m.object.type === 'Identifier' && params.includes(m.object.name)) objParams.add(m.object.name);
      if (m.type === 'VariableDeclarator' && m.id.type === 'Identifier') locals.add(m.id.name);
      if (m.type === 'ObjectProperty' && m.shorthand && m.key.name) shorthand.add(m.key.name);
      if (m.type === 'ReturnStatement' && m.argument) returns.push({ line: m.loc.start.line, col: m.loc.start.column });
    });
    const stmts = n.body.body.map((s) => ({ line: s.loc.start.line, col: s.loc.start.column, type: s.type }));
    out.push({ name: fnName(n, parent), start: n.start, end: n.end, startLine: n.loc.start.line, endLine: n.loc.end.line,
      bodyLine: n.body.loc.start.line, params, objParams: [...objParams], stmts, returns,
      locals: [...locals].filter((l) => !shorthand.has(l) && !params.includes(l)), isArrow: n.type === 'ArrowFunctionExpression' });
  });
  return out;
}

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

function refactor(file, start, end, seed) {
  const src = fs.readFileSync(file, 'utf8');
  const r = rng(seed);
  const ast = parse(src);
  let target = null;
  walk(ast.program, (n) => { if (FN.has(n.type) && n.start === start && n.end === end) target = n; });
  if (!target) return null;
  // rename one local declared in the function: every Identifier with that name inside it,
  // except non-computed member properties and object keys
  const info = analyze(file).find((f) => f.start === start && f.end === end);
  let edits = [];
  let renamed = null;
  for (const old of info.locals) {
    const nu = ['the', 'new', 'cur', 'tmp'][Math.floor(r() * 4)] + old[0].toUpperCase() + old.slice(1);
    if (src.includes(nu)) continue;
    const e = [];
    let bad = false;
    walk(target, (m, parent) => {
      if (m.type !== 'Identifier' || m.name !== old) return;
      if (parent && (parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') && parent.property === m && !parent.computed) return;
      if (parent && (parent.type === 'ObjectProperty' || parent.type === 'ObjectMethod' || parent.type === 'ClassMethod' || parent.type === 'ClassProperty') && parent.key === m && !parent.computed) {
        if (parent.shorthand) bad = true;
        return;
      }
      e.push(m.start);
    });
    if (bad || e.length < 2) continue;
    edits = e.map((s) => [s, old, nu]);
    renamed = [old, nu];
    break;
  }
  let out = src;
  edits.sort((a, b) => b[0] - a[0]);
  for (const [s, old, nu] of edits) out = out.slice(0, s) + nu + out.slice(s + old.length);
  // shift: comment lines before the line where the function starts
  const k = 2 + Math.floor(r() * 5);
  const lines = out.split('\n');
  const at = target.loc.start.line - 1;
  const ind = lines[at].match(/^\s*/)[0];
  const notes = ['// NOTE: kept for backwards compatibility', '// TODO: revisit once callers migrate', '//', '// refactored in 2.5', '/* see changelog */'];
  const add = [];
  for (let i = 0; i < k; i++) add.push(ind + notes[Math.floor(r() * notes.length)]);
  // only safe when the function starts its line (otherwise comments would land mid-expression: still valid JS)
  lines.splice(at, 0, ...add);
  return { src: lines.join('\n'), shift: k, renamed };
}

const [cmd, file, a, b, c] = process.argv.slice(2);
if (cmd === 'analyze') process.stdout.write(JSON.stringify(analyze(file)));
else if (cmd === 'refactor') process.stdout.write(JSON.stringify(refactor(file, +a, +b, +c)));
else { console.error('usage: jsmut.js analyze|refactor FILE ...'); process.exit(2); }
