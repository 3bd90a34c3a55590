package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

// raw sends a request and returns the answer as it is, for answers that are
// not JSON or whose headers matter.
func raw(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func adminStats(t *testing.T, h http.Handler) emulator.Stats {
	t.Helper()
	rec := raw(t, h, "GET", "/_emulator/stats", "")
	var st emulator.Stats
	if err := json.Unmarshal(rec.Body.Bytes(), &st); rec.Code != 200 || err != nil {
		t.Fatalf("stats: %d %q (%v)", rec.Code, rec.Body, err)
	}
	return st
}

// A slow rate (one token per 100 s) keeps these tests independent of how
// fast the machine runs them.
func TestRateLimitCountsStatusesAndSparesTheAdminAPI(t *testing.T) {
	emu := emulator.New(emulator.Options{RateLimit: emulator.RateLimit{PerSecond: 0.01, Burst: 2}})
	list := "/rest/sip/connection/" + berlin + "/users"
	codes := [4]int{}
	for i := range codes {
		codes[i] = raw(t, emu, "GET", list, "").Code
	}
	if codes != [4]int{200, 200, 429, 429} {
		t.Fatalf("codes %v", codes)
	}
	emu.InjectFault(emulator.Fault{Status: 429})
	st := adminStats(t, emu)
	if st.Total != 4 || st.RateLimited != 2 || st.Statuses["200"] != 2 || st.Statuses["429"] != 2 {
		t.Fatalf("stats after 4 requests: %+v", st)
	}
	if emu.CountStatus(429) != 2 || emu.CountRequests("GET", list) != 4 {
		t.Fatalf("CountStatus(429) = %d, CountRequests = %d", emu.CountStatus(429), emu.CountRequests("GET", list))
	}
	reqs := emu.Requests()
	if reqs[0].Status != 200 || reqs[0].RateLimited || reqs[3].Status != 429 || !reqs[3].RateLimited {
		t.Fatalf("request log: %+v", reqs)
	}
	if rec := raw(t, emu, "GET", "/_emulator/stats", ""); rec.Code != 200 {
		t.Fatalf("the admin API was rate limited: %d", rec.Code)
	}
}

func TestAdminRateLimit(t *testing.T) {
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"?rps=0.01&burst=1&headers=1", 204},
		{"?rps=0.01", 204},
		{"?rps=0", 204},
		{"", 400},
		{"?rps=-1", 400},
		{"?rps=fast", 400},
		{"?rps=NaN", 400},
		{"?rps=1&burst=-1", 400},
		{"?rps=1&burst=two", 400},
		{"?rps=1&headers=maybe", 400},
	} {
		emu := emu0()
		if rec := raw(t, emu, "POST", "/_emulator/ratelimit"+tc.query, ""); rec.Code != tc.code {
			t.Errorf("POST %s: %d, want %d", tc.query, rec.Code, tc.code)
		}
	}
	if rec := raw(t, emu0(), "GET", "/_emulator/ratelimit?rps=1", ""); rec.Code != 400 {
		t.Errorf("GET: %d, want 400", rec.Code)
	}

	emu := emu0()
	raw(t, emu, "POST", "/_emulator/ratelimit?rps=0.01&burst=1&headers=true", "")
	list := "/rest/sip/connection/" + berlin + "/users"
	if rec := raw(t, emu, "GET", list, ""); rec.Code != 200 || rec.Header().Get("RateLimit-Limit") != "1" || rec.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("first: %d %v", rec.Code, rec.Header())
	}
	if rec := raw(t, emu, "GET", list, ""); rec.Code != 429 || rec.Header().Get("Retry-After") != "100" {
		t.Fatalf("second: %d %v", rec.Code, rec.Header())
	}
	raw(t, emu, "POST", "/_emulator/ratelimit?rps=0", "")
	if rec := raw(t, emu, "GET", list, ""); rec.Code != 200 {
		t.Fatalf("after rps=0: %d", rec.Code)
	}
}

// The headers go on every API answer: errors, faults, unknown paths.
func TestRateLimitHeadersOnEveryAnswer(t *testing.T) {
	emu := emulator.New(emulator.Options{RateLimit: emulator.RateLimit{PerSecond: 0.01, Burst: 10, Headers: true}})
	emu.InjectFault(emulator.Fault{Status: 503, HTML: true})
	for i, path := range []string{"/rest/sip/connection/user/" + berlin, "/rest/sip/connection/user/" + berlin, "/no/such/path"} {
		rec := raw(t, emu, "GET", path, "")
		if rec.Header().Get("RateLimit-Remaining") != []string{"9", "8", "7"}[i] || rec.Header().Get("X-RateLimit-Limit") != "10" {
			t.Errorf("%s (%d): %v", path, rec.Code, rec.Header())
		}
	}
}

// Through a real server the status wrapper must still let Drop hijack the
// connection; the log records no status for it.
func TestStatusLogOverHTTP(t *testing.T) {
	emu := emu0()
	srv := httptest.NewServer(emu)
	defer srv.Close()
	emu.InjectFault(emulator.Fault{Drop: true})
	get := func() (*http.Response, error) {
		req, _ := http.NewRequest("GET", srv.URL+"/rest/sip/connection/"+berlin+"/users", nil)
		req.Header.Set("X-Auth-Token", tok)
		return srv.Client().Do(req)
	}
	if resp, err := get(); err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a dropped connection answered %d", resp.StatusCode)
	}
	resp, err := get()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	reqs := emu.Requests()
	if len(reqs) < 2 || reqs[0].Status != 0 || reqs[len(reqs)-1].Status != 200 {
		t.Fatalf("request log: %+v", reqs)
	}
}
