# Storefront templates (liquid).
require "liquid"
TPLS = [["Hello {{ user.name | capitalize }}! {% for i in items %}{{ forloop.index }}:{{ i.n | upcase }}{% unless forloop.last %}, {% endunless %}{% endfor %}", { "user" => { "name" => "ann" }, "items" => [{ "n" => "a" }, { "n" => "b" }] }],
        ["{% assign t = 0 %}{% for x in xs %}{% assign t = t | plus: x %}{% endfor %}{{ t }} {{ xs | join: '-' }} {{ xs | sort | first }}", { "xs" => [3, 1, 2] }],
        ["{% if a > 1 and b %}yes{% elsif c %}c{% else %}no{% endif %} {{ s | truncate: 8 }} {{ d | date: '%Y' }}", { "a" => 2, "b" => true, "s" => "long string here", "d" => "2024-01-02" }],
        ["{% case k %}{% when 1 %}one{% else %}other{% endcase %} {% capture c %}x{{ k }}{% endcapture %}{{ c | size }} {{ 'a,b' | split: ',' | reverse | join }}", { "k" => 1 }]].freeze
JOBS = [
  ["render", ->((t, ctx)) { Liquid::Template.parse(t).render!(ctx, strict_variables: false) }, TPLS],
  ["strict", ->((t, ctx)) { Liquid::Template.parse(t, error_mode: :strict).render(ctx) }, TPLS],
].freeze
