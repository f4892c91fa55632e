'use strict';
// Legacy XML API adapter (xml2js + sax).
const xml2js = require('xml2js');
const XMLS = ["<order id='7'><item sku='a'>2</item><item sku='b'>1</item><note>hi</note></order>", "<r xmlns:x='urn:x'><x:a>1</x:a><b/><c attr='v'>t<d>e</d></c></r>", '<list><e>1</e></list>'];
module.exports.TASKS = [
  ['parse', (x) => { let out; xml2js.parseString(x, { explicitArray: false, mergeAttrs: true }, (err, r) => { if (err) throw err; out = r; }); return out; }, XMLS],
  ['build', (x) => { let out; xml2js.parseString(x, (err, r) => { if (err) throw err; out = new xml2js.Builder({ headless: true }).buildObject(r); }); return out; }, XMLS],
];
