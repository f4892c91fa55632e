"""Domain normalisation for the mail gateway (idna)."""
import idna

DOMAINS = ["bücher.example", "xn--bcher-kva.example", "ドメイン.テスト", "straße.de", "EXAMPLE.com", "пример.рф"]


def encode(d):
    return idna.encode(d, uts46=True, transitional=False).decode(), idna.decode(idna.encode(d, uts46=True))


def check(d):
    return [idna.check_label(l) is None for l in idna.uts46_remap(d).split(".")], idna.alabel(idna.uts46_remap(d).split(".")[0])


TASKS = [("encode", encode, DOMAINS), ("check", check, DOMAINS)]
