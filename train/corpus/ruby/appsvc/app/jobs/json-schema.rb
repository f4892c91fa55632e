# API payload validation (json-schema).
require "json-schema"
SCHEMA = { "type" => "object", "required" => ["name"], "properties" => { "name" => { "type" => "string", "minLength" => 2 }, "age" => { "type" => "integer", "minimum" => 0 },
           "email" => { "type" => "string", "format" => "email" }, "tags" => { "type" => "array", "items" => { "type" => "string" }, "uniqueItems" => true } } }.freeze
DOCS = [{ "name" => "ann", "age" => 3, "tags" => ["x"] }, { "name" => "b", "age" => -1, "tags" => %w[x x] }, { "age" => "7" }, { "name" => "carl", "email" => "nope" }].freeze
JOBS = [
  ["validate", ->(d) { JSON::Validator.fully_validate(SCHEMA, d) }, DOCS],
  ["valid", ->(d) { JSON::Validator.validate(SCHEMA, d, strict: false) }, DOCS],
].freeze
