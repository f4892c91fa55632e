'use strict';
// Email rendering (ejs).
const ejs = require('ejs');
const TPLS = [['<h1><%= title %></h1><ul><% items.forEach(function(i){ %><li><%- i %></li><% }) %></ul>', { title: 'T<>', items: ['a', 'b'] }],
  ['<% if (user) { %>Hi <%= user.name %><% } else { %>anon<% } %> <%# comment %> <%= n.toFixed(2) %>', { user: { name: 'x' }, n: 3.14159 }],
  ['<%_ for (const [k, v] of Object.entries(o)) { _%><%= k %>:<%= v %>;<%_ } _%>', { o: { a: 1, b: 2 } }]];
module.exports.TASKS = [
  ['render', ([t, d]) => ejs.render(t, d), TPLS],
  ['compile', ([t, d]) => ejs.compile(t, { strict: false, rmWhitespace: true })(d), TPLS],
];
