package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Defaults of the record bounds. A value over DefaultMaxValueBytes is kept as
// its size and digest: that still proves what was sent (hash the bytes you
// hold and compare) without letting one caller fill the disk with junk
// arguments, which refused calls would otherwise record in full.
const (
	DefaultMaxValueBytes  = 4 << 10
	DefaultMaxRecordBytes = 64 << 10
	DefaultReserveBytes   = 16 << 20
)

// digestOf is what replaces an oversized value in a record.
func digestOf(b []byte) map[string]any {
	sum := sha256.Sum256(b)
	return map[string]any{
		"omitted": fmt.Sprintf("value of %d bytes, over the audit limit", len(b)),
		"bytes":   len(b),
		"sha256":  hex.EncodeToString(sum[:]),
	}
}

// bound replaces every string longer than limit in a redacted value (maps,
// slices, strings, numbers, as Redact returns it) by its digest. Containers
// are walked, not digested whole, so the small fields that say what the call
// was about stay readable.
func bound(v any, limit int) any {
	switch x := v.(type) {
	case string:
		if len(x) > limit {
			return digestOf([]byte(x))
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = bound(e, limit)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = bound(e, limit)
		}
		return out
	}
	return v
}
