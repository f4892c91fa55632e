'use strict';
// Scientific calculator backend (decimal.js).
const Decimal = require('decimal.js');
const NUMS = [['2', '0.5'], ['10.75', '3'], ['-1.5', '7'], ['123456789.123456789', '1e-5']];
module.exports.TASKS = [
  ['arith', ([a, b]) => [new Decimal(a).plus(b).toString(), new Decimal(a).div(b).toSignificantDigits(8).toString(), new Decimal(a).mul(b).toFixed(3), new Decimal(a).mod(b).toString()], NUMS],
  ['funcs', ([a, b]) => [new Decimal(a).abs().ln().toFixed(6), new Decimal(b).exp().toPrecision(6), new Decimal(a).abs().sqrt().toString(), Decimal.pow(a, 3).toString(), new Decimal(b).sin().toFixed(5)], NUMS],
  ['format', ([a, b]) => [new Decimal(a).toExponential(4), new Decimal(a).toHex(), new Decimal(b).toFraction().map(String), Decimal.max(a, b).toString(), new Decimal(a).toNearest(b).toString()], NUMS],
];
