"""Comment rendering (mistune)."""
import mistune

_md = mistune.create_markdown(plugins=["strikethrough", "table", "url", "footnotes", "task_lists", "def_list", "abbr"])

DOCS = ["# Hi\n\n*a* **b** ~~c~~ `d`\n\n- [x] done\n- [ ] todo\n", "| a | b |\n|---|---|\n| 1 | 2 |\n\nsee https://x.org\n",
        "> q\n\n```\ncode\n```\n\n1. a\n2. b\n\n[l](http://e.com) ![i](p.png)", "text[^n]\n\n[^n]: note\n\nTerm\n: def\n"]


def render(t):
    return _md(t)


def ast(t):
    return mistune.create_markdown(renderer="ast")(t)


TASKS = [("render", render, DOCS), ("ast", ast, DOCS)]
