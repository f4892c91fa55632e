'use strict';
// Dashboard number formatting (numeral).
const numeral = require('numeral');
const NUMS = [1234.5678, -0.0042, 1e9, 0, 73];
module.exports.TASKS = [
  ['format', (n) => ['0,0.00', '0.0a', '$0,0', '0%', '0.000e+0', '00:00:00', '0b', '0o'].map((f) => numeral(n).format(f)), NUMS],
  ['parse', (n) => [numeral(numeral(n).format('0,0.00')).value(), numeral('1.2k').value(), numeral(n).add(1).multiply(3).difference(2)], NUMS],
];
