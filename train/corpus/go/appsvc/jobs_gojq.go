//go:build lib_gojq

package main

import "github.com/itchyny/gojq"

const libName = "gojq"

var input = map[string]interface{}{"orders": []interface{}{map[string]interface{}{"id": 1, "items": []interface{}{map[string]interface{}{"p": 2, "q": 3}}, "cust": "a"},
	map[string]interface{}{"id": 2, "items": []interface{}{map[string]interface{}{"p": 1, "q": 10}, map[string]interface{}{"p": 4, "q": 1}}, "cust": "b"}}}

var jobs = []job{
	{"query", func(x interface{}) interface{} {
		q, err := gojq.Parse(x.(string))
		if err != nil {
			return err.Error()
		}
		out := []interface{}{}
		it := q.Run(input)
		for {
			v, ok := it.Next()
			if !ok {
				break
			}
			out = append(out, v)
		}
		return out
	}, []interface{}{".orders[].id", "[.orders[].items[] | .p * .q] | add", ".orders | map(select(.cust == \"a\")) | length", ".orders[] | {id, n: (.items | length)}", "[.orders[].cust] | join(\",\")", ".orders | sort_by(.id) | reverse | .[0].id", "paths | tostring", "reduce .orders[] as $o (0; . + $o.id)"}},
	{"compile", func(x interface{}) interface{} {
		q, _ := gojq.Parse(x.(string))
		c, err := gojq.Compile(q)
		if err != nil {
			return err.Error()
		}
		v, _ := c.Run(input).Next()
		return []interface{}{v, q.String()}
	}, []interface{}{".orders[0]", "[.orders[] | .id] | max", "def f: . * 2; [.orders[].id | f]"}},
}
