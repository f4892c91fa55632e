//go:build lib_humanize

package main

import (
	"math/big"
	"time"

	"github.com/dustin/go-humanize"
)

const libName = "humanize"

var now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

var jobs = []job{
	{"bytes", func(x interface{}) interface{} {
		n := x.(uint64)
		b, _ := humanize.ParseBytes(humanize.Bytes(n))
		return []interface{}{humanize.Bytes(n), humanize.IBytes(n), b, humanize.Comma(int64(n)), humanize.BigBytes(new(big.Int).SetUint64(n))}
	}, []interface{}{uint64(0), uint64(1023), uint64(4096), uint64(10000000), uint64(3000000000000)}},
	{"times", func(x interface{}) interface{} {
		d := time.Duration(x.(int)) * time.Second
		return []string{humanize.RelTime(now.Add(-d), now, "ago", "from now"), humanize.Time(time.Now().Add(-d))}
	}, []interface{}{5, 3700, 86400 * 3, 86400 * 400}},
	{"numbers", func(x interface{}) interface{} {
		f := x.(float64)
		v, u := humanize.ComputeSI(f)
		return []interface{}{humanize.Ordinal(int(f)), humanize.Ftoa(f), humanize.SI(f, "V"), v, u, humanize.FormatFloat("#,###.##", f), humanize.Commaf(f)}
	}, []interface{}{3.0, 21.5, 1e6, 1234.5678, 0.00042}},
}
