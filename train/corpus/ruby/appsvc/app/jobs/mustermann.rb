# Router patterns (mustermann).
require "mustermann"
PATS = [["/users/:id", "/users/42"], ["/files/*path", "/files/a/b/c.txt"], ["/posts/:year(/:month)?", "/posts/2024"], ["/:a-:b.:ext", "/x-y.json"]].freeze
JOBS = [
  ["match", ->((p, s)) { m = Mustermann.new(p, type: :sinatra); [m.params(s), m.match(s)&.captures, m.to_s] }, PATS],
  ["rails", ->((p, s)) { m = Mustermann.new(p.sub("(/:month)?", "(/:month)").sub("*path", "*path"), type: :rails); [m.params(s), m.names] }, PATS],
].freeze
