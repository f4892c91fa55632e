//go:build lib_tablewriter

package main

import (
	"strings"

	"github.com/olekukonko/tablewriter"
)

const libName = "tablewriter"

var jobs = []job{
	{"render", func(x interface{}) interface{} {
		var sb strings.Builder
		t := tablewriter.NewWriter(&sb)
		rows := x.([][]string)
		t.SetHeader(rows[0])
		t.AppendBulk(rows[1:])
		t.SetFooter(make([]string, len(rows[0])))
		t.SetAutoMergeCells(true)
		t.SetRowLine(true)
		t.Render()
		return sb.String()
	}, []interface{}{[][]string{{"a", "b"}, {"1", "2"}, {"1", "3"}}, [][]string{{"name", "sign", "rating"}, {"A", "The Good", "500"}, {"B", "The Very very Bad Man", "288"}, {"C", "The Ugly", "120"}}}},
	{"csv", func(x interface{}) interface{} {
		var sb strings.Builder
		t := tablewriter.NewWriter(&sb)
		t.SetAlignment(tablewriter.ALIGN_RIGHT)
		t.SetColWidth(10)
		for _, r := range x.([][]string) {
			t.Append(r)
		}
		t.SetCaption(true, "caption")
		t.Render()
		return sb.String()
	}, []interface{}{[][]string{{"x", "long text that wraps around the column"}, {"y", "z"}}}},
}
