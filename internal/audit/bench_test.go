package audit

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func benchAppend(b *testing.B, opts Options, parallel bool) {
	l := openLog(b, opts)
	// Each Append is one tool call's, begun as the server begins it.
	call := func(i int) error {
		ctx, end := l.Begin(context.Background())
		defer end()
		return l.Append(ctx, sampleRecord(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if err := call(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for i := 0; b.Loop(); i++ {
			if err := call(i); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	l.Close()
}

// BenchmarkAppendSyncAlways: one fsync per acknowledged batch, no waiting.
// Serial is the latency of one audited call; parallel shows the natural
// group commit.
func BenchmarkAppendSyncAlways(b *testing.B) {
	b.Run("serial", func(b *testing.B) { benchAppend(b, Options{Sync: SyncAlways}, false) })
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(16) // an MCP server has many calls in flight per core
		benchAppend(b, Options{Sync: SyncAlways}, true)
	})
}

// BenchmarkAppendSyncBatch: concurrent Appends share one fsync per window.
// Serial is one caller at a time: nothing else is in flight, so its batch
// ends with its own record and it waits for one fsync, not the window.
func BenchmarkAppendSyncBatch(b *testing.B) {
	b.Run("serial/window="+DefaultBatchWindow.String(), func(b *testing.B) {
		benchAppend(b, Options{Sync: SyncBatch}, false)
	})
	for _, w := range []time.Duration{time.Millisecond, DefaultBatchWindow} {
		b.Run("parallel/window="+w.String(), func(b *testing.B) {
			b.SetParallelism(16) // an MCP server has many calls in flight per core
			benchAppend(b, Options{Sync: SyncBatch, BatchWindow: w}, true)
		})
	}
}

func BenchmarkRedact(b *testing.B) {
	type role struct {
		RoleName     string `json:"roleName"`
		DatabaseName string `json:"databaseName"`
	}
	type input struct {
		ProjectID    string          `json:"projectId"`
		Username     string          `json:"username"`
		Password     string          `json:"password"`
		DatabaseName string          `json:"databaseName"`
		Roles        []role          `json:"roles"`
		Labels       map[string]any  `json:"labels"`
		Body         json.RawMessage `json:"body,omitempty"`
	}
	in := input{
		ProjectID: "5f1a2b3c4d5e6f7a8b9c0d1e", Username: "app", Password: "hunter2hunter2", DatabaseName: "admin",
		Roles:  []role{{"readWrite", "app"}, {"read", "reporting"}},
		Labels: map[string]any{"team": "data", "uri": "mongodb+srv://app:pw@c0.x.mongodb.net"},
		Body:   json.RawMessage(`{"scopes":[{"name":"c0","type":"CLUSTER"}],"password":"x"}`),
	}
	secrets := []string{"client-secret-value", "private-api-key-value"}
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(in, secrets)
	}
}

func BenchmarkVerify(b *testing.B) {
	path := b.TempDir() + "/audit.jsonl"
	writeRecords(b, path, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if rep, err := Verify(path); err != nil || !rep.OK {
			b.Fatal(err, rep)
		}
	}
}

// BenchmarkAppendAnchored: the cost of keeping the Merkle tree and signing a
// checkpoint every 100 records into a file sink, against plain Append.
func BenchmarkAppendAnchored(b *testing.B) {
	s, _ := testKeys(b)
	b.Run("plain", func(b *testing.B) { benchAppend(b, Options{Sync: SyncAlways}, false) })
	b.Run("anchored-every-100", func(b *testing.B) {
		benchAppend(b, Options{Sync: SyncAlways, Signer: s, Sinks: []Sink{&FileSink{Path: b.TempDir() + "/cp.jsonl"}}, CheckpointInterval: time.Hour}, false)
	})
}

// BenchmarkCheckpoint: one checkpoint of a 1M-record tree: root from the
// compact range and an Ed25519 signed note (delivery not included).
func BenchmarkCheckpoint(b *testing.B) {
	s, _ := testKeys(b)
	t := newTree()
	for i := range 1 << 20 {
		t.add([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := signCheckpoint(s, t, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIntentRecord: what the intent adds to a write call — one more
// durable Append (record, free-space check, fsync).
func BenchmarkIntentRecord(b *testing.B) {
	l := openLog(b, Options{Sync: SyncAlways})
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r := sampleRecord(i)
		r.Kind, r.PlanHash, r.Plan = KindIntent, Genesis, r.Args
		if err := l.Append(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
