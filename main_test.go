package main

import (
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"
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
	for name, tc := range map[string]struct {
		env           map[string]string
		gogc          int
		limit         int64
		leavesItAlone bool
	}{
		"nothing set":    {env: map[string]string{}, gogc: 400, limit: minMemoryLimit},
		"GOGC set":       {env: map[string]string{"GOGC": "100"}, leavesItAlone: true},
		"GOMEMLIMIT set": {env: map[string]string{"GOMEMLIMIT": "1GiB"}, leavesItAlone: true},
	} {
		t.Run(name, func(t *testing.T) {
			gogc, limit := -1, int64(-1)
			gcForShortLife(func(k string) string { return tc.env[k] },
				func(p int) int { gogc = p; return 100 },
				func(l int64) int64 { limit = l; return 0 })
			if tc.leavesItAlone && (gogc != -1 || limit != -1) {
				t.Fatalf("changed the GC (GOGC %d, limit %d) although the environment sets it", gogc, limit)
			}
			if !tc.leavesItAlone && (gogc != tc.gogc || limit != tc.limit) {
				t.Fatalf("GOGC %d, limit %d; want %d and %d", gogc, limit, tc.gogc, tc.limit)
			}
		})
	}
}

// The soft limit follows the live heap: a heap larger than the floor gets
// room to double instead of a collector that never stops.
func TestMemoryLimitFollowsTheLiveHeap(t *testing.T) {
	for live, want := range map[uint64]int64{0: minMemoryLimit, 10 << 20: minMemoryLimit, 64 << 20: minMemoryLimit, 300 << 20: 600 << 20} {
		if got := memoryLimitFor(live); got != want {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB, want %d MiB", live>>20, got>>20, want>>20)
		}
	}
	if memoryLimitFor(math.MaxUint64) <= 0 {
		t.Errorf("memoryLimitFor overflows")
	}
}

// The hook runs after collections, again and again.
func TestAfterEachGC(t *testing.T) {
	runs := make(chan struct{}, 100)
	afterEachGC(func() {
		select {
		case runs <- struct{}{}:
		default:
		}
	})
	for i := 0; i < 3; i++ {
		runtime.GC()
		select {
		case <-runs:
		case <-time.After(5 * time.Second):
			t.Fatalf("no run after collection %d", i+1)
		}
	}
}
