//go:build lib_decimal

package main

import "github.com/shopspring/decimal"

const libName = "decimal"

var jobs = []job{
	{"arith", func(x interface{}) interface{} {
		p := x.([2]string)
		a, b := decimal.RequireFromString(p[0]), decimal.RequireFromString(p[1])
		return []string{a.Add(b).String(), a.Mul(b).StringFixed(2), a.DivRound(b, 6).String(), a.Mod(b).String(), a.Pow(decimal.NewFromInt(2)).String()}
	}, []interface{}{[2]string{"10.25", "3"}, [2]string{"0.1", "0.2"}, [2]string{"-7.125", "2.5"}, [2]string{"1e21", "7"}}},
	{"format", func(x interface{}) interface{} {
		p := x.([2]string)
		a := decimal.RequireFromString(p[0])
		f, _ := a.Float64()
		return []interface{}{a.Round(1).String(), a.Truncate(2).String(), a.StringFixedBank(1), f, a.Cmp(decimal.RequireFromString(p[1])), a.Shift(3).IntPart(), decimal.Avg(a, decimal.NewFromFloat(1.5)).String()}
	}, []interface{}{[2]string{"10.25", "3"}, [2]string{"123.456", "1"}, [2]string{"-0.005", "0"}}},
}
