'use strict';
// Reporting helpers (underscore).
const _ = require('underscore');
const ROWS = [[{ n: 'a', v: 3, g: 'x' }, { n: 'b', v: 1, g: 'y' }, { n: 'c', v: 2, g: 'x' }], [{ n: 'z', v: 9, g: 'q' }], []];
module.exports.TASKS = [
  ['group', (r) => [_.groupBy(r, 'g'), _.countBy(r, (o) => o.v % 2), _.indexBy(r, 'n'), _.sortBy(r, 'v')], ROWS],
  ['chain', (r) => _.chain(r).filter((o) => o.v > 0).map((o) => o.v * 2).sortBy(_.identity).uniq().value(), ROWS],
  ['math', (r) => [_.max(r, 'v'), _.min(r, 'v'), _.reduce(_.pluck(r, 'v'), (a, b) => a + b, 0), _.partition(r, (o) => o.v > 1)], ROWS],
  ['template', (r) => _.template('<% _.each(rows, function(o){ %><%- o.n %>=<%= o.v %>;<% }); %>')({ rows: r }), ROWS],
  ['funcs', (r) => { const m = _.memoize((x) => x * 2); const d = _.debounce(() => 1, 5); d.cancel(); return [m(r.length), _.zip(_.keys(r), _.values(r)), _.difference([1, 2, 3], [r.length]), _.flatten([[1], [2, [3]]]), _.isEqual(r, r.slice())]; }, ROWS],
];
