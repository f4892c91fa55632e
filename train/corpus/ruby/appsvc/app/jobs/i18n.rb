# Localised messages (i18n).
require "i18n"
I18n.available_locales = %i[en fr]
I18n.backend.store_translations(:en, greeting: "Hello %{name}", items: { one: "1 item", other: "%{count} items" }, nested: { deep: { key: "v" } }, date: { formats: { default: "%Y-%m-%d" }, day_names: %w[Sun Mon Tue Wed Thu Fri Sat], abbr_day_names: %w[S M T W T F S], month_names: [nil] + %w[Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec], abbr_month_names: [nil] + %w[J F M A M J J A S O N D] })
I18n.backend.store_translations(:fr, greeting: "Bonjour %{name}", items: { one: "1 article", other: "%{count} articles" })
KEYS = [[:en, 1], [:fr, 3], [:en, 0], [:fr, 1]].freeze
JOBS = [
  ["translate", ->((l, n)) { [I18n.t(:greeting, locale: l, name: "x#{n}"), I18n.t(:items, count: n, locale: l), I18n.t("nested.deep.key", locale: l, default: "d"), I18n.exists?(:greeting, l)] }, KEYS],
  ["localize", ->((l, n)) { [I18n.l(Time.utc(2024, 1, n + 1).to_date, locale: :en), I18n.transliterate("Ærøskøbing #{n}"), I18n.normalize_keys(l, "a.b", "c")] }, KEYS],
].freeze
