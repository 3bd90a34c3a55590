package provider

import "testing"

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
