'use strict';
// Code formatting service (js-beautify).
const beautify = require('js-beautify');
const JS = ['function f(a,b){if(a){return b}else{for(var i=0;i<3;i++){a+=i}}return a}', 'const o={a:1,b:[1,2,3],c:function(){return this.a}};o.c()', 'async function g(){await x();try{y()}catch(e){z(e)}}'];
module.exports.TASKS = [
  ['js', (s) => beautify.js(s, { indent_size: 2, space_in_empty_paren: true }), JS],
  ['css', (s) => beautify.css('a{color:red;margin:0}' + s.length + ' .b{x:y}', { indent_size: 2 }), JS],
  ['html', (s) => beautify.html('<div><p>' + s.slice(0, 20) + '</p><ul><li>a</li></ul></div>', { indent_size: 2 }), JS],
];
