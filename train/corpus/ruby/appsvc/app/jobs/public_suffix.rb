# Cookie-domain checks (public_suffix).
require "public_suffix"
DOMAINS = ["www.example.co.uk", "blog.github.io", "a.b.c.example.com", "example.xn--p1ai", "localhost.localdomain"].freeze
JOBS = [
  ["parse", ->(d) { x = PublicSuffix.parse(d, ignore_private: false); [x.tld, x.sld, x.trd, x.domain, x.subdomain] }, DOMAINS],
  ["valid", ->(d) { [PublicSuffix.valid?(d), PublicSuffix.domain(d)] }, DOMAINS],
].freeze
