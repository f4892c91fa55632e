"""Webhook filter: user-supplied JMESPath expressions over event payloads."""
import jmespath

DOC = {"people": [{"name": "a", "age": 30, "tags": ["x", "y"]}, {"name": "b", "age": 17, "tags": []},
                  {"name": "c", "age": 45, "tags": ["y"]}],
       "meta": {"count": 3, "next": None}, "matrix": [[1, 2], [3, 4]]}


def query(expr):
    return jmespath.search(expr, DOC)


def compiled(expr):
    return jmespath.compile(expr).search(DOC, options=jmespath.Options(dict_cls=dict))


EXPRS = ["people[?age > `20`].name", "people[*].tags[] | sort(@)", "max_by(people, &age).name",
         "meta.{c: count, n: next}", "matrix[][] | sum(@)", "length(people[?contains(tags, 'y')])",
         "people[0:2].{n: name, a: to_string(age)}", "join(', ', people[*].name)", "sort_by(people, &name)[-1].age",
         "people[?!(age < `18`)] | length(@)"]
TASKS = [("query", query, EXPRS), ("compiled", compiled, EXPRS[::3])]
