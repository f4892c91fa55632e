//go:build lib_mapstructure

package main

import "github.com/mitchellh/mapstructure"

const libName = "mapstructure"

type DB struct {
	Host string `mapstructure:"host"`
	Port int    `mapstructure:"port"`
}

type Config struct {
	Name    string            `mapstructure:"name"`
	Debug   bool              `mapstructure:"debug"`
	Tags    []string          `mapstructure:"tags"`
	DB      DB                `mapstructure:"db"`
	Limits  map[string]float64 `mapstructure:"limits"`
	Timeout string            `mapstructure:"timeout"`
}

var jobs = []job{
	{"decode", func(x interface{}) interface{} {
		var c Config
		var md mapstructure.Metadata
		d, _ := mapstructure.NewDecoder(&mapstructure.DecoderConfig{Result: &c, WeaklyTypedInput: true, Metadata: &md,
			DecodeHook: mapstructure.ComposeDecodeHookFunc(mapstructure.StringToSliceHookFunc(","), mapstructure.StringToTimeDurationHookFunc())})
		d.Decode(x)
		return []interface{}{c, md.Unused}
	}, []interface{}{
		map[string]interface{}{"name": "svc", "debug": "true", "tags": "a,b", "db": map[string]interface{}{"host": "h", "port": "5432"}, "limits": map[string]interface{}{"cpu": "1.5"}},
		map[string]interface{}{"name": 7, "tags": []interface{}{"x", 1}, "extra": true},
		map[string]interface{}{"db": map[string]string{"host": "x"}, "timeout": "5s"}}},
	{"encode", func(x interface{}) interface{} {
		out := map[string]interface{}{}
		mapstructure.Decode(Config{Name: "n", Tags: []string{"t"}, DB: DB{Host: "h", Port: x.(int)}}, &out)
		return out
	}, []interface{}{1, 80, 65535}},
}
