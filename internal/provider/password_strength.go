package provider

import (
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// The strength check of the SIP passwords a plan would send. A guessable
// SIP password is how telephony accounts are robbed: scanners try common
// passwords against every registrar, and one weak extension can place
// thousands of premium-rate calls overnight.

// passwordPolicy is what a plan does with a weak password.
type passwordPolicy string

const (
	policyWarn    passwordPolicy = "warn"
	policyEnforce passwordPolicy = "enforce"
	policyOff     passwordPolicy = "off"
)

// passwordPolicies are the values of password_policy, the default first.
var passwordPolicies = []string{string(policyWarn), string(policyEnforce), string(policyOff)}

// weakness is why a password is guessable, in general terms only: never
// its value, a part of it, its length or the estimator's guess.
type weakness int

const (
	notWeak weakness = iota
	tooShort
	containsLogin
	commonPattern
)

const (
	// minPasswordLength is the shortest password that is not weak, in
	// characters.
	minPasswordLength = 12
	// minScore is the lowest zxcvbn score (0 to 4) that is not weak: 4,
	// the estimator's top score, stands for 10^10 guesses or more. Score 3
	// (10^8 to 10^10: "Summer2024!x", "JohnSmith1985!") is weak: a captured
	// SIP registration is an MD5 digest, which one graphics card tests at
	// billions of guesses a second, and scanners reach 10^8 online in time.
	minScore = 4
	// estimatedRunes bounds what the estimator reads: its cost grows
	// faster than the square of the length (for random characters, about
	// 0.5 ms for 12, 1 to 2 ms for 19, 3 ms for 24, 5 to 13 ms for 32, 40 to
	// 75 ms for 64), and a plan may send a thousand passwords. A longer
	// password is rated by its first estimatedRunes characters.
	estimatedRunes = 24
)

// passwordWeakness rates a password that a plan would send to the user
// with login. hints are the user's other known words (names, e-mail),
// which make a password that contains them guessable.
func passwordWeakness(password, login string, hints []string) weakness {
	switch {
	case utf8.RuneCountInString(password) < minPasswordLength:
		return tooShort
	case login != "" && strings.Contains(strings.ToLower(password), strings.ToLower(login)):
		return containsLogin
	case guessable(password, append(hints[:len(hints):len(hints)], login)):
		return commonPattern
	}
	return notWeak
}

// guessable is zxcvbn's verdict on the password, read up to
// estimatedRunes characters. The whole is estimated, never a shorter prefix
// first: a prefix that cuts a word looks random to the estimator
// ("xconversati"), so a strong prefix says nothing of the whole
// ("xconversation").
func guessable(password string, hints []string) bool {
	if runes := []rune(password); len(runes) > estimatedRunes {
		password = string(runes[:estimatedRunes])
	}
	return zxcvbn.PasswordStrength(password, hints).Score < minScore
}
