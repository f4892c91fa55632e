# Checkout totals (money).
require "money"
Money.rounding_mode = BigDecimal::ROUND_HALF_EVEN
Money.locale_backend = nil
Money.default_currency = "USD"
AMTS = [[1050, "USD"], [99, "EUR"], [123456, "JPY"], [1, "GBP"]].freeze
JOBS = [
  ["format", ->((c, cur)) { m = Money.new(c, cur); [m.format, m.to_s, (m * 3).format(symbol: false), m.allocate([1, 1, 1]).map(&:cents)] }, AMTS],
  ["math", ->((c, cur)) { m = Money.new(c, cur); [(m + Money.new(5, cur)).cents, (m / 3).cents, m.split(4).map(&:cents), m.zero?, -m <=> m] }, AMTS],
].freeze
