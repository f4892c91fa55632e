"""Docs renderer (commonmark reference parser)."""
import commonmark

DOCS = ["# T\n\npara *em* **st** `c`\n\n* a\n* b\n\n1) x\n2) y\n", "> quote\n>\n> - in list\n\n    indented code\n\n***\n",
        "[ref][1] <http://auto.link> &copy; \\*esc\\*\n\n[1]: http://x.org \"title\"\n", "<div>\nhtml block\n</div>\n\nline  \nbreak ```x```\n"]


def html(t):
    return commonmark.commonmark(t)


def walk(t):
    ast = commonmark.Parser().parse(t)
    out = [(n.t, e) for n, e in ast.walker()]
    return out[:10], commonmark.dumpJSON(ast)[:50]


TASKS = [("html", html, DOCS), ("walk", walk, DOCS)]
