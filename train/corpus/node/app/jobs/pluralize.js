'use strict';
// Copy text helpers (pluralize).
const pluralize = require('pluralize');
const WORDS = ['person', 'octopus', 'Status', 'matrix', 'ox', 'sheep', 'CHILD', 'bus'];
module.exports.TASKS = [
  ['plural', (w) => [pluralize(w), pluralize.singular(pluralize(w)), pluralize(w, 1, true), pluralize.isPlural(w)], WORDS],
];
