//go:build lib_goquery

package main

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

const libName = "goquery"

var pages = []interface{}{"<html><body><a href='/a'>A</a><p class='x y'>hi <b>there</b></p><ul><li>1</li><li>2</li></ul></body></html>",
	"<div id='main'><table><tr><td>a</td><td>b</td></tr></table><img src='x.png' alt='pic'></div>", "<p>unclosed <i>tags <b>here</p><a href='http://e.com/?q=1'>e</a>"}

var jobs = []job{
	{"links", func(x interface{}) interface{} {
		d, _ := goquery.NewDocumentFromReader(strings.NewReader(x.(string)))
		out := []string{}
		d.Find("a, img").Each(func(i int, s *goquery.Selection) { h, _ := s.Attr("href"); out = append(out, h+s.Text()) })
		return out
	}, pages},
	{"traverse", func(x interface{}) interface{} {
		d, _ := goquery.NewDocumentFromReader(strings.NewReader(x.(string)))
		s := d.Find("li, td, b").First()
		h, _ := d.Find("body").Html()
		return []interface{}{s.Parent().Children().Length(), s.NextAll().Text(), d.Find("p").HasClass("x"), s.Closest("ul, table").Length(), h}
	}, pages},
	{"modify", func(x interface{}) interface{} {
		d, _ := goquery.NewDocumentFromReader(strings.NewReader(x.(string)))
		d.Find("b, td").AddClass("hl").SetAttr("data-x", "1")
		d.Find("a").Remove()
		d.Find("p, div").AppendHtml("<span>new</span>")
		h, _ := d.Html()
		return h
	}, pages},
}
