package provider

import "testing"

func TestPasswordWeakness(t *testing.T) {
	const login = "alice001"
	hints := []string{"Alice", "Liddell", "alice@example.com"}
	for password, want := range map[string]weakness{
		"p":                            tooShort,
		"Summer2024!":                  tooShort, // 11 characters
		"ÄÖÜäöüßÄÖÜä":                  tooShort, // 11 characters, 22 bytes
		"xxALICE001yyzz":               containsLogin,
		"12345678901234":               commonPattern,
		"password1234":                 commonPattern,
		"Liddell19900401":              commonPattern, // a name and a date
		"qwertyuiopasdf":               commonPattern, // a keyboard row
		"q7#Vt9!mZr2@Lx4p":             notWeak,
		"correct horse battery staple": notWeak,
		// A strong start is not undone by what follows, and a weak start
		// is judged on the whole.
		"q7#Vt9!mZr2@" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": notWeak,
		"password1234" + "q7#Vt9!mZr2@Lx4pW8$": notWeak,
		"password1234" + "5678":                commonPattern,
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
