package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Diagnostic is one diagnostic of a CLI command's -json output.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
	Address  string `json:"address"`
}

// command is one CLI command run, and what came of it.
type command struct {
	n       int
	name    string
	args    []string
	exit    int
	started time.Time
	took    time.Duration
	stdout  string
	stderr  string
	logFile string
	diags   []Diagnostic
}

func (c *command) errors() []Diagnostic {
	var out []Diagnostic
	for _, d := range c.diags {
		if d.Severity == "error" {
			out = append(out, d)
		}
	}
	return out
}

// tail is the end of the command's output, for a failure report.
func (c *command) tail() string {
	var b strings.Builder
	for _, d := range c.diags {
		fmt.Fprintf(&b, "  %s: %s: %s (%s)\n", d.Severity, d.Summary, firstLine(d.Detail, 400), d.Address)
	}
	if b.Len() == 0 {
		out := c.stdout + c.stderr
		b.WriteString(out[max(0, len(out)-2000):])
	}
	return b.String()
}

func firstLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// cli runs the Terraform CLI in one working directory, with the provider
// built from the tree through dev_overrides.
type cli struct {
	path string
	dir  string
	env  []string
	n    int
}

// newCLI writes the CLI configuration in dir; providerDir holds the
// provider binary.
func newCLI(path, dir, providerDir string, env map[string]string) (*cli, error) {
	tfrc := filepath.Join(dir, "cli.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/opentact/opentact\" = %q\n    \"registry.opentofu.org/opentact/opentact\" = %q\n  }\n  direct {}\n}\n", providerDir, providerDir)
	if err := os.WriteFile(tfrc, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o700); err != nil {
		return nil, err
	}
	c := &cli{path: path, dir: dir}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "OPENTACT_") || name == "CHECKPOINT_DISABLE" {
			continue
		}
		c.env = append(c.env, kv)
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+tfrc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_LOG=TRACE")
	for k, v := range env {
		c.env = append(c.env, k+"="+v)
	}
	return c, nil
}

// commandLimit stops a command that hangs, so that a seed ends: no command
// of a seed needs more than its operations' timeouts.
const commandLimit = 5 * time.Minute

// run runs one command; extra are more environment variables.
func (c *cli) run(ctx context.Context, before func(n int, name string), name string, extra []string, args ...string) *command {
	cmd := &command{n: c.n, name: name, args: args, logFile: filepath.Join(c.dir, "out", fmt.Sprintf("%02d-%s.log", c.n, name))}
	c.n++
	before(cmd.n, name)
	ctx, cancel := context.WithTimeout(ctx, commandLimit)
	defer cancel()
	x := exec.CommandContext(ctx, c.path, args...) //nolint:gosec // the CLI under test, with the driver's own arguments
	x.Dir = c.dir
	x.Env = append(append(append([]string(nil), c.env...), extra...), "TF_LOG_PATH="+cmd.logFile)
	var stdout, stderr bytes.Buffer
	x.Stdout, x.Stderr = &stdout, &stderr
	cmd.started = time.Now()
	err := x.Run()
	cmd.took = time.Since(cmd.started)
	cmd.stdout, cmd.stderr = stdout.String(), stderr.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		cmd.exit = exit.ExitCode()
	case err != nil:
		cmd.exit, cmd.stderr = -1, cmd.stderr+err.Error()
	}
	base := filepath.Join(c.dir, "out", fmt.Sprintf("%02d-%s", cmd.n, name))
	_ = os.WriteFile(base+".stdout", stdout.Bytes(), 0o600)
	_ = os.WriteFile(base+".stderr", stderr.Bytes(), 0o600)
	cmd.diags = parseDiagnostics(cmd.stdout)
	return cmd
}

// parseDiagnostics reads the diagnostics of -json output; plain output's
// "Error: <summary>" lines count too.
func parseDiagnostics(out string) []Diagnostic {
	var diags []Diagnostic
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		var msg struct {
			Type       string     `json:"type"`
			Diagnostic Diagnostic `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) == nil {
			if msg.Type == "diagnostic" {
				diags = append(diags, msg.Diagnostic)
			}
			continue
		}
		if s, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimLeft(line, "│╷╵ ")), "Error: "); ok {
			diags = append(diags, Diagnostic{Severity: "error", Summary: s})
		}
	}
	return diags
}

// version is the CLI's version ("1.11.4").
func (c *cli) version(ctx context.Context) (string, error) {
	x := exec.CommandContext(ctx, c.path, "version", "-json") //nolint:gosec // the CLI under test
	x.Env = c.env
	out, err := x.Output()
	if err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	return v.Version, json.Unmarshal(out, &v)
}
