package tools

import (
	"encoding/json"
	"testing"
)

// decodeInputs are typical arguments: a flat create-cluster and a paged
// list-clusters.
var decodeInputs = []struct{ tool, args string }{
	{"atlas-create-cluster", `{"projectId":"5f1b2c3d4e5f6a7b8c9d0e1f","clusterName":"orders-prod","providerName":"AWS","regionName":"US_EAST_1","instanceSize":"M30","nodeCount":3,"mongoDBMajorVersion":"8.0","dryRun":true}`},
	{"atlas-list-clusters", `{"projectId":"5f1b2c3d4e5f6a7b8c9d0e1f","pageNum":2,"itemsPerPage":50}`},
}

// BenchmarkDecode is one call's decode: the key check, the schema validation
// and the strict decode with prepare. The schema is compiled before the
// timer starts (BenchmarkDecodeFirstCall measures that).
func BenchmarkDecode(b *testing.B) {
	env := offlineEnv(b, false)
	for _, in := range decodeInputs {
		tool := Find(All(), in.tool)
		raw := json.RawMessage(in.args)
		if _, err := tool.Decode(raw, env); err != nil {
			b.Fatal(err)
		}
		b.Run(in.tool, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tool.Decode(raw, env); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The schema validation's share of it.
		b.Run(in.tool+"/schema-only", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := tool.validateArgs(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeFirstCall is what a tool's first call pays once: compiling
// its committed input schema.
func BenchmarkDecodeFirstCall(b *testing.B) {
	for _, in := range decodeInputs {
		b.Run(in.tool, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := compileInput(in.tool); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
