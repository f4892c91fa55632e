# Colored CLI output (rainbow).
require "rainbow"
Rainbow.enabled = true
TXTS = [["ok", :green], ["warn", "#ffaa00"], ["err", [255, 0, 0]], ["x", :bright]].freeze
JOBS = [["paint", ->((t, c)) { r = Rainbow(t); r = c.is_a?(Symbol) && c == :bright ? r.bright : r.color(*Array(c)); r.underline.background(:black).to_s }, TXTS]].freeze
