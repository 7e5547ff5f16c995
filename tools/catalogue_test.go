package tools

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// An Atlas operation is written once, in atlasclient's operations table:
// tools name it by its ID, in the spec and in every request they build.
// Nothing in this package spells a method or a path template, so a spec's
// access and permission cannot disagree with what its requests do.
func TestToolsNameOperationsOnlyByID(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && (k.Name == "Method" || k.Name == "Template") {
					if sel, ok := x.Value.(*ast.SelectorExpr); ok && sel.Sel.Name != "Method" || isString(x.Value) {
						t.Errorf("%s: %s: sets %s; name the operation with Op: atlasclient.<ID>", fset.Position(x.Pos()), name, k.Name)
					}
				}
			case *ast.BasicLit:
				if s, err := strconv.Unquote(x.Value); x.Kind == token.STRING && err == nil && (strings.HasPrefix(s, "/groups") || strings.HasPrefix(s, "/orgs")) {
					t.Errorf("%s: path template %q; name the operation by its ID instead", fset.Position(x.Pos()), s)
				}
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "http" && strings.HasPrefix(x.Sel.Name, "Method") {
					t.Errorf("%s: http.%s; the operation's method is in its row", fset.Position(x.Pos()), x.Sel.Name)
				}
			}
			return true
		})
	}
}

func isString(e ast.Expr) bool {
	l, ok := e.(*ast.BasicLit)
	return ok && l.Kind == token.STRING
}

// Every tool of the catalogue refuses bad input before any request, naming
// the field: an argument it does not have, and a value of the wrong type.
// Every write tool takes dryRun. Iterating All() means a new tool is held to
// this without being listed anywhere.
func TestEveryToolRefusesBadInputAndWritesTakeDryRun(t *testing.T) {
	env := offlineEnv(t, false)
	for _, tool := range All() {
		t.Run(tool.Name, func(t *testing.T) {
			var ve *ValidationError
			_, err := tool.Decode(json.RawMessage(`{"notAnArgument":1}`), env)
			if !errors.As(err, &ve) || ve.Field != "notAnArgument" || ve.Fix == "" {
				t.Errorf("unknown argument: %v", err)
			}
			var schema struct {
				Properties map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
			}
			raw, err := tool.InputSchema()
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &schema); err != nil {
				t.Fatal(err)
			}
			checked := false
			for name, p := range schema.Properties {
				// Scalars only: escape-hatch bodies (json.RawMessage) are
				// typed by prepare, after the required arguments.
				wrong := map[string]string{"string": `1`, "boolean": `"yes"`, "integer": `"1"`}[p.Type]
				if wrong == "" {
					continue
				}
				_, err := tool.Decode(json.RawMessage(`{"`+name+`":`+wrong+`}`), env)
				if !errors.As(err, &ve) || ve.Field != name {
					t.Errorf("%s as %s: %v", name, wrong, err)
				}
				checked = true
			}
			if !checked && len(schema.Properties) > 0 {
				t.Error("no argument was checked for its type")
			}
			_, hasDryRun := schema.Properties["dryRun"]
			if (tool.Access == Write) != hasDryRun {
				t.Errorf("access %s, dryRun argument %v", tool.Access, hasDryRun)
			}
		})
	}
}

// Each area file lists its own tools and the catalogue lists the areas:
// every area of access.Areas is listed, once, in that order, with tools.
func TestCatalogueListsEveryAreaOnce(t *testing.T) {
	var listed []Area
	for _, a := range catalogue() {
		listed = append(listed, a.area)
		if len(a.tools()) == 0 {
			t.Errorf("area %s lists no tools", a.area)
		}
	}
	if fmt.Sprint(listed) != fmt.Sprint(Areas()) {
		t.Errorf("catalogue lists areas %v; access.Areas is %v", listed, Areas())
	}
	_ = All() // panics on a tool listed under an area it does not declare
}
