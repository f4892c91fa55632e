'use strict';
// API payload validation (joi).
const Joi = require('joi');
const schema = Joi.object({ name: Joi.string().min(2).required(), age: Joi.number().integer().min(0), email: Joi.string().email(),
  tags: Joi.array().items(Joi.string()).unique(), role: Joi.string().valid('admin', 'user').default('user'), when: Joi.date().iso() });
const DOCS = [{ name: 'ann', age: 31, email: 'a@b.co', tags: ['x'], when: '2024-01-01' }, { name: 'b', age: -1, email: 'nope', tags: ['x', 'x'], role: 'root' }, { age: '7' }, { name: 'carl', extra: 1 }];
module.exports.TASKS = [
  ['validate', (d) => { const r = schema.validate(d, { abortEarly: false }); return [r.value, r.error && r.error.details.map((x) => x.message)]; }, DOCS],
  ['describe', (d) => [Object.keys(schema.describe().keys).length, Joi.string().pattern(/^[a-z]+$/).validate(d.name || '').error ? 1 : 0, Joi.alternatives().try(Joi.number(), Joi.string()).validate(d.age).value], DOCS],
];
