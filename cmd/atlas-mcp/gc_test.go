package main

import (
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target (SetGCPercent returns the old one).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// Over stdio the collector is relaxed until the host has its tools, then
// tightened; an operator's GOGC or GOMEMLIMIT leaves both alone.
func TestStdioGCRelaxesStartupThenTightens(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	done := stdioGC(&config{lookupEnv: env(nil)})
	if done == nil || gcPercent() != startupGCPercent {
		t.Fatalf("start-up target %d, want %d", gcPercent(), startupGCPercent)
	}
	done()
	if gcPercent() != stdioGCPercent {
		t.Fatalf("after start-up %d, want %d", gcPercent(), stdioGCPercent)
	}
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		debug.SetGCPercent(77)
		if done := stdioGC(&config{lookupEnv: env(map[string]string{name: "200"})}); done != nil || gcPercent() != 77 {
			t.Fatalf("with %s set the target was changed to %d", name, gcPercent())
		}
	}
}
