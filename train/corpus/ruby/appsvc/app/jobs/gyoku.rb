# SOAP request building (gyoku).
require "gyoku"
HASHES = [{ user: { name: "ann", roles: %w[a b], :@id => 7 } }, { "order" => { "items" => [{ "sku" => "x" }, { "sku" => "y" }], "note!" => "<b>" } }, { list: [1, 2, 3], empty: nil }].freeze
JOBS = [
  ["xml", ->(h) { Gyoku.xml(h) }, HASHES],
  ["camel", ->(h) { Gyoku.xml(h, key_converter: :camelcase) }, HASHES],
].freeze
