//go:build lib_version

package main

import (
	"sort"

	version "github.com/hashicorp/go-version"
)

const libName = "version"

var jobs = []job{
	{"compare", func(x interface{}) interface{} {
		p := x.([2]string)
		a, b := version.Must(version.NewVersion(p[0])), version.Must(version.NewVersion(p[1]))
		return []interface{}{a.Compare(b), a.LessThan(b), a.Segments(), a.Prerelease(), a.Metadata(), a.String(), b.Original()}
	}, []interface{}{[2]string{"1.2.3", "1.10"}, [2]string{"1.0.0-beta.2+build5", "1.0.0"}, [2]string{"v2.0", "2.0.0-rc1"}}},
	{"constraints", func(x interface{}) interface{} {
		c, err := version.NewConstraint(x.(string))
		if err != nil {
			return err.Error()
		}
		out := []bool{}
		for _, v := range []string{"1.0", "1.4.2", "2.0.0", "2.1-beta"} {
			out = append(out, c.Check(version.Must(version.NewVersion(v))))
		}
		return []interface{}{out, c.String()}
	}, []interface{}{">= 1.0, < 2", "~> 1.4", "!= 2.0.0", "> 2.0.0-alpha"}},
	{"sort", func(x interface{}) interface{} {
		vs := []*version.Version{}
		for _, s := range x.([]string) {
			vs = append(vs, version.Must(version.NewVersion(s)))
		}
		sort.Sort(version.Collection(vs))
		return vs[0].String()
	}, []interface{}{[]string{"1.1", "0.7.1", "1.4-beta", "1.4", "2"}}},
}
