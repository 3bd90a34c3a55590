// Command opentact-emulator serves the OpenTact SIP user API from memory on
// a loopback address, so configurations can be tried without an account.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/opentact/terraform-provider-opentact/internal/emulator"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to listen on (port 0 picks a free one)")
	token := flag.String("token", emulator.DefaultToken, "the X-Auth-Token the emulator accepts")
	latency := flag.Duration("latency", 0, "delay added to every API answer")
	addrFile := flag.String("addr-file", "", "write the base URL to this file once listening")
	var limit emulator.RateLimit
	flag.Float64Var(&limit.PerSecond, "rate-limit", 0, "API requests per second before answering 429 (0: no limit)")
	flag.IntVar(&limit.Burst, "rate-burst", 0, "requests allowed at once (0: the rate rounded up, at least 1)")
	flag.BoolVar(&limit.Headers, "rate-headers", false, "add RateLimit-* and X-RateLimit-* headers to every API answer")
	var seeds []string
	flag.Func("seed", "store a user at start, as if made outside Terraform (to practise importing): <connection uuid or name>/<login>, the login 7 to 15 characters; repeatable", func(spec string) error {
		seeds = append(seeds, spec)
		return nil
	})
	flag.Parse()

	opts := emulator.Options{Token: *token, Latency: *latency, RateLimit: limit}
	if err := run(*listen, opts, *addrFile, seeds); err != nil {
		fmt.Fprintln(os.Stderr, "opentact-emulator:", err)
		os.Exit(1)
	}
}

func run(listen string, opts emulator.Options, addrFile string, seeds []string) error {
	if opts.RateLimit.PerSecond < 0 || opts.RateLimit.Burst < 0 {
		return errors.New("-rate-limit and -rate-burst must not be negative")
	}
	emu := emulator.New(opts)
	seeded := make([]emulator.User, 0, len(seeds))
	for _, spec := range seeds {
		u, err := emu.SeedNamedUser(spec)
		if err != nil {
			return fmt.Errorf("-seed %w", err)
		}
		seeded = append(seeded, u)
	}
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-listen %s: the emulator only listens on loopback addresses", listen)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(base+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("OpenTact API emulator on %s (token %q)\n", base, opts.Token)
	if l := opts.RateLimit; l.PerSecond > 0 {
		burst := "default"
		if l.Burst > 0 {
			burst = strconv.Itoa(l.Burst)
		}
		fmt.Printf("  rate limit %g requests/s, burst %s, headers %t\n", l.PerSecond, burst, l.Headers)
	}
	names := map[string]string{}
	for _, c := range emulator.SeedConnections {
		names[c.UUID] = c.Name
		fmt.Printf("  SIP connection %s  %s\n", c.UUID, c.Name)
	}
	for _, u := range seeded {
		fmt.Printf("  SIP user %s  %s on %s\n", u.UUID, u.Login, names[u.Connection])
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() { <-stop; _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
