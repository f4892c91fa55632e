# CLI report output (terminal-table).
require "terminal-table"
ROWS = [[["a", 1, 2.5], ["bb", 22, 3.14159], ["ccc", nil, -1]], [["x\ny", "z"], %w[p q]], [[1, 2, 3]]].freeze
JOBS = [
  ["table", ->(r) { Terminal::Table.new(title: "Report", headings: (1..r[0].size).map { |i| "c#{i}" }, rows: r).to_s }, ROWS],
  ["styled", ->(r) { t = Terminal::Table.new(rows: r, style: { border_x: "=", alignment: :right, width: 40 }); t.add_separator; t.add_row(r[0]); t.to_s }, ROWS],
].freeze
