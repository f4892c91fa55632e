# XML export (builder).
require "builder"
ORDERS = [{ id: 7, items: [["a", 2], ["b", 1]], note: "hi & bye" }, { id: 8, items: [], note: nil }, { id: 9, items: [["<x>", 3]], note: "ü" }].freeze
JOBS = [
  ["xml", ->(o) { x = Builder::XmlMarkup.new(indent: 2); x.instruct!; x.order(id: o[:id]) { o[:items].each { |s, q| x.item(q, sku: s) }; x.note(o[:note]) if o[:note]; x.comment!("c") }; x.target! }, ORDERS],
  ["events", ->(o) { out = +""; x = Builder::XmlEvents.new(target: out); x.tag!("o", o[:id]); out }, ORDERS],
].freeze
