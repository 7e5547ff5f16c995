package policy

import (
	"os"
	"strings"
	"testing"
)

// TestDocExampleParses keeps the documented file format honest: the full example
// in doc.go (which the README copies) must load, with the catalogue.
func TestDocExampleParses(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var yaml []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "//\tversion: 1"):
			in = true
		case in && !strings.HasPrefix(line, "//\t") && line != "//":
			in = false
		}
		if in {
			yaml = append(yaml, strings.TrimPrefix(strings.TrimPrefix(line, "//"), "\t"))
		}
	}
	if len(yaml) < 40 {
		t.Fatalf("found only %d lines of the example", len(yaml))
	}
	p, err := Parse([]byte(strings.Join(yaml, "\n")), "doc.go example", testOpts())
	if err != nil {
		t.Fatal(err)
	}
	a := p.DefaultAgent()
	if a == nil || a.Name != "ci-bot" || !a.HasToken() {
		t.Fatalf("default agent %+v", a)
	}
	if got := p.AgentByToken("ci-bot-token-0123456789"); got != a {
		t.Error("the example's tokenSha256 is not the documented token's")
	}
}
