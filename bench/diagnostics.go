package main

import (
	"regexp"
	"strings"
)

// withAddress is the line of a Terraform diagnostic that names the resource
// it is about: "with opentact_sip_user.u[12],".
var withAddress = regexp.MustCompile(`^with ([^\s,]+),`)

// diagnose reads a Terraform command's output (-no-color) and returns how
// many distinct resources have an error, and the first error: its summary
// and the first paragraph of its detail, which is where the cause is.
//
// A diagnostic is "Error: summary", a blank line, optionally a context
// block ("with ADDRESS," / "on FILE line N" and the quoted source) and a
// blank line, then the detail.
func diagnose(output string) (failed int, first string) {
	resources := map[string]bool{}
	const (
		outside = iota
		afterSummary
		inContext
		afterContext
		inDetail
	)
	state, inError := outside, false
	for _, raw := range strings.Split(output, "\n") {
		// Without colour Terraform may still draw the diagnostic's frame.
		line := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(raw), "│╷╵"))
		switch {
		case strings.HasPrefix(line, "Error: "):
			inError = true
			if first == "" {
				first, state = line, afterSummary
			} else {
				state = outside // the first error had no detail
			}
			continue
		case strings.HasPrefix(line, "Warning: "):
			inError, state = false, outside
			continue
		}
		if !inError {
			continue
		}
		if m := withAddress.FindStringSubmatch(line); m != nil {
			resources[m[1]] = true
		}
		switch {
		case state == afterSummary && (withAddress.MatchString(line) || strings.HasPrefix(line, "on ")):
			state = inContext
		case state == inContext && line == "":
			state = afterContext
		case (state == afterSummary || state == afterContext) && line != "":
			first += ": " + line
			state = inDetail
		case state == inDetail && line != "":
			first += " " + line // the detail's paragraph goes on
		case state == inDetail:
			state = outside
		}
	}
	const maxRunes = 300
	if r := []rune(first); len(r) > maxRunes {
		first = string(r[:maxRunes]) + "..."
	}
	return len(resources), first
}
