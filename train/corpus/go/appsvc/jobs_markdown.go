//go:build lib_markdown

package main

import (
	"github.com/gomarkdown/markdown"
	"github.com/gomarkdown/markdown/html"
	"github.com/gomarkdown/markdown/parser"
)

const libName = "markdown"

var docs = []interface{}{"# Title\n\nSome *em* and **strong** `code`.\n\n- a\n- b\n  1. nested\n", "| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: note\n",
	"```go\nx := 1\n```\n\n> quote\n\nTerm\n: definition\n", "Setext\n===\n\n![img](a.png \"t\") <http://auto.link> H~2~O x^2^\n"}

var jobs = []job{
	{"html", func(x interface{}) interface{} {
		p := parser.NewWithExtensions(parser.CommonExtensions | parser.AutoHeadingIDs | parser.Footnotes | parser.DefinitionLists)
		return string(markdown.ToHTML([]byte(x.(string)), p, html.NewRenderer(html.RendererOptions{Flags: html.CommonFlags | html.HrefTargetBlank})))
	}, docs},
	{"plain", func(x interface{}) interface{} { return string(markdown.ToHTML([]byte(x.(string)), nil, nil)) }, docs},
}
