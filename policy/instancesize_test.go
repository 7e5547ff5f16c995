package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A limit must name a tier Atlas offers: M31 orders between M30 and M40 but
// is a typo, refused at load with the valid tiers listed.
func TestMaxInstanceSizeMustBeAnAtlasTier(t *testing.T) {
	load := func(size string) error {
		path := filepath.Join(t.TempDir(), "p.yaml")
		body := "version: 1\nagents:\n  a: {default: true}\nconstraints:\n  clusters:\n    maxInstanceSize: " + size + "\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, Options{})
		return err
	}
	for _, bad := range []string{"M31", "M15", "R45", "M35_NVME", "M30_GEN_2"} {
		err := load(bad)
		if err == nil {
			t.Errorf("maxInstanceSize: %s loaded", bad)
			continue
		}
		for _, want := range []string{"line 6", `"` + bad + `" is not an instance size`, "M10, M20, M30, M40", "R700", "FLEX"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("maxInstanceSize: %s: error %q lacks %q", bad, err, want)
			}
		}
	}
	for _, good := range []string{"M30", "m10", "R40", "M40_NVME", "M40_LOW_CPU", "FLEX", "M0"} {
		if err := load(good); err != nil {
			t.Errorf("maxInstanceSize: %s: %v", good, err)
		}
	}
}
