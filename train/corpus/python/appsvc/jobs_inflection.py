"""Model-name helpers of the ORM layer (inflection)."""
import inflection as inf

WORDS = ["person", "octopus", "CamelCaseWord", "user_account", "equipment", "Status", "matrix", "ox",
         "some-title here", "SQLServerAdapter"]


def plural(w):
    return inf.pluralize(w), inf.singularize(inf.pluralize(w))


def cases(w):
    return inf.camelize(inf.underscore(w)), inf.dasherize(inf.underscore(w)), inf.humanize(w), inf.titleize(w)


def table(w):
    return inf.tableize(w), inf.parameterize(w), inf.ordinalize(len(w)), inf.transliterate(w)


TASKS = [("plural", plural, WORDS), ("cases", cases, WORDS), ("table", table, WORDS[::2])]
