'use strict';
// Webhook transforms (jsonata; evaluate is async).
const jsonata = require('jsonata');
const DOC = { orders: [{ id: 1, items: [{ p: 2, q: 3 }, { p: 5, q: 1 }], cust: 'a' }, { id: 2, items: [{ p: 1, q: 10 }], cust: 'b' }] };
const EXPRS = ['$sum(orders.items.(p * q))', 'orders[cust="a"].id', 'orders.{ "id": id, "n": $count(items) }', '$map(orders, function($o) { $o.cust & "-" & $string($o.id) })', '$sort(orders.items.p)', 'orders[0].items[q > 1].p'];
module.exports.TASKS = [
  ['compile', (e) => jsonata(e).ast().type, EXPRS],
  ['evaluate', (e) => jsonata(e).evaluate(DOC), EXPRS],
];
