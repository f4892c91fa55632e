# Link normaliser of the crawler (addressable).
require "addressable/uri"
require "addressable/template"
URLS = ["http://example.com/a/../b/./c?q=1&x=%20y#frag", "HTTPS://Bücher.Example:443/Path", "mailto:joe@example.org",
        "/relative/path?a[]=1&a[]=2", "http://user:pw@[::1]:8080/x;p?y"].freeze
JOBS = [
  ["normalize", ->(u) { Addressable::URI.parse(u).normalize.to_s }, URLS],
  ["join", ->(u) { Addressable::URI.join("http://base.org/dir/page", u).to_s }, URLS],
  ["parts", ->(u) { x = Addressable::URI.parse(u); [x.scheme, x.host, x.port, x.path, x.query_values, x.display_uri.to_s] }, URLS],
  ["template", ->(u) { Addressable::Template.new("http://x.org/{section}/{id}{?q,page}").expand("section" => u[0, 5], "id" => u.length, "q" => u, "page" => 2).to_s }, URLS],
  ["extract", ->(u) { Addressable::Template.new("http://example.com/{a}/{b}{?q}").extract(u) }, URLS],
].freeze
