package campaign

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The provider's diagnostics are text{Summary, Detail} values and
// invalidValue(Summary, ...) calls; their summaries are read from its
// source, so the catalogue cannot drift from it. A summary built as
// "literal" + name is kept as a prefix.
var summaryLiteral = regexp.MustCompile(`(?:text\{|invalidValue\()("(?:[^"\\]|\\.)*")( \+)?`)

// Catalogue is the error summaries the provider's source can give.
type Catalogue struct {
	Exact    map[string]bool
	Prefixes []string
}

// Has reports whether summary is one of the catalogue's.
func (c Catalogue) Has(summary string) bool {
	if c.Exact[summary] {
		return true
	}
	for _, p := range c.Prefixes {
		if strings.HasPrefix(summary, p) {
			return true
		}
	}
	return false
}

// ReadCatalogue reads the summaries of the provider's source in dir (its
// internal/provider), test files left out.
func ReadCatalogue(dir string) (Catalogue, error) {
	c := Catalogue{Exact: map[string]bool{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return c, err
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		raw, err := os.ReadFile(f) //nolint:gosec // a file this package names
		if err != nil {
			return c, err
		}
		for _, m := range summaryLiteral.FindAllStringSubmatch(string(raw), -1) {
			s, err := strconv.Unquote(m[1])
			switch {
			case err != nil:
			case m[2] != "":
				c.Prefixes = append(c.Prefixes, s)
			default:
				c.Exact[s] = true
			}
		}
	}
	return c, nil
}
