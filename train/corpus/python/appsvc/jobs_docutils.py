"""reStructuredText publishing (docutils)."""
from docutils.core import publish_string, publish_doctree

DOCS = ["Title\n=====\n\nSome *text* and ``code``.\n\n- a\n- b\n\n.. note:: careful\n",
        "Sec\n---\n\n+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+\n\n:field: value\n",
        "Text with a link_ and footnote [#]_.\n\n.. _link: http://e.com\n.. [#] the note\n\n::\n\n   literal\n",
        "Def\n   its meaning\n\n1. one\n2. two\n\n.. code:: python\n\n   x = 1\n"]
SET = {"report_level": 5, "halt_level": 5, "warning_stream": False, "output_encoding": "unicode"}


def html(t):
    return publish_string(t, writer_name="html", settings_overrides=SET)[:100]


def tree(t):
    d = publish_doctree(t, settings_overrides=SET)
    return [n.tagname for n in d.traverse()][:12]


def pseudo(t):
    return publish_string(t, writer_name="pseudoxml", settings_overrides=SET)[:100]


TASKS = [("html", html, DOCS), ("tree", tree, DOCS), ("pseudo", pseudo, DOCS[::2])]
