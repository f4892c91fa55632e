'use strict';
// Link extraction (htmlparser2).
const { parseDocument, Parser, DomUtils } = require('htmlparser2');
const PAGES = ["<html><body><a href='/a'>A</a><p class='x'>hi <b>there</b></p><ul><li>1</li></ul></body></html>", "<div id=main><table><tr><td>a<td>b</table><img src=x.png alt=pic></div>", '<p>unclosed <i>tags <b>here</p><script>var a = "<b>";</script>&amp; &copy;'];
module.exports.TASKS = [
  ['links', (h) => DomUtils.findAll((e) => e.name === 'a' || e.name === 'img', parseDocument(h).children).map((e) => e.attribs.href || e.attribs.src), PAGES],
  ['text', (h) => DomUtils.textContent(parseDocument(h, { decodeEntities: true })), PAGES],
  ['sax', (h) => { const out = []; const p = new Parser({ onopentag: (n) => out.push(n), ontext: (t) => out.push(t.length) }); p.write(h); p.end(); return out; }, PAGES],
];
