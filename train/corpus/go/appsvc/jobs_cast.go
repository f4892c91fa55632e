//go:build lib_cast

package main

import "github.com/spf13/cast"

const libName = "cast"

var jobs = []job{
	{"scalars", func(x interface{}) interface{} {
		return []interface{}{cast.ToInt(x), cast.ToFloat64(x), cast.ToString(x), cast.ToBool(x), cast.ToDuration(x)}
	}, []interface{}{"42", 3.7, true, "1h30m", []byte("7"), int64(-5), "0x1F"}},
	{"collections", func(x interface{}) interface{} {
		return []interface{}{cast.ToStringSlice(x), cast.ToStringMap(map[string]interface{}{"a": x}), cast.ToIntSlice([]interface{}{1, "2"}), cast.ToStringMapString(map[interface{}]interface{}{"k": x})}
	}, []interface{}{"a b c", []interface{}{"x", 1}, 5}},
	{"time", func(x interface{}) interface{} { return cast.ToTime(x).UTC().String() },
		[]interface{}{"2024-03-05T10:30:00Z", "2024-03-05", 1700000000, "05 Mar 24 10:30 UTC"}},
}
