//go:build lib_fastjson

package main

import "github.com/valyala/fastjson"

const libName = "fastjson"

var docs = []interface{}{`{"foo":{"bar":[1,2.5,"x"],"baz":true},"n":null,"s":"a\u00e9\n"}`, `[{"a":1},{"a":2,"b":[3,4]}]`, `{"deep":{"deeper":{"deepest":[{"k":"v"}]}}}`}

var jobs = []job{
	{"parse", func(x interface{}) interface{} {
		var p fastjson.Parser
		v, err := p.Parse(x.(string))
		if err != nil {
			return err.Error()
		}
		return []interface{}{v.Type().String(), string(v.MarshalTo(nil)), v.Exists("foo", "bar"), v.GetInt("0", "a"), string(v.GetStringBytes("s"))}
	}, docs},
	{"visit", func(x interface{}) interface{} {
		v := fastjson.MustParse(x.(string))
		out := []string{}
		if o, err := v.Object(); err == nil {
			o.Visit(func(k []byte, vv *fastjson.Value) { out = append(out, string(k)+":"+vv.Type().String()) })
		}
		if a, err := v.Array(); err == nil {
			for _, e := range a {
				out = append(out, e.String())
			}
		}
		return out
	}, docs},
	{"validate", func(x interface{}) interface{} { return fastjson.Validate(x.(string)) == nil }, append(docs, `{"a":}`, `[1,2`)},
}
