"""Legacy XML API adapter (xmltodict)."""
import xmltodict

XMLS = ["<order id='7'><item sku='a'>2</item><item sku='b'>1</item><note>hi</note></order>",
        "<r xmlns:x='urn:x'><x:a>1</x:a><b/><c attr='v'>t<d>e</d></c></r>",
        "<list><e>1</e></list>"]


def parse(x):
    d = xmltodict.parse(x, process_namespaces=True, force_list=("item",))
    return d, xmltodict.unparse(d, pretty=True)


def stream(x):
    seen = []
    xmltodict.parse(x, item_depth=2, item_callback=lambda path, item: seen.append((len(path), str(item)[:10])) or True)
    return seen


TASKS = [("parse", parse, XMLS), ("stream", stream, XMLS)]
