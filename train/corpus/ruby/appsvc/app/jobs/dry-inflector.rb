# Model-name helpers (dry-inflector).
require "dry/inflector"
INF = Dry::Inflector.new
WORDS = %w[person octopus CamelCaseWord user_account equipment Status matrix ox SQLServerAdapter].freeze
JOBS = [
  ["plural", ->(w) { [INF.pluralize(w), INF.singularize(INF.pluralize(w))] }, WORDS],
  ["cases", ->(w) { [INF.camelize(INF.underscore(w)), INF.dasherize(INF.underscore(w)), INF.humanize(w), INF.tableize(w), INF.ordinalize(w.length)] }, WORDS],
].freeze
