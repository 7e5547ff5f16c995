package atlassim

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// Every field of the stored state has its twin in the snapshot, so a field
// added to state.go without one fails here instead of being silently lost
// between sandbox calls.
func TestSnapshotCoversEveryStateField(t *testing.T) {
	notStored := map[string]bool{"cluster.gen": true, "cluster.cache": true}
	pairs := []struct{ state, snap any }{
		{state{}, stateSnapshot{}}, {org{}, orgSnap{}}, {project{}, projectSnap{}}, {cluster{}, clusterSnap{}},
		{dbUser{}, dbUserSnap{}}, {accessEntry{}, accessSnap{}}, {snapshot{}, snapshotSnap{}}, {restoreJob{}, restoreSnap{}},
		{apiKey{}, apiKeySnap{}}, {app{}, appSnap{}}, {trigger{}, triggerSnap{}},
	}
	for _, p := range pairs {
		st, sn := reflect.TypeOf(p.state), reflect.TypeOf(p.snap)
		want := 0
		for i := 0; i < st.NumField(); i++ {
			if !notStored[st.Name()+"."+st.Field(i).Name] {
				want++
			}
		}
		got := sn.NumField()
		if sn.Name() == "stateSnapshot" {
			got -= 2 // version, gov
		}
		if got != want {
			t.Errorf("%s has %d stored fields, its snapshot %s %d", st.Name(), want, sn.Name(), got)
		}
	}
}

// A restored simulator answers every read exactly as the original does.
func TestSnapshotRestoreRoundTrip(t *testing.T) {
	for _, gov := range []bool{false, true} {
		t.Run(fmt.Sprintf("gov=%v", gov), func(t *testing.T) {
			a := newHarness(t, Options{Seed: true, Gov: gov, ClusterTransition: -1})
			a.must(http.StatusOK, http.MethodPost, groupPath(DemoProjectID, "/accessList"), []any{map[string]any{"cidrBlock": "10.1.0.0/16", "comment": "vpn"}})
			snap, err := a.sim.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			b := newHarness(t, Options{Gov: gov, ClusterTransition: -1})
			if err := b.sim.Restore(snap); err != nil {
				t.Fatal(err)
			}
			again, err := b.sim.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snap, again) {
				t.Errorf("snapshot → restore → snapshot differs:\n%s\n%s", snap, again)
			}
			for _, path := range []string{
				"/orgs", groupPath(DemoProjectID), groupPath(DemoProjectID, "/clusters"), groupPath(DemoProjectID, "/clusters/prod-analytics"),
				groupPath(DemoProjectID, "/databaseUsers"), groupPath(DemoProjectID, "/accessList"), groupPath(DemoProjectID, "/alerts"),
				groupPath(DemoProjectID, "/alertConfigs"), groupPath(DemoProjectID, "/clusters/prod-analytics/backup/snapshots"),
				"/orgs/" + DemoOrgID + "/apiKeys",
			} {
				// Links name the host each was asked through.
				ra := strings.ReplaceAll(string(a.must(http.StatusOK, http.MethodGet, path, nil).raw), a.srv.URL, "BASE")
				rb := strings.ReplaceAll(string(b.must(http.StatusOK, http.MethodGet, path, nil).raw), b.srv.URL, "BASE")
				if ra != rb {
					t.Errorf("GET %s differs after restore:\n%s\n%s", path, ra, rb)
				}
			}
			// The restored documents still take writes.
			b.must(http.StatusOK, http.MethodPatch, groupPath(DemoProjectID, "/clusters/prod-analytics"), map[string]any{"paused": true})
		})
	}
	other := New(Options{Gov: true})
	snap, _ := New(Options{Seed: true}).Snapshot()
	if err := other.Restore(snap); err == nil {
		t.Error("a commercial snapshot restored into a gov simulator")
	}
	if err := other.Restore([]byte(`{"version":99,"gov":true}`)); err == nil {
		t.Error("a snapshot of an unknown version restored")
	}
}

// persistedHarness is one "process": its own Sim, persisted to path.
func persistedHarness(t *testing.T, path string) *harness {
	t.Helper()
	s := New(Options{Seed: true, ClusterTransition: -1})
	p, err := Persist(s, path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return &harness{t: t, sim: s, srv: srv}
}

// Two simulators sharing one state file behave as one Atlas: what one
// creates, the other finds; a reset brings both back to the demo data.
func TestPersistedStateIsShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "sandbox-state.json")
	a := persistedHarness(t, path)
	a.must(http.StatusCreated, http.MethodPost, groupPath(DemoProjectID, "/clusters"), clusterBody("made-by-a", "AWS", "US_EAST_1", "M10"))

	b := persistedHarness(t, path) // starts after the write: loads it
	b.must(http.StatusOK, http.MethodGet, groupPath(DemoProjectID, "/clusters/made-by-a"), nil)
	b.must(http.StatusAccepted, http.MethodDelete, groupPath(DemoProjectID, "/clusters/staging"), nil)
	// a has been running all along: it sees b's delete on its next request.
	a.must(http.StatusNotFound, http.MethodGet, groupPath(DemoProjectID, "/clusters/staging"), nil)

	removed, err := ResetState(path)
	if err != nil || !removed {
		t.Fatalf("ResetState = %v, %v; want true, nil", removed, err)
	}
	a.must(http.StatusOK, http.MethodGet, groupPath(DemoProjectID, "/clusters/staging"), nil)
	b.must(http.StatusNotFound, http.MethodGet, groupPath(DemoProjectID, "/clusters/made-by-a"), nil)
	if removed, err := ResetState(filepath.Join(t.TempDir(), "none", "x.json")); err != nil || removed {
		t.Errorf("ResetState of nothing = %v, %v; want false, nil", removed, err)
	}
}

// Concurrent writers through two simulators lose nothing: each request reads
// the file, changes it and writes it back under the lock.
func TestPersistedStateConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox-state.json")
	hs := []*harness{persistedHarness(t, path), persistedHarness(t, path)}
	for _, h := range hs {
		h.token()
	}
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := hs[i%2].do(http.MethodPost, groupPath(DemoProjectID, "/accessList"), []any{map[string]any{"cidrBlock": fmt.Sprintf("10.%d.0.0/16", i)}})
			if r.status != http.StatusOK {
				t.Errorf("entry %d: %d %s", i, r.status, r.raw)
			}
		}()
	}
	wg.Wait()
	list := hs[0].must(http.StatusOK, http.MethodGet, groupPath(DemoProjectID, "/accessList")+"?itemsPerPage=500", nil).json(t)
	if got, want := len(list["results"].([]any)), n+2; got != want { // the seed has two entries
		t.Errorf("%d access list entries after %d concurrent writes, want %d", got, n, want)
	}
}

// A state file of the other cloud, or not a snapshot at all, is refused
// with its name and the fix.
func TestPersistRefusesAForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox-state.json")
	gov := New(Options{Gov: true, Seed: true})
	p, err := Persist(gov, path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	h := &harness{t: t, sim: gov, srv: srv}
	h.must(http.StatusOK, http.MethodPost, groupPath(DemoProjectID, "/accessList"), []any{map[string]any{"cidrBlock": "10.9.0.0/16"}})
	if _, err := Persist(New(Options{Seed: true}), path); err == nil {
		t.Error("a gov state file loaded into a commercial simulator")
	} else {
		mustContainStr(t, err.Error(), path, "sandbox reset")
	}
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Persist(New(Options{Seed: true}), path); err == nil {
		t.Error("a state file that is not JSON loaded")
	}
}

func mustContainStr(t *testing.T, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%q does not contain %q", s, w)
		}
	}
}
