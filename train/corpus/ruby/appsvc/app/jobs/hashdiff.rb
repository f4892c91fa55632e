# Config drift detection (hashdiff).
require "hashdiff"
PAIRS = [[{ "a" => 1, "b" => { "c" => [1, 2, 3] } }, { "a" => 2, "b" => { "c" => [1, 3, 4] }, "d" => nil }],
         [{ "x" => %w[p q r] }, { "x" => %w[q r s] }], [{ "n" => 1.0 }, { "n" => 1.0000001 }]].freeze
JOBS = [
  ["diff", ->((a, b)) { Hashdiff.diff(a, b, numeric_tolerance: 0.001) }, PAIRS],
  ["patch", ->((a, b)) { Hashdiff.patch!(Marshal.load(Marshal.dump(a)), Hashdiff.diff(a, b)) }, PAIRS],
  ["lcs", ->((a, b)) { Hashdiff.best_diff(a, b, array_path: true) }, PAIRS],
].freeze
