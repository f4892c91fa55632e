"""C header analyser (pycparser)."""
from pycparser import c_parser, c_generator, c_ast

SRCS = ["int add(int a, int b) { return a + b; }\n",
        "typedef struct node { int v; struct node *next; } node_t;\nint len(node_t *n) { int c = 0; while (n) { c++; n = n->next; } return c; }\n",
        "enum color { RED, GREEN = 5, BLUE };\nstatic const char *names[] = {\"r\", \"g\"};\nvoid f(void) { for (int i = 0; i < 3; i++) { if (i % 2) continue; else break; } }\n",
        "unsigned long h(const char *s) { unsigned long x = 5381; int c; while ((c = *s++)) x = ((x << 5) + x) + c; return x; }\n"]


class _V(c_ast.NodeVisitor):
    def __init__(self):
        self.names = []

    def visit_FuncDef(self, node):
        self.names.append(node.decl.name)
        self.generic_visit(node)


def parse(src):
    ast = c_parser.CParser().parse(src, filename="<api>")
    v = _V()
    v.visit(ast)
    return v.names, len(ast.ext)


def regen(src):
    ast = c_parser.CParser().parse(src)
    return c_generator.CGenerator().visit(ast)


TASKS = [("parse", parse, SRCS), ("regen", regen, SRCS)]
