'use strict';
// Help-center article rendering (markdown-it).
const MarkdownIt = require('markdown-it');
const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
const DOCS = ['# Title\n\nSome *em* and **strong** `code` -- "quotes"\n\n- a\n- b\n  1. nested\n',
  '| a | b |\n|---|:-:|\n| 1 | 2 |\n\nvisit https://example.com (c) (tm)\n',
  '```js\nlet x = 1;\n```\n\n> quote\n> > nested\n\n[ref][1]\n\n[1]: http://x.org "t"\n',
  '<div class="x">raw</div>\n\n![img](a.png "title")\n\n***\n\nline  \nbreak\n', 'Setext\n===\n\n    indented\n\n1) one\n2) two\n'];
module.exports.TASKS = [
  ['render', (t) => md.render(t), DOCS],
  ['inline', (t) => md.renderInline(t.split('\n')[0]), DOCS],
  ['tokens', (t) => md.parse(t, {}).map((x) => x.type).join(','), DOCS],
];
