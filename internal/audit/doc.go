// Package audit is atlas-mcp's tamper-evident, append-only record of every
// tool call, allowed or refused, plus the redaction that keeps secrets out
// of it and out of logs. It knows nothing of MCP, HTTP or Atlas.
//
// # Format
//
// One JSON object per line (JSON Lines), one line per tool call; every line
// is a record. Keys appear in a fixed order (see Record) and "hash" is always
// the last member. Times are RFC 3339 UTC with nine fractional digits.
//
// # Chain
//
// Each record carries prev (the previous record's hash) and hash:
//
//	hash = hex(SHA-256(raw 32 bytes of prev ‖ canonical bytes))
//
// where the canonical bytes are the line itself without its trailing
// `,"hash":"<64 hex>"` member (and without the newline) — which is exactly
// the record encoded by encoding/json with Hash empty. Hashing the bytes as
// written, instead of a re-encoding, lets any program check a log. The first
// record of a chain has seq 1 and prev Genesis (64 zeros). Editing a record
// breaks its hash; removing or reordering one breaks the next record's prev;
// a forged sequence number breaks the seq+1 rule.
//
// The chain alone proves integrity against partial edits, not against
// someone who rewrites the whole file from the point of the edit onwards, nor
// against cutting records off the end. That is what checkpoints are for
// (Options.Signer, Options.Sinks): an RFC 6962 Merkle tree over every record
// of the chain (leaf i is the line of record i+1 as written), whose size and
// root are signed as C2SP tlog-checkpoint notes every CheckpointEvery
// records, every CheckpointInterval even when idle, at Open and at Close, and
// kept apart from the log. VerifyAnchored holds the log to them.
//
// # Writes: intent and outcome
//
// A call that sends a write to Atlas leaves two records: an intent
// (KindIntent, durable before the first request leaves) and an outcome
// (KindOutcome) whose Intent is the intent's seq. An intent without an
// outcome is Report.Unfinished: the process stopped in between.
//
// # Bounds
//
// Values over MaxValueBytes are recorded as size and SHA-256, records over
// MaxRecordBytes keep only digests, and an intent is refused while less than
// ReserveBytes are free on the log's filesystem.
//
// # Rotation
//
// With Options.MaxBytes, the live file is renamed to <name>.<UTC timestamp>
// (see Files) and a new file begins. The chain does not restart: the new
// file's first record has the next seq and the old file's last hash as prev.
// Verify of the new file alone therefore fails at line 1 with
// BreakContinuation ("chains from a previous file"); verify Files(path) to
// check the whole chain. Deleting old rotated files is a retention choice
// that this check makes visible on purpose.
//
// # Crashes and torn lines
//
// Append returns only after the record is written and fsynced. A crash during
// a write can leave an incomplete last line. Open never truncates it (it is
// evidence of the crash): the writer resumes the chain from the last complete
// record and starts a new line. Verify reports such a line in Report.Torn
// and does not fail for it, provided the next record chains from the record
// before it; an unreadable line that the chain does not cross is damage
// (BreakDamaged). See Report for the exit codes of `audit verify`.
//
// # Several processes
//
// Two atlas-mcp processes (two MCP hosts with the default path) may share a
// file: each batch is written under an exclusive flock after re-reading
// whatever the other process appended, and a rotation by one is followed by
// the other, so the file holds one chain. (Without flock, on non-Unix
// systems, one writer per file.)
package audit
