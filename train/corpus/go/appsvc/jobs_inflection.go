//go:build lib_inflection

package main

import "github.com/jinzhu/inflection"

const libName = "inflection"

var jobs = []job{
	{"plural", func(x interface{}) interface{} {
		w := x.(string)
		return []string{inflection.Plural(w), inflection.Singular(inflection.Plural(w))}
	}, []interface{}{"person", "octopus", "Status", "matrix", "ox", "sheep", "CHILD", "bus", "user_account"}},
}
