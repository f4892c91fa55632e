'use strict';
// Config loader (json5).
const JSON5 = require('json5');
const DOCS = ["{a: 1, 'b': [1, 2,], c: {d: 'x\\ny'}, // c\n e: +Infinity, f: 0x1F, g: .5}", '[1, "two", null, true, -3.5e2]',
  "{name: 'svc', ports: [80, 443], env: {DEBUG: false}, /* block */ note: 'it\\'s'}", '"just a string"'];
module.exports.TASKS = [
  ['parse', (s) => JSON5.parse(s), DOCS],
  ['roundtrip', (s) => JSON5.stringify(JSON5.parse(s), null, 2), DOCS],
  ['reviver', (s) => JSON5.parse(s, (k, v) => (typeof v === 'number' ? v * 2 : v)), DOCS],
];
