"""Link checker: scrape pages with BeautifulSoup."""
from bs4 import BeautifulSoup

PAGES = ["<html><head><title>T</title></head><body><a href='/a'>A</a><p class='x y'>hi <b>there</b></p>"
         "<ul><li>1</li><li>2</li></ul></body></html>",
         "<div id='main'><table><tr><td>a</td><td>b</td></tr></table><img src='x.png' alt='pic'></div>",
         "<p>unclosed <i>tags <b>here</p><a href='http://e.com/?q=1&x=2'>e</a>",
         "<section><h2>Head</h2><p>one</p><p>two</p><!-- c --><script>var x=1;</script></section>"]


def links(html):
    soup = BeautifulSoup(html, "html.parser")
    return [a.get("href") for a in soup.find_all("a")], soup.get_text(" ", strip=True)


def select(html):
    soup = BeautifulSoup(html, "html.parser")
    return [str(t) for t in soup.select("p, li, td, h2")][:6], [t.name for t in soup.descendants if t.name][:8]


def rewrite(html):
    soup = BeautifulSoup(html, "html.parser")
    for t in soup.find_all(True):
        if t.name == "b":
            t.name = "strong"
        if t.string:
            t.string.replace_with(t.string.upper())
    new = soup.new_tag("span", attrs={"class": "added"})
    new.string = "ok"
    (soup.body or soup).append(new)
    return soup.prettify()[:200], soup.decode()[:100]


def walk(html):
    soup = BeautifulSoup(html, "html.parser")
    first = soup.find(True)
    return [s.name for s in first.find_next_siblings()], [p.name for p in soup.find(string=True).parents][:4]


TASKS = [("links", links, PAGES), ("select", select, PAGES), ("rewrite", rewrite, PAGES), ("walk", walk, PAGES)]
