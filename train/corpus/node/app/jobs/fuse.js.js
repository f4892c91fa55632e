'use strict';
// Product search (fuse.js).
const Fuse = require('fuse.js');
const LIST = [{ title: 'Old Man and the Sea', author: 'Hemingway' }, { title: 'Great Gatsby', author: 'Fitzgerald' }, { title: 'Dune', author: 'Herbert' }, { title: 'Gatsby returns', author: 'Anon' }];
const fuse = new Fuse(LIST, { keys: ['title', 'author'], includeScore: true, includeMatches: true, threshold: 0.4 });
module.exports.TASKS = [
  ['search', (q) => fuse.search(q).map((r) => r.item.title), ['gatsby', 'hemmingway', 'dun', 'sea old', "'Dune | ^Great"]],
  ['extended', (q) => new Fuse(LIST, { keys: ['title'], useExtendedSearch: true }).search(q).length, ["'Gatsby", '=Dune', '!man', '^Old']],
];
