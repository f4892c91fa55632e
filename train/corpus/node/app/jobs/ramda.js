'use strict';
// Pricing pipeline (ramda).
const R = require('ramda');
const ITEMS = [[{ sku: 'a', price: 10, qty: 2, tags: ['x'] }, { sku: 'b', price: 3.5, qty: 0, tags: [] }, { sku: 'c', price: 7, qty: 5, tags: ['x', 'y'] }], [{ sku: 'q', price: 1, qty: 1, tags: ['z'] }]];
module.exports.TASKS = [
  ['totals', R.pipe(R.filter(R.propSatisfies(R.lt(0), 'qty')), R.map((i) => R.multiply(i.price, i.qty)), R.sum), ITEMS],
  ['byTag', (xs) => R.groupBy(R.pathOr('none', ['tags', 0]), xs), ITEMS],
  ['shape', (xs) => [R.indexBy(R.prop('sku'), xs), R.sortWith([R.descend(R.prop('price'))], xs), R.pluck('sku', xs), R.uniq(R.chain(R.prop('tags'), xs))], ITEMS],
  ['lens', (xs) => R.over(R.lensPath([0, 'price']), R.add(1), xs), ITEMS],
  ['misc', (xs) => [R.mergeDeepRight({ a: { b: 1 } }, { a: { c: xs.length } }), R.evolve({ price: R.negate }, xs[0]), R.splitEvery(2, xs), R.zipObj(R.pluck('sku', xs), R.pluck('qty', xs)), R.applySpec({ n: R.length })(xs)], ITEMS],
];
