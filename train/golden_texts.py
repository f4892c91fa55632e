#!/usr/bin/python3
"""Deterministic test texts for the encoder golden files: English sentences, identifiers, and
synthetic stack traces in several languages' formats (Python, Java, JavaScript, Go, Ruby, C#,
PHP, native), plus edge cases (tabs, newlines, runs of spaces, unknown characters, non-ASCII,
NFKC-sensitive characters, texts over the 128-token cap). All text is generated here; nothing is
copied from any project's data.

    /usr/bin/python3 train/golden_texts.py > tests/embed/texts.json
"""
import json
import random

R = random.Random(20261128)

SENTENCES = [
    "Hello world", "The quick brown fox jumps over the lazy dog.",
    "How do I reset my password?", "The database connection was refused by the server.",
    "Unable to open the configuration file because it does not exist.",
    "Payment processing failed after three retries.", "The user clicked the checkout button twice.",
    "Memory usage grew steadily until the process was killed.", "I like my coffee black.",
    "Timeouts happen when the upstream service is slow.", "Please try again later.",
    "The cache returned a stale value for the session key.", "What time is it in Tokyo?",
    "Our release pipeline deploys every afternoon.", "A null pointer was dereferenced in the parser.",
    "The index is out of range for the list of items.", "Permission denied while writing the log file.",
    "She sells sea shells by the sea shore.", "Disk quota exceeded on the build machine.",
    "The network is unreachable from this container.", "It's a beautiful day, isn't it?",
    "Error: something went wrong :(", "Visit https://example.com/docs for more information.",
    "Version 2.3.1 fixes the crash on startup.", "42", "a", "OK", "don't panic",
    "Segmentation fault (core dumped)", "Out of memory: killed process 1234 (python3)",
    "connection reset by peer", "KeyError: 'user_id'", "java.lang.NullPointerException",
    "TypeError: Cannot read properties of undefined (reading 'map')",
    "ValueError: invalid literal for int() with base 10: 'abc'",
    "ZeroDivisionError: division by zero", "panic: runtime error: index out of range [3] with length 3",
    "fatal error: all goroutines are asleep - deadlock!", "undefined method `name' for nil:NilClass",
    "Uncaught ReferenceError: foo is not defined",
]

EDGE = [
    "x\ty  z", "a\nb", "\n", " ", "   leading and trailing spaces   ", "tab\tseparated\tvalues",
    "line one\nline two\nline three", "multiple     spaces     between", "café au lait",
    "naïve résumé", "Straße in München", "日本語のテキスト", "emoji 🎉 party 🚀 launch",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ", "ﬁle ﬂow ligatures", "½ cup of sugar", "x² + y² = z²",
    "non\u00a0breaking\u00a0space", "Ω ohm sign", "ℌello ℍilbert", "①②③ circled",
    "💥💥💥", "\u2603 snowman", "<script>alert(1)</script>", "{\"key\": [1, 2, 3]}",
    "SELECT * FROM users WHERE id = 7;", "C:\\Users\\admin\\AppData\\Local\\Temp\\file.tmp",
    "/usr/lib/python3/dist-packages/requests/adapters.py", "0x7fff5fbff8c8", "deadbeef" * 10,
    "::", ":)", "a:b:c", "(:", "■□▲△", "\u0007 bell", "\u0001\u0002",
]

WORDS = ("user order payment cart session cache token request response client server handler "
         "config loader parser render view model account invoice report queue worker job task "
         "stream buffer socket file path index item list map node tree graph event message "
         "auth login logout profile search filter sort page widget button form field").split()
EXC = {
    "python": ["KeyError", "ValueError", "TypeError", "AttributeError", "IndexError", "RuntimeError",
               "ConnectionError", "TimeoutError", "FileNotFoundError", "ZeroDivisionError"],
    "java": ["java.lang.NullPointerException", "java.lang.IllegalArgumentException",
             "java.lang.IllegalStateException", "java.io.IOException", "java.sql.SQLException",
             "java.lang.ArrayIndexOutOfBoundsException", "java.util.ConcurrentModificationException"],
    "js": ["TypeError", "ReferenceError", "RangeError", "SyntaxError", "Error"],
    "ruby": ["NoMethodError", "ArgumentError", "ActiveRecord::RecordNotFound", "RuntimeError"],
    "csharp": ["System.NullReferenceException", "System.InvalidOperationException",
               "System.ArgumentNullException", "System.IO.FileNotFoundException"],
    "php": ["ErrorException", "InvalidArgumentException", "PDOException", "TypeError"],
}


def ident(n=2, sep="_"):
    return sep.join(R.choice(WORDS) for _ in range(n))


def camel(n=2):
    ws = [R.choice(WORDS) for _ in range(n)]
    return ws[0] + "".join(w.capitalize() for w in ws[1:])


def pascal(n=2):
    return "".join(R.choice(WORDS).capitalize() for _ in range(n))


def message():
    return R.choice([
        "'%s'" % ident(), "invalid value for %s: %d" % (ident(), R.randint(0, 9999)),
        "%s is not defined" % camel(), "Cannot read properties of undefined (reading '%s')" % camel(1),
        "connection to %s:%d refused" % (ident(1), R.randint(1000, 9999)),
        "list index out of range", "object of type '%s' has no len()" % pascal(1),
        "timeout after %d ms" % R.randint(100, 60000), "expected %s but got %s" % (pascal(1), pascal(1)),
        "duplicate key value violates unique constraint \"%s_pkey\"" % ident(1),
    ])


def python_trace(nframes):
    lines = ["Traceback (most recent call last):"]
    for _ in range(nframes):
        mod = "/".join(R.choice(WORDS) for _ in range(R.randint(1, 3)))
        lines.append('  File "/srv/app/%s.py", line %d, in %s' % (mod, R.randint(1, 900), ident()))
        lines.append("    %s = %s(%s)" % (ident(1), ident(), ident(1)))
    lines.append("%s: %s" % (R.choice(EXC["python"]), message()))
    return "\n".join(lines)


def java_trace(nframes):
    lines = ["%s: %s" % (R.choice(EXC["java"]), message())]
    for _ in range(nframes):
        pkg = "com.example." + ".".join(R.choice(WORDS) for _ in range(R.randint(1, 3)))
        cls = pascal(2)
        lines.append("\tat %s.%s.%s(%s.java:%d)" % (pkg, cls, camel(), cls, R.randint(1, 2000)))
    if R.random() < 0.3:
        lines.append("Caused by: %s: %s" % (R.choice(EXC["java"]), message()))
        lines.append("\t... %d more" % R.randint(1, 40))
    return "\n".join(lines)


def js_trace(nframes):
    lines = ["%s: %s" % (R.choice(EXC["js"]), message())]
    for _ in range(nframes):
        f = "/".join(R.choice(WORDS) for _ in range(R.randint(1, 3)))
        if R.random() < 0.5:
            lines.append("    at %s (/app/src/%s.js:%d:%d)" % (camel(), f, R.randint(1, 500), R.randint(1, 80)))
        else:
            lines.append("    at /app/node_modules/%s/index.js:%d:%d" % (ident(1), R.randint(1, 500), R.randint(1, 80)))
    return "\n".join(lines)


def go_trace(nframes):
    lines = ["panic: %s" % message(), "", "goroutine %d [running]:" % R.randint(1, 99)]
    for _ in range(nframes):
        pkg = "github.com/acme/%s/%s" % (ident(1), ident(1))
        lines.append("%s.%s(0x%x, 0x%x)" % (pkg, pascal(2), R.randint(0, 2**32), R.randint(0, 2**16)))
        lines.append("\t/go/src/%s/%s.go:%d +0x%x" % (pkg, ident(1), R.randint(1, 900), R.randint(0, 4096)))
    return "\n".join(lines)


def ruby_trace(nframes):
    lines = ["%s: %s" % (R.choice(EXC["ruby"]), message())]
    for _ in range(nframes):
        lines.append("  app/%s/%s.rb:%d:in `%s'" % (ident(1), ident(), R.randint(1, 400), ident()))
    return "\n".join(lines)


def csharp_trace(nframes):
    lines = ["%s: %s" % (R.choice(EXC["csharp"]), message())]
    for _ in range(nframes):
        lines.append("   at Acme.%s.%s.%s() in C:\\src\\%s.cs:line %d" % (
            pascal(1), pascal(2), pascal(2), pascal(2), R.randint(1, 700)))
    return "\n".join(lines)


def php_trace(nframes):
    lines = ["PHP Fatal error:  Uncaught %s: %s" % (R.choice(EXC["php"]), message())]
    for i in range(nframes):
        lines.append("#%d /var/www/src/%s/%s.php(%d): %s->%s()" % (
            i, pascal(1), pascal(2), R.randint(1, 500), pascal(2), camel()))
    lines.append("#%d {main}" % nframes)
    return "\n".join(lines)


def native_trace(nframes):
    lines = ["EXCEPTION_ACCESS_VIOLATION_READ at 0x%x" % R.randint(0, 2**40)]
    for i in range(nframes):
        lines.append("%d  lib%s.so!%s::%s::%s [%s.cpp:%d + 0x%x]" % (
            i, ident(1), pascal(1), pascal(2), camel(), ident(1), R.randint(1, 5000), R.randint(0, 255)))
    return "\n".join(lines)


def canonical(nframes):
    """The single-line canonical form the grouping module feeds the encoder."""
    frames = " | ".join("%s.%s:%s" % (ident(1), pascal(1), camel()) for _ in range(nframes))
    return "%s: %s | %s" % (R.choice(EXC[R.choice(list(EXC))]), message(), frames)


def main():
    texts = list(SENTENCES) + list(EDGE)
    gens = [python_trace, java_trace, js_trace, go_trace, ruby_trace, csharp_trace, php_trace,
            native_trace, canonical]
    for i in range(180):
        g = gens[i % len(gens)]
        n = R.choice([1, 2, 3, 5, 8, 12, 20])
        texts.append(g(n))
    texts.append(" ".join(WORDS) * 3)  # far over 128 tokens
    json.dump(texts, __import__("sys").stdout, ensure_ascii=False, indent=0)


if __name__ == "__main__":
    main()
