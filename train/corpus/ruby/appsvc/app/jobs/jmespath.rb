# Webhook filters (jmespath).
require "jmespath"
DOC = { "people" => [{ "name" => "a", "age" => 30, "tags" => %w[x y] }, { "name" => "b", "age" => 17, "tags" => [] }], "meta" => { "count" => 2 } }.freeze
EXPRS = ["people[?age > `20`].name", "people[*].tags[] | sort(@)", "max_by(people, &age).name", "meta.{c: count}", "length(people[?contains(tags, 'y')])", "join(', ', people[*].name)", "sort_by(people, &name)[-1].age"].freeze
JOBS = [["search", ->(e) { JMESPath.search(e, DOC) }, EXPRS]].freeze
