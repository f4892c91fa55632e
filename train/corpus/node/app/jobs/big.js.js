'use strict';
// Money arithmetic (big.js).
const Big = require('big.js');
const NUMS = [['10.25', '3'], ['0.1', '0.2'], ['-7.125', '2.5'], ['1e21', '7']];
module.exports.TASKS = [
  ['arith', ([a, b]) => [new Big(a).plus(b).toString(), new Big(a).times(b).toFixed(2), new Big(a).div(b).round(4).toString(), new Big(a).mod(b).toString()], NUMS],
  ['format', ([a, b]) => [new Big(a).toExponential(3), new Big(a).toPrecision(5), new Big(b).sqrt().toString(), new Big(a).pow(2).toString(), new Big(a).cmp(b)], NUMS],
];
