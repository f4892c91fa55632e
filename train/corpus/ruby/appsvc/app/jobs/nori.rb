# SOAP response parsing (nori, REXML parser).
require "nori"
XMLS = ["<order id='7'><item sku='a'>2</item><item sku='b'>1</item><note>hi</note></order>", "<r xmlns:x='urn:x'><x:a>1</x:a><b/><c attr='v'>t<d>e</d></c></r>", "<list><e type='integer'>1</e><when>2024-01-02T03:04:05Z</when></list>"].freeze
JOBS = [
  ["parse", ->(x) { Nori.new(parser: :rexml).parse(x) }, XMLS],
  ["strip", ->(x) { Nori.new(parser: :rexml, strip_namespaces: true, convert_tags_to: ->(t) { t.to_sym }).parse(x) }, XMLS],
].freeze
