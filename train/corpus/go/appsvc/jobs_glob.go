//go:build lib_glob

package main

import "github.com/gobwas/glob"

const libName = "glob"

var jobs = []job{
	{"match", func(x interface{}) interface{} {
		p := x.([2]string)
		g, err := glob.Compile(p[0], '.', '/')
		if err != nil {
			return err.Error()
		}
		return g.Match(p[1])
	}, []interface{}{[2]string{"*.github.com", "api.github.com"}, [2]string{"{a,b}/**/*.go", "a/x/y/z.go"}, [2]string{"[!a-c]?le", "file"}, [2]string{"src/*.[ch]", "src/x.c"}, [2]string{"**.txt", "a.b.txt"}}},
	{"quote", func(x interface{}) interface{} { return glob.QuoteMeta(x.([2]string)[0]) }, []interface{}{[2]string{"*.{a,b}[c]", ""}, [2]string{"plain", ""}}},
}
