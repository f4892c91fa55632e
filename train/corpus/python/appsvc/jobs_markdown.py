"""Help-center article renderer using Python-Markdown with extensions."""
import markdown

_md = markdown.Markdown(extensions=["tables", "fenced_code", "toc", "footnotes", "attr_list", "def_list", "abbr", "sane_lists"])


def render(text):
    _md.reset()
    return _md.convert(text)


def render_plain(text):
    return markdown.markdown(text)


DOCS = [
    "# Title\n\nSome *emphasis* and **strong** text with `code`.\n\n- a\n- b\n  - nested\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nText[^1]\n\n[^1]: A footnote.\n",
    "```python\nprint('x')\n```\n\n> quote\n> more\n\n1. one\n2. two\n",
    "Term\n:   Definition here\n\n*[HTML]: Hyper Text\nThe HTML spec. [link](http://example.com \"t\"){: .cls }\n",
    "## Sub {#custom}\n\n![img](a.png)\n\n<div>raw</div>\n\n---\n\nAuto <http://x.org> & &amp;\n",
]
TASKS = [("render", render, DOCS), ("render_plain", render_plain, DOCS[::2])]
