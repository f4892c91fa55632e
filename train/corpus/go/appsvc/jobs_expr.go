//go:build lib_expr

package main

import "github.com/antonmedv/expr"

const libName = "expr"

var env = map[string]interface{}{
	"user":  map[string]interface{}{"name": "ann", "age": 31, "roles": []interface{}{"admin", "dev"}},
	"items": []interface{}{1, 2, 3, 4},
	"price": 9.5,
}

var jobs = []job{
	{"eval", func(x interface{}) interface{} { out, _ := expr.Eval(x.(string), env); return out },
		[]interface{}{"user.age > 30 && 'admin' in user.roles", "price * 2 + len(items)", `user.name matches "^a"`, "all(items, {# > 0})", "filter(items, {# % 2 == 0})", "items[1:3]", `user.name + "!"`, "price ?? 0"}},
	{"compile", func(x interface{}) interface{} {
		p, err := expr.Compile(x.(string), expr.Env(env))
		if err != nil {
			return err.Error()
		}
		out, _ := expr.Run(p, env)
		return out
	}, []interface{}{"user.age * 2", "map(items, {# * price})", "count(items, {# > 2})", "user.roles[0]"}},
}
