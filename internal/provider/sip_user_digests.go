package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// A password changed outside Terraform (in the portal, by another tool) is
// seen by its SIP digests, which every answer carries and which change with
// the password, the login or the realm. The client turns them into a mark
// (opentact.User.DigestMark: two bytes of a salted hash, never the digests);
// the resource's private state keeps the mark of the last write that sent
// the password, and a refresh that reads another one records that the
// digests changed outside Terraform. A user without a mark (imported, or
// written by an older release) is never flagged: it gets one at its next
// write that sends the password.

// Private state keys: the mark of the digests the last write that sent the
// password got back, and whether a refresh found others since.
const (
	privateDigests        = "digests"
	privateDigestsChanged = "digests_changed"
)

// privateData is the resource's private state, as Read, Create and Update
// responses hold it.
type privateData interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
	SetKey(context.Context, string, []byte) diag.Diagnostics
}

// privateReader is the prior private state a plan reads.
type privateReader interface {
	GetKey(context.Context, string) ([]byte, diag.Diagnostics)
}

// keepDigests records the mark of a write that sent the password: the new
// password is the configured one, whatever was found before. An answer
// without digests leaves no mark (the old one no longer fits).
func keepDigests(ctx context.Context, private privateData, mark string) diag.Diagnostics {
	var value []byte
	if mark != "" {
		value, _ = json.Marshal(mark) //nolint:errchkjson // a string always marshals
	}
	diags := private.SetKey(ctx, privateDigests, value)
	diags.Append(private.SetKey(ctx, privateDigestsChanged, nil)...)
	return diags
}

// refreshDigests compares the mark a refresh read with the kept one, and
// records the verdict. It reports whether the digests changed outside
// Terraform. Without a kept mark nothing is flagged; an answer without
// digests keeps the last verdict.
func refreshDigests(ctx context.Context, private privateData, mark string) (bool, diag.Diagnostics) {
	kept, diags := keptDigests(ctx, private)
	switch {
	case kept == "":
		return false, diags
	case mark == "":
		return digestsChanged(ctx, private), diags
	case mark == kept:
		diags.Append(private.SetKey(ctx, privateDigestsChanged, nil)...)
		return false, diags
	}
	diags.Append(private.SetKey(ctx, privateDigestsChanged, []byte("true"))...)
	return true, diags
}

func keptDigests(ctx context.Context, private privateReader) (string, diag.Diagnostics) {
	raw, diags := private.GetKey(ctx, privateDigests)
	var mark string
	if len(raw) > 0 && json.Unmarshal(raw, &mark) != nil {
		mark = ""
	}
	return mark, diags
}

// digestsChanged reports whether the last refresh found the digests
// changed outside Terraform.
func digestsChanged(ctx context.Context, private privateReader) bool {
	if private == nil {
		return false
	}
	raw, _ := private.GetKey(ctx, privateDigestsChanged)
	return string(raw) == "true"
}
