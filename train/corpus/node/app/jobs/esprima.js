'use strict';
// Script sandbox pre-check (esprima).
const esprima = require('esprima');
const SRCS = ['function f(a, b = 2) { return a + b * 3; }', 'const {x, y: [z]} = obj; for (let i = 0; i < 3; i++) { if (i % 2) continue; }',
  'class A extends B { constructor() { super(); this.v = `t${1}`; } get g() { return 1; } }', 'async function q() { await p; return (x) => x ** 2; }',
  'var re = /ab+c/gi; switch (k) { case 1: break; default: throw new Error("x"); }'];
module.exports.TASKS = [
  ['parse', (s) => esprima.parseScript(s, { range: true, loc: true }).body.length, SRCS],
  ['tokens', (s) => esprima.tokenize(s, { comment: true }).map((t) => t.type).join(' '), SRCS],
  ['module', (s) => esprima.parseModule('import a from "b"; export const c = 1;\n' + s).body.map((n) => n.type), SRCS],
];
