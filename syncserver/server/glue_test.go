package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHandlersOpenNoTransaction keeps syncserver/server HTTP glue: no
// non-test file calls .View( or .Update( (a store transaction) or names
// store.Tx; the use-case packages own their transactions. server.go,
// which builds the server on the opened store, is the one exception.
func TestHandlersOpenNoTransaction(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "server.go" {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, pos := range transactionUses(fset, f) {
			t.Errorf("%s: a handler file opens a store transaction or names store.Tx: move it into a use-case package", pos)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d files checked: is the test run from the package directory?", checked)
	}
}

// TestGlueGuardCatches: the guard's detection finds a transaction and a
// store.Tx in a handler written the old way (so a rename cannot make the
// guard above pass vacuously).
func TestGlueGuardCatches(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      bool
	}{
		{"view", `package x; func f() { s.store.View(func(tx int) error { return nil }) }`, true},
		{"update", `package x; func f() { s.store.Update(nil) }`, true},
		{"tx type", `package x; import "appariement/syncserver/store"; var _ store.Tx`, true},
		{"renamed store", `package x; import st "appariement/syncserver/store"; var _ st.Tx`, true},
		{"use case", `package x; func f() { s.accounts.Signer("I1") }`, false},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), c.name+".go", c.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := len(transactionUses(token.NewFileSet(), f)) > 0
		if found != c.want {
			t.Errorf("%s: found %v, want %v", c.name, found, c.want)
		}
	}
}

// transactionUses returns the positions in f of calls of a method named
// View or Update and of the selector store.Tx (under the store package's
// local name).
func transactionUses(fset *token.FileSet, f *ast.File) []token.Position {
	storeName := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"appariement/syncserver/store"` {
			storeName = "store"
			if imp.Name != nil {
				storeName = imp.Name.Name
			}
		}
	}
	var out []token.Position
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "View" || sel.Sel.Name == "Update") {
				out = append(out, fset.Position(n.Pos()))
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && storeName != "" && id.Name == storeName && n.Sel.Name == "Tx" {
				out = append(out, fset.Position(n.Pos()))
			}
		}
		return true
	})
	return out
}
