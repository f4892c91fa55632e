'use strict';
// Editor state store (immutable).
const { Map, List, Set, OrderedMap, Record, fromJS, Seq } = require('immutable');
const Doc = Record({ id: 0, title: '', tags: List() });
const STATES = [{ docs: [{ id: 1, title: 'a', tags: ['x'] }, { id: 2, title: 'b', tags: [] }], sel: 1 }, { docs: [], sel: null }, { docs: [{ id: 9, title: 'z', tags: ['q', 'r'] }], sel: 9 }];
module.exports.TASKS = [
  ['update', (s) => fromJS(s).updateIn(['docs', 0, 'title'], (t) => (t || '') + '!').setIn(['meta', 'dirty'], true).toJS(), STATES],
  ['records', (s) => List(s.docs.map((d) => new Doc({ ...d, tags: List(d.tags) }))).sortBy((d) => -d.id).map((d) => d.set('title', d.title.toUpperCase())).toJS(), STATES],
  ['sets', (s) => Set(s.docs.flatMap((d) => d.tags)).union(['x', 'new']).subtract(['q']).toArray().sort(), STATES],
  ['seq', (s) => Seq(s.docs).filter((d) => d.id > 0).map((d) => d.id * 2).reduce((a, b) => a + b, 0), STATES],
  ['ordered', (s) => OrderedMap(s.docs.map((d) => [d.id, d.title])).merge(Map({ 100: 'end' })).reverse().keySeq().toArray(), STATES],
];
