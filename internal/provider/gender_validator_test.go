package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The 50 values stay distinct once case, spacing and punctuation are
// ignored, so "did you mean" always has one answer.
func TestGendersAreDistinctWhenNormalised(t *testing.T) {
	seen := map[string]string{}
	for _, g := range genders {
		if prior, ok := seen[normalGender(g)]; ok {
			t.Errorf("%q and %q are the same once normalised", prior, g)
		}
		seen[normalGender(g)] = g
	}
	if len(genders) != 50 {
		t.Errorf("%d gender values, want the API's 50", len(genders))
	}
	for got, want := range map[string]string{"cis woman": "Cis Woman", "CIS-WOMAN": "Cis Woman", "two spirit": "Two-Spirit", "ftm": "FTM", "robot": "", "Cis Wo": ""} {
		if meant := closeGender(got); meant != want {
			t.Errorf("closeGender(%q) = %q, want %q", got, meant, want)
		}
	}
}

func TestDateTimeFor(t *testing.T) {
	for got, want := range map[string]string{
		"1990-04-01": "1990-04-01T00:00:00Z", "1990-04-01T08:30:00": "1990-04-01T08:30:00Z", "1990-04-01 08:30:00": "1990-04-01T08:30:00Z",
		"01/04/1990": "", "first of April": "",
	} {
		if meant := dateTimeFor(got); meant != want {
			t.Errorf("dateTimeFor(%q) = %q, want %q", got, meant, want)
		}
	}
}

// A gender that is no value and close to none, but a word some values hold,
// is told those values (in any case, whole words only, at most six and
// "…"); a gender far from every value is told where the list is, with no
// link to a page that is not published.
func TestGenderWordNamesTheValues(t *testing.T) {
	for got, want := range map[string][]string{
		"female":       {`Values with that word: "Cis Female", "Cisgender Female", "Female to Male", "Male to Female", "Trans Female", "Transgender Female", … (7 in all).`},
		"Male":         {`Values with that word: "Cis Male", "Cisgender Male", "Female to Male", "Male to Female", "Trans Male", "Transgender Male", … (7 in all).`},
		"person":       {`Values with that word: "Trans Person", "Transgender Person", "Transsexual Person".`},
		"SPIRIT":       {`Values with that word: "Two-Spirit".`},
		"female trans": {`Values with that word: "Trans Female".`},
		"robot":        {"none is close to it or holds it as a word", "under gender in the opentact_sip_user resource's documentation (docs/resources/sip_user.md"},
		"fem":          {"none is close to it"},
	} {
		var resp validator.StringResponse
		genderValidator{}.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("gender"), ConfigValue: types.StringValue(got)}, &resp)
		if resp.Diagnostics.ErrorsCount() != 1 {
			t.Fatalf("%q: %d errors, want 1", got, resp.Diagnostics.ErrorsCount())
		}
		detail := resp.Diagnostics[0].Detail()
		says(t, got, detail, append(want, fmt.Sprintf("Attribute gender is %q", got))...)
		if strings.Contains(detail, "registry.terraform.io") || strings.Contains(detail, "did you mean") {
			t.Errorf("%q: %s", got, detail)
		}
	}
	if words := gendersWithWords("female"); slices.Contains(words, "Transfeminine") || !slices.Contains(words, "Female to Male") {
		t.Errorf("gendersWithWords(female) = %v: whole words only", words)
	}
}
