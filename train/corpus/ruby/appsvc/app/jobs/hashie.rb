# Settings objects (hashie).
require "hashie"
class Settings < Hashie::Dash
  property :name, required: true
  property :port, default: 80
end
class Conf < Hashie::Mash; end
DOCS = [{ "name" => "svc", "port" => 8080, "db" => { "host" => "h", "pool" => 5 } }, { "name" => "x", "tags" => %w[a b] }, { "name" => "y", "db" => { "replicas" => [{ "h" => 1 }] } }].freeze
JOBS = [
  ["mash", ->(d) { m = Conf.new(d); [m.name, m.db&.host, m.tags, m.to_hash, m.deep_merge("extra" => 1).keys] }, DOCS],
  ["dash", ->(d) { s = Settings.new(name: d["name"], port: d["port"] || 1); [s.name, s.port, s.to_h] }, DOCS],
  ["ext", ->(d) { h = d.dup.extend(Hashie::Extensions::DeepFind); [h.deep_find("host"), h.deep_find_all("h")] }, DOCS],
].freeze
