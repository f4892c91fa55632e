"""API payload validation (cerberus)."""
from cerberus import Validator

SCHEMA = {"name": {"type": "string", "minlength": 2, "required": True},
          "age": {"type": "integer", "min": 0, "coerce": int},
          "email": {"type": "string", "regex": r"[^@]+@[^@]+"},
          "tags": {"type": "list", "schema": {"type": "string"}},
          "address": {"type": "dict", "schema": {"city": {"type": "string"}, "zip": {"type": "string", "empty": False}}},
          "role": {"allowed": ["admin", "user"], "default": "user"}}


def validate(doc):
    v = Validator(SCHEMA, purge_unknown=True)
    ok = v.validate(doc)
    return ok, v.errors, v.document


def normalize(doc):
    return Validator(SCHEMA).normalized(doc)


DOCS = [{"name": "ann", "age": "31", "email": "a@b.c", "tags": ["x"], "address": {"city": "P", "zip": "75"}},
        {"name": "b", "age": -3, "tags": [1], "address": {"zip": ""}, "role": "root"},
        {"age": "7", "extra": True}, {"name": "carl", "email": "nope", "address": {"city": 4}}]
TASKS = [("validate", validate, DOCS), ("normalize", normalize, DOCS)]
