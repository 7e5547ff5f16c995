package main

import (
	"bytes"
	"os"
	"testing"
)

// TestCommittedFileIsCurrent fails when requests.json is not what gen makes
// from the vendored spec, so a spec update or a hand edit cannot change what
// the validator refuses without a regenerated, reviewed diff.
func TestCommittedFileIsCurrent(t *testing.T) {
	got, err := Generate("../../../testdata/atlas/atlas-admin-v2-subset-allversions.yaml", "../../../testdata/atlas/operations.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../requests.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("internal/atlasspec/requests.json is stale (%d bytes generated, %d committed): run go generate ./internal/atlasspec", len(got), len(want))
	}
}
