'use strict';
// Comment rendering (showdown).
const showdown = require('showdown');
const conv = new showdown.Converter({ tables: true, strikethrough: true, tasklists: true, simplifiedAutoLink: true });
const DOCS = ['# Hi\n\n*a* **b** ~~c~~\n\n- [x] done\n- [ ] todo\n', '| a | b |\n|---|---|\n| 1 | 2 |\n\nsee www.example.com\n', '> q\n\n```\ncode\n```\n\n1. a\n2. b\n\n[l](http://e.com)'];
module.exports.TASKS = [
  ['html', (t) => conv.makeHtml(t), DOCS],
  ['md', (t) => conv.makeMarkdown(conv.makeHtml(t)), DOCS],
];
