package provider

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// genderValidator accepts one of the API's gender values, exact spelling
// and case. A value that differs from one only in case, spacing or
// punctuation is told the one it means.
type genderValidator struct{}

func (genderValidator) Description(context.Context) string {
	return "value must be one of the API's 50 gender values, exact spelling and case"
}

func (v genderValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (genderValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || slices.Contains(genders, req.ConfigValue.ValueString()) {
		return
	}
	got := req.ConfigValue.ValueString()
	meant := closeGender(got)
	var withWord []string
	if meant == "" {
		withWord = gendersWithWords(got)
	}
	notAGender(req.Path, got, meant, withWord).addError(&resp.Diagnostics, req.Path)
}

// gendersWithWords are the allowed values that hold every word of s, in
// any case ("female" is in "Cis Female" and "Male to Female", not in
// "Transfeminine"), in the API's order; nil when s has no word.
func gendersWithWords(s string) []string {
	want := genderWords(s)
	if len(want) == 0 {
		return nil
	}
	var out []string
	for _, g := range genders {
		words := genderWords(g)
		if !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(words, w) }) {
			out = append(out, g)
		}
	}
	return out
}

// genderWords are the words of s in lower case, split at anything that is
// not a letter or a digit ("Two-Spirit" is "two" and "spirit").
func genderWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// closeGender is the allowed value that s equals once case, spaces and
// punctuation are ignored, or "".
func closeGender(s string) string {
	want := normalGender(s)
	for _, g := range genders {
		if normalGender(g) == want {
			return g
		}
	}
	return ""
}

// normalGender is s in lower case, letters and digits only.
func normalGender(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
