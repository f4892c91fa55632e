"""Report exporter: tables rendered with tabulate."""
from tabulate import tabulate

ROWS = [[["a", 1, 2.5], ["bb", 22, 3.14159], ["ccc", None, -1]],
        [{"name": "x", "n": 1}, {"name": "yy", "n": 10000}],
        [[1, "12.30", "x\ny"], [200, "3", "z"]]]


def grid(rows):
    return tabulate(rows, headers="keys" if isinstance(rows[0], dict) else "firstrow", tablefmt="grid")


def fancy(rows):
    return tabulate(rows, tablefmt="fancy_grid", floatfmt=".2f", numalign="right", missingval="?")


def pipe(rows):
    return tabulate(rows, tablefmt="pipe", showindex=True)


def html(rows):
    return tabulate(rows, tablefmt="html", headers="keys" if isinstance(rows[0], dict) else ())


TASKS = [("grid", grid, ROWS), ("fancy", fancy, ROWS), ("pipe", pipe, ROWS), ("html", html, ROWS)]
