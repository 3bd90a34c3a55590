package provider

import "testing"

func TestPasswordWeakness(t *testing.T) {
	const login = "alice001"
	hints := []string{"Alice", "Liddell", "alice@example.com"}
	for password, want := range map[string]weakness{
		"p":               tooShort,
		"Summer2024!":     tooShort, // 11 characters
		"ÄÖÜäöüßÄÖÜä":     tooShort, // 11 characters, 22 bytes
		"xxALICE001yyzz":  containsLogin,
		"12345678901234":  commonPattern,
		"password1234":    commonPattern,
		"Liddell19900401": commonPattern, // a name and a date
		"qwertyuiopasdf":  commonPattern, // a keyboard row
		// zxcvbn's score 3 (10^8 to 10^10 guesses) is weak too: a word or
		// name, a year and a symbol or two.
		"Summer2024!x":                 commonPattern,
		"Password!2024x":               commonPattern,
		"JohnSmith1985!":               commonPattern,
		"Winter2023!ab":                commonPattern,
		"Dragon!1985Pw":                commonPattern,
		"q7#Vt9!mZr2@Lx4p":             notWeak,
		"correct horse battery staple": notWeak,
		// The whole is judged, not a start that cuts a word: the first ten
		// or twelve characters of these look random to the estimator.
		"conversation1":                        commonPattern,
		"xconversation":                        commonPattern,
		"Responsibility2024":                   commonPattern,
		"password1234" + "q7#Vt9!mZr2@Lx4pW8$": notWeak,
		"password1234" + "5678":                commonPattern,
		// Past estimatedRunes characters, the first ones are judged: what
		// follows cannot be read at a cost a plan of a thousand users bears.
		"q7#Vt9!mZr2@" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": notWeak,
		"passwordpasswordpassword" + "q7#Vt9!mZr2@Lx4pW8$":                                                          commonPattern,
	} {
		if got := passwordWeakness(password, login, hints); got != want {
			t.Errorf("passwordWeakness(%q) = %d, want %d", password, got, want)
		}
	}
}

func BenchmarkPasswordWeaknessStrong16(b *testing.B) {
	for b.Loop() {
		if passwordWeakness("q7#Vt9!mZr2@Lx4p", "alice001", []string{"Alice", "alice@example.com"}) != notWeak {
			b.Fatal("weak")
		}
	}
}

func BenchmarkPasswordWeaknessStrong32(b *testing.B) {
	for b.Loop() {
		if passwordWeakness("q7#Vt9!mZr2@Lx4pW8$kN3^bT6&yH1*j", "alice001", nil) != notWeak {
			b.Fatal("weak")
		}
	}
}
