//go:build lib_jsonparser

package main

import "github.com/buger/jsonparser"

const libName = "jsonparser"

var data = []byte(`{"person":{"name":{"first":"Leonid","last":"Bugaev"},"github":{"handle":"buger","followers":109},"avatars":[{"url":"https://a","type":"thumbnail"},{"url":"https://b","type":"full"}]},"company":{"name":"x","size":12.5,"public":true}}`)

var jobs = []job{
	{"get", func(x interface{}) interface{} {
		v, t, _, _ := jsonparser.Get(data, x.([]string)...)
		return []interface{}{string(v), t.String()}
	}, []interface{}{[]string{"person", "name", "last"}, []string{"person", "avatars", "[1]", "url"}, []string{"company", "size"}, []string{"person", "github"}}},
	{"typed", func(x interface{}) interface{} {
		s, _ := jsonparser.GetString(data, x.(string), "name")
		n, _ := jsonparser.GetInt(data, "person", "github", "followers")
		f, _ := jsonparser.GetFloat(data, "company", "size")
		b, _ := jsonparser.GetBoolean(data, "company", "public")
		return []interface{}{s, n, f, b}
	}, []interface{}{"company", "person"}},
	{"iterate", func(x interface{}) interface{} {
		out := []string{}
		jsonparser.ArrayEach(data, func(v []byte, t jsonparser.ValueType, off int, err error) { out = append(out, string(v)) }, "person", "avatars")
		jsonparser.ObjectEach(data, func(k, v []byte, t jsonparser.ValueType, off int) error { out = append(out, string(k)); return nil }, x.(string))
		jsonparser.EachKey(data, func(idx int, v []byte, t jsonparser.ValueType, err error) { out = append(out, string(v)) }, []string{"person", "name", "first"}, []string{"company", "name"})
		return out
	}, []interface{}{"company", "person"}},
	{"set", func(x interface{}) interface{} {
		v, _ := jsonparser.Set(data, []byte(x.(string)), "company", "name")
		return string(jsonparser.Delete(v, "person", "avatars"))
	}, []interface{}{`"acme"`, `{"nested":1}`}},
}
