# Email rendering (erubi).
require "erubi"
TPLS = [["<h1><%= title %></h1><ul><% items.each do |i| %><li><%== i %></li><% end %></ul>", { title: "T<>", items: %w[a b] }],
        ["<% if user %>Hi <%= user[:name] %><% else %>anon<% end %> <%# c %> <%= format('%.2f', n) %>", { user: { name: "x" }, n: 3.14159 }],
        ["<%- o.each do |k, v| -%><%= k %>:<%= v %>;<%- end -%>", { o: { a: 1, b: 2 } }]].freeze
JOBS = [
  ["render", ->((t, vars)) { b = binding; vars.each { |k, v| b.local_variable_set(k, v) }; eval(Erubi::Engine.new(t, escape: true, trim: true).src, b) }, TPLS],
  ["compile", ->((t, _v)) { Erubi::Engine.new(t, bufvar: "@out", freeze: true).src.length }, TPLS],
].freeze
