package main

import (
	"reflect"
	"testing"
)

func TestQuietUnlessLogging(t *testing.T) {
	quiet := map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF", "TF_LOG_PROVIDER": "OFF"}
	for name, tc := range map[string]struct {
		environ []string
		want    map[string]string
	}{
		"no logging asked for":  {[]string{"PATH=/bin", "HOME=/root"}, quiet},
		"TF_LOG":                {[]string{"TF_LOG=TRACE"}, map[string]string{}},
		"TF_LOG_PROVIDER":       {[]string{"TF_LOG_PROVIDER=DEBUG"}, map[string]string{}},
		"TF_LOG_PATH":           {[]string{"TF_LOG_PATH=/tmp/tf.log"}, map[string]string{}},
		"acceptance test log":   {[]string{"TF_ACC_LOG_PATH=/tmp/acc.log"}, map[string]string{}},
		"empty TF_LOG is asked": {[]string{"TF_LOG="}, map[string]string{}},
	} {
		t.Run(name, func(t *testing.T) {
			got := map[string]string{}
			quietUnlessLogging(tc.environ, func(k, v string) error { got[k] = v; return nil })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("set %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGCForShortLife(t *testing.T) {
	for gogc, want := range map[string]int{"": 400, "100": -1, "off": -1} {
		got := -1
		gcForShortLife(func(string) string { return gogc }, func(p int) int { got = p; return 100 })
		if got != want {
			t.Errorf("GOGC=%q: set %d, want %d (-1: left alone)", gogc, got, want)
		}
	}
}
