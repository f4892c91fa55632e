# Help-center article rendering (kramdown).
require "kramdown"
DOCS = ["# Title {#id}\n\nSome *em* and **strong** `code`.\n\n* a\n* b\n  1. nested\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: note\n", "~~~ ruby\nx = 1\n~~~\n\n> quote\n\nterm\n: definition\n",
        "Setext\n======\n\n<div markdown=\"1\">*inner*</div>\n\n{::comment}c{:/}\n\n[link](http://x.org){: .cls}\n",
        "$$ x^2 $$\n\n*[HTML]: Hyper Text\nHTML & stuff -- \"quotes\" ...\n"].freeze
JOBS = [
  ["html", ->(t) { Kramdown::Document.new(t).to_html }, DOCS],
  ["kramdown", ->(t) { Kramdown::Document.new(t).to_kramdown }, DOCS],
  ["toc", ->(t) { Kramdown::Document.new(t, auto_ids: true).root.children.map(&:type) }, DOCS],
].freeze
