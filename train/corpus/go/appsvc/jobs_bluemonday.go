//go:build lib_bluemonday

package main

import "github.com/microcosm-cc/bluemonday"

const libName = "bluemonday"

var ugc = bluemonday.UGCPolicy()
var strict = bluemonday.StrictPolicy()

var inputs = []interface{}{`<a onblur="alert(secret)" href="http://www.google.com">Google</a>`, `<p style="color:red">hi <script>x()</script><b>bold</b></p>`,
	`<img src="javascript:alert(1)" alt="x"><table><tr><td>a</td></tr></table>`, `<div><iframe src="//evil"></iframe><a href="/rel" target="_blank">r</a></div>`}

var jobs = []job{
	{"ugc", func(x interface{}) interface{} { return ugc.Sanitize(x.(string)) }, inputs},
	{"strict", func(x interface{}) interface{} { return strict.Sanitize(x.(string)) }, inputs},
	{"custom", func(x interface{}) interface{} {
		p := bluemonday.NewPolicy()
		p.AllowElements("p", "b", "a")
		p.AllowAttrs("href").OnElements("a")
		p.RequireNoFollowOnLinks(true)
		p.AllowStyles("color").OnElements("p")
		return p.Sanitize(x.(string))
	}, inputs},
}
