//go:build lib_dateparse

package main

import (
	"time"

	"github.com/araddon/dateparse"
)

const libName = "dateparse"

var dates = []interface{}{"2024-03-05 10:30:00", "May 8, 2009 5:57:51 PM", "Mon Jan  2 15:04:05 MST 2006", "12 Feb 2006, 19:17", "2014-04-26 17:24:37.3186369",
	"1332151919", "2006-01-02T15:04:05+0000", "3/1/2014", "oct 7, 1970", "2013-Feb-03"}

var jobs = []job{
	{"any", func(x interface{}) interface{} { t, _ := dateparse.ParseAny(x.(string)); return t.String() }, dates},
	{"local", func(x interface{}) interface{} {
		loc, _ := time.LoadLocation("America/Denver")
		t, _ := dateparse.ParseIn(x.(string), loc)
		f, _ := dateparse.ParseFormat(x.(string))
		return []string{t.String(), f}
	}, dates},
}
