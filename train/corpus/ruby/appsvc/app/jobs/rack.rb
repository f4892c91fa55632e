# Request helpers of the web tier (rack utils, request and response objects).
require "rack"
QS = ["a=1&b[]=2&b[]=3&c[d]=x", "name=J%C3%BCrgen+M&empty=&flag", "x[y][z]=1&x[y][w]=2", "q=a%20b&q=c"].freeze
JOBS = [
  ["parse", ->(q) { [Rack::Utils.parse_nested_query(q), Rack::Utils.parse_query(q), Rack::Utils.build_nested_query(Rack::Utils.parse_nested_query(q))] }, QS],
  ["request", ->(q) { r = Rack::Request.new(Rack::MockRequest.env_for("/p?#{q}", method: "POST", input: q, "CONTENT_TYPE" => "application/x-www-form-urlencoded")); [r.params, r.path, r.query_string, r.form_data?] }, QS],
  ["response", ->(q) { res = Rack::Response.new; res.set_cookie("s", value: q, path: "/"); res.write(q); res.finish[1].to_a }, QS],
  ["escape", ->(q) { [Rack::Utils.escape_html("<#{q}>"), Rack::Utils.unescape(q), Rack::Utils.escape_path(q), Rack::Utils.status_code(:not_found)] }, QS],
].freeze
