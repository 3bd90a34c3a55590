package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// What RFC 3261 allows unescaped in a SIP URI's user part passes; anything
// else is one error on login that names the character, where it is, and
// the allowed set. Unknown logins wait for the apply's plan.
func TestUsableLogin(t *testing.T) {
	for _, ok := range []string{"alice001", "desk.dana", "a-b_c.d!e~f*g'h(i)j", "k&l=m+n$o,p;q?r/s", "ALICE001", "1234567"} {
		var diags diag.Diagnostics
		if !usableLogin(types.StringValue(ok), &diags) || diags.HasError() {
			t.Errorf("%q refused: %v", ok, diags)
		}
	}
	for login, where := range map[string]string{
		"bad user":      "which has a space at character 4.",
		" leading1":     "which has a space at character 1.",
		"trailing1 ":    "which has a space at the end.",
		"tab\tuser":     "which has a tab at character 4.",
		"new\nline1":    "which has white space (U+000A) at character 4.",
		"bell\auser":    "which has a control character (U+0007) at character 5.",
		"a@b.example":   "which has '@' at character 2.",
		"a:bcdefg":      "which has ':' at character 2.",
		"per%cent1":     "which has '%' at character 4.",
		"caf\u00e9user": "which has 'é' at character 4.",
	} {
		var diags diag.Diagnostics
		if usableLogin(types.StringValue(login), &diags) || diags.ErrorsCount() != 1 {
			t.Errorf("%q passed, or gave %d errors", login, diags.ErrorsCount())
			continue
		}
		d := diags[0]
		says(t, login, d.Summary()+"\n"+d.Detail(), "Login not usable by SIP phones", where,
			"user part of its SIP URI", "login:realm:password", "only ASCII letters and digits and -_.!~*'()&=+$,;?/ are allowed unescaped",
			`More in the troubleshooting guide, "Login not usable by SIP phones".`)
		if at, ok := d.(diag.DiagnosticWithPath); !ok || !at.Path().Equal(path.Root("login")) {
			t.Errorf("%q: the error is not on login", login)
		}
		if strings.Count(strings.TrimSuffix(d.Detail(), "\n\nTo destroy this configuration anyway: terraform destroy -refresh=false."), "\n") != 0 {
			t.Errorf("%q: the detail has a raw line break: %s", login, d.Detail())
		}
	}
	var diags diag.Diagnostics
	if !usableLogin(types.StringUnknown(), &diags) || !usableLogin(types.StringNull(), &diags) || len(diags) != 0 {
		t.Errorf("an unknown or null login was judged: %v", diags)
	}
}
