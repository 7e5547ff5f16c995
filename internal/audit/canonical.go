package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Genesis is the prev of the first record of a chain: 32 zero bytes in hex.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// timeLayout is RFC 3339 with a fixed nine-digit fraction, so that times are
// the same width and sort as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// hashMember opens the last member of every line; with the 64 hex digits and
// the closing `"}` it is hashSuffixLen bytes.
const (
	hashMember    = `,"hash":"`
	hashSuffixLen = len(hashMember) + 64 + len(`"}`)
)

// encodeLine renders r as one log line chained to prev and returns the line
// (with its trailing newline) and its hash. It sets r.Prev and r.Hash.
//
// Canonical bytes, precisely: the record with Hash empty, encoded by
// encoding/json with HTML escaping off and no indentation — that is, a compact
// JSON object whose members are the Record fields in declaration order (time,
// seq, kind, intent, agent, session, host, tool, area, access, dryRun, args,
// planHash, plan, decision, confirmation, requests, outcome, ms, prev), empty
// optional members omitted, and "prev" last. The line on disk is those bytes with `,"hash":"<hex>"`
// inserted before the final `}`; equivalently, the canonical bytes of a line
// are the line minus its trailing `,"hash":"<64 hex>"` member. Verify works
// on the bytes as written and never re-encodes, so the chain does not depend
// on any JSON encoder's choices, and any other program can check it.
//
// hash = lowercase hex of SHA-256( raw 32 bytes of prev ‖ canonical bytes ).
func encodeLine(r *Record, prev string) (line []byte, hash string, err error) {
	r.Prev, r.Hash = prev, ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, "", fmt.Errorf("audit: encode record: %w", err)
	}
	canonical := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	sum, err := chainHash(prev, canonical)
	if err != nil {
		return nil, "", err
	}
	out := make([]byte, 0, len(canonical)+hashSuffixLen+1)
	out = append(out, canonical[:len(canonical)-1]...)
	out = append(out, hashMember...)
	out = append(out, sum...)
	out = append(out, `"}`...)
	out = append(out, '\n')
	r.Hash = sum
	return out, sum, nil
}

// chainHash computes the record hash from the previous hash (hex) and the
// canonical bytes, given in pieces so Verify need not copy a line to drop
// its hash member.
func chainHash(prev string, canonical ...[]byte) (string, error) {
	var raw [32]byte
	if !isHash(prev) {
		return "", fmt.Errorf("audit: prev %q is not 64 lowercase hex digits", prev)
	}
	if _, err := hex.Decode(raw[:], []byte(prev)); err != nil {
		return "", fmt.Errorf("audit: prev: %w", err)
	}
	h := sha256.New()
	h.Write(raw[:])
	for _, c := range canonical {
		h.Write(c)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// lineInfo is what the chain needs from one line.
type lineInfo struct {
	Seq  uint64
	Prev string
	Hash string
	// What verify reports about unfinished intents and the heartbeat.
	Time     string
	Kind     Kind
	Intent   uint64
	Agent    string
	Tool     string
	PlanHash string
	Outcome  Outcome
}

// Errors of checkLine, told apart by Verify to explain a break.
var (
	errTorn      = errors.New("not a complete JSON object")
	errMalformed = errors.New("not an audit record")
	errEdited    = errors.New("hash mismatch")
)

// checkLine parses one line (without its newline) and checks that its hash
// matches its own content and prev. It does not know the previous record;
// linking is the caller's job.
func checkLine(line []byte) (lineInfo, error) {
	if !json.Valid(line) {
		return lineInfo{}, errTorn
	}
	n := len(line)
	if n < hashSuffixLen+2 || line[0] != '{' ||
		string(line[n-hashSuffixLen:n-hashSuffixLen+len(hashMember)]) != hashMember ||
		string(line[n-2:]) != `"}` {
		return lineInfo{}, fmt.Errorf("%w: hash is not the last member", errMalformed)
	}
	hash := string(line[n-hashSuffixLen+len(hashMember) : n-2])
	if !isHash(hash) {
		return lineInfo{}, fmt.Errorf("%w: hash is not 64 lowercase hex digits", errMalformed)
	}
	var fields struct {
		Seq      *uint64 `json:"seq"`
		Prev     *string `json:"prev"`
		Time     string  `json:"time"`
		Kind     Kind    `json:"kind"`
		Intent   uint64  `json:"intent"`
		Agent    string  `json:"agent"`
		Tool     string  `json:"tool"`
		PlanHash string  `json:"planHash"`
		Outcome  Outcome `json:"outcome"`
	}
	if err := json.Unmarshal(line, &fields); err != nil {
		return lineInfo{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if fields.Seq == nil || fields.Prev == nil || !isHash(*fields.Prev) {
		return lineInfo{}, fmt.Errorf("%w: missing seq or prev", errMalformed)
	}
	want, err := chainHash(*fields.Prev, line[:n-hashSuffixLen], []byte("}"))
	if err != nil {
		return lineInfo{}, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if want != hash {
		return lineInfo{}, errEdited
	}
	return lineInfo{Seq: *fields.Seq, Prev: *fields.Prev, Hash: hash, Time: fields.Time, Kind: fields.Kind,
		Intent: fields.Intent, Agent: fields.Agent, Tool: fields.Tool, PlanHash: fields.PlanHash, Outcome: fields.Outcome}, nil
}
