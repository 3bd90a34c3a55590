package provider_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// terraform-plugin-testing runs no Check and no ConfigStateChecks in a
// PlanOnly step (and refuses its ConfigPlanChecks.PreApply): such a check
// passes whatever the provider does. A step's own plans are checked with
// ConfigPlanChecks (PostApplyPreRefresh, PostApplyPostRefresh), what came
// before with the next step's PreConfig.
func TestTestStepsRunTheirChecks(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files found (%v)", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok || !hasField(lit, "PlanOnly") {
				return true
			}
			for _, never := range []string{"Check", "ConfigStateChecks"} {
				if hasField(lit, never) {
					t.Errorf("%s: a PlanOnly step with %s, which never runs", fset.Position(lit.Pos()), never)
				}
			}
			return true
		})
	}
}

// hasField reports whether the composite literal sets the field, to any
// value but false.
func hasField(lit *ast.CompositeLit, field string) bool {
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, ok := kv.Key.(*ast.Ident); ok && key.Name == field {
			value, isIdent := kv.Value.(*ast.Ident)
			return !isIdent || value.Name != "false"
		}
	}
	return false
}
