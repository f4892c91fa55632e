//go:build lib_gjson

package main

import "github.com/tidwall/gjson"

const libName = "gjson"

const doc = `{"name":{"first":"Tom","last":"Anderson"},"age":37,"children":["Sara","Alex","Jack"],
"friends":[{"first":"Dale","last":"Murphy","age":44,"nets":["ig","fb","tw"]},{"first":"Roger","last":"Craig","age":68,"nets":["fb","tw"]}]}`

var jobs = []job{
	{"get", func(x interface{}) interface{} { return gjson.Get(doc, x.(string)).String() },
		[]interface{}{"name.last", "children.#", "friends.#.first", `friends.#(last=="Murphy").age`, "friends.#(age>45)#.last", "children|@reverse", "name.@pretty", "friends.1.nets.0"}},
	{"parse", func(x interface{}) interface{} {
		r := gjson.Parse(doc).Get(x.(string))
		out := []string{}
		r.ForEach(func(k, v gjson.Result) bool { out = append(out, k.String()+v.Raw); return true })
		return out
	}, []interface{}{"name", "friends.0", "children", "@this"}},
	{"many", func(x interface{}) interface{} { return gjson.GetMany(doc, x.([]string)...) },
		[]interface{}{[]string{"age", "name.first"}, []string{"friends.#.age", "children.1"}}},
	{"valid", func(x interface{}) interface{} { return gjson.Valid(x.(string)) && gjson.Get(x.(string), "a").Exists() },
		[]interface{}{`{"a":1}`, `[1,2`, `{"a":{"b":[true,null]}}`}},
}
