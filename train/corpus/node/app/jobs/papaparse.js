'use strict';
// CSV import (papaparse).
const Papa = require('papaparse');
const CSVS = ['name,age,city\nann,31,Paris\nbob,,"New York, NY"\n', 'a;b;c\n1;2;3\n4;5;6', 'id\tval\n1\t"x""y"\n2\tz\n', 'x,y\n1,2\n3'];
module.exports.TASKS = [
  ['parse', (s) => Papa.parse(s, { header: true, dynamicTyping: true, skipEmptyLines: true }).data, CSVS],
  ['guess', (s) => Papa.parse(s, { delimiter: '' }).meta.delimiter, CSVS],
  ['unparse', (s) => Papa.unparse(Papa.parse(s, { header: true }).data, { quotes: true }), CSVS],
];
