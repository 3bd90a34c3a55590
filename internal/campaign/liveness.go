package campaign

import (
	"fmt"
	"strings"
	"time"
)

// backoffStep is the client's first wait before a retry (its minimum).
const backoffStep = 500 * time.Millisecond

// excuse says why a failed command was allowed to fail by the faults it
// met, or "" when it was not (a liveness violation):
//   - a call met more 5xx, lost or slow answers than max_retries;
//   - an outage ended less than a backoff step plus request_timeout before
//     the deadline of an operation it touched;
//   - an outage was under way before the command's provider had any answer,
//     and the command failed only reading or planning, with the provider's
//     message that nothing reached the API.
func (r *seedRun) excuse(cmd *command) string {
	events := r.inj.trace()
	perCall := map[Key]int{}
	for _, e := range events {
		if e.Command == cmd.n && e.Kind.costsRetry() {
			k := e.key()
			k.Attempt = 0
			if perCall[k]++; perCall[k] > r.opts.MaxRetries {
				return fmt.Sprintf("%s %s met %d faults, max_retries is %d", e.Op, e.User, perCall[k], r.opts.MaxRetries)
			}
		}
	}
	started, firstAnswer := r.inj.firstAnswer(cmd.n)
	end := cmd.started.Add(cmd.took)
	if firstAnswer.IsZero() {
		firstAnswer = end
	}
	for _, e := range events {
		if e.Kind != Outage {
			continue
		}
		outEnd := e.End
		if outEnd.IsZero() {
			outEnd = time.Now()
		}
		if e.Start.After(end) || outEnd.Before(started) {
			continue
		}
		if outEnd.After(started.Add(r.opts.OpTimeout - backoffStep - r.opts.RequestTimeout)) {
			return fmt.Sprintf("an outage (%s) ended too close to an operation's deadline", e.Duration)
		}
		if e.Start.Before(firstAnswer) && onlyUnreachableReads(cmd) {
			return fmt.Sprintf("an outage (%s) was under way before the provider had an answer, and only reads failed, unreachable", e.Duration)
		}
	}
	return ""
}

// onlyUnreachableReads reports whether every error of cmd is a read or a
// plan check that reached nothing.
func onlyUnreachableReads(cmd *command) bool {
	reads := map[string]bool{"OpenTact API unreachable": true, "Cannot read the SIP user": true, "Cannot list the SIP users": true, "Cannot find the SIP user": true}
	errs := cmd.errors()
	for _, d := range errs {
		if !reads[d.Summary] || !strings.Contains(d.Detail, "Nothing reached the API") && !strings.Contains(d.Detail, "Nothing has reached the API") {
			return false
		}
	}
	return len(errs) > 0
}
