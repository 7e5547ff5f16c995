package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/transparency-dev/merkle/proof"
)

// Proof shows that one record is in the log a checkpoint signed: the record's
// line, its place in the tree, the RFC 6962 inclusion path and the signed
// checkpoint. Anyone with the verifier key can check it (CheckProof, or any
// RFC 6962 and signed-note implementation) without the log itself, so a
// change ticket can carry it.
type Proof struct {
	Seq        uint64   `json:"seq"`
	Record     string   `json:"record"`
	LeafIndex  uint64   `json:"leafIndex"`
	TreeSize   uint64   `json:"treeSize"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint string   `json:"checkpoint"`
}

// Prove builds the proof of record seq against the smallest valid checkpoint
// that covers it and that the log reproduces.
func Prove(o AnchorOptions, seq uint64, paths ...string) (*Proof, error) {
	if o.Verifier == nil {
		return nil, errors.New("audit: prove: no verifier key")
	}
	rep, err := Verify(paths...)
	if err != nil {
		return nil, err
	}
	if len(rep.Chains) == 0 || rep.Chains[len(rep.Chains)-1].FirstSeq != 1 {
		return nil, errors.New("audit: prove: the files given do not hold a chain from record 1 (give the rotated files too)")
	}
	c := rep.Chains[len(rep.Chains)-1]
	if uint64(len(c.leaves)) < seq || seq == 0 {
		return nil, fmt.Errorf("audit: prove: record %d is not in the verified log (it has %d records)", seq, len(c.leaves))
	}
	var cps []Checkpoint
	for _, msg := range o.Checkpoints {
		if cp, err := openCheckpoint(msg, o.Verifier); err == nil && cp.Size >= seq && cp.Size <= uint64(len(c.leaves)) {
			cps = append(cps, cp)
		}
	}
	var best *Checkpoint
	for i := range cps {
		cp := &cps[i]
		if (best == nil || cp.Size < best.Size) && bytes.Equal(rootOf(c.leaves[:cp.Size]), cp.Root) {
			best = cp
		}
	}
	if best == nil {
		return nil, fmt.Errorf("audit: prove: no valid checkpoint that the log reproduces covers record %d yet (wait for the next checkpoint)", seq)
	}
	nodes, err := proof.Inclusion(seq-1, best.Size)
	if err != nil {
		return nil, err
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		a, b := id.Index<<id.Level, (id.Index+1)<<id.Level
		hashes[i] = rootOf(c.leaves[a:b])
	}
	if hashes, err = nodes.Rehash(hashes, hasher.HashChildren); err != nil {
		return nil, err
	}
	line, err := recordLine(c.Files, seq)
	if err != nil {
		return nil, err
	}
	return &Proof{Seq: seq, Record: string(line), LeafIndex: seq - 1, TreeSize: best.Size, Hashes: hashes, Checkpoint: best.Note}, nil
}

// CheckProof verifies a proof with the verifier key alone.
func CheckProof(p *Proof, o AnchorOptions) (Checkpoint, error) {
	cp, err := openCheckpoint([]byte(p.Checkpoint), o.Verifier)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: proof's checkpoint does not verify: %w", err)
	}
	if cp.Size != p.TreeSize {
		return Checkpoint{}, fmt.Errorf("audit: proof is for tree size %d but its checkpoint signs %d", p.TreeSize, cp.Size)
	}
	info, err := checkLine([]byte(p.Record))
	if err != nil || info.Seq != p.Seq || p.LeafIndex != p.Seq-1 {
		return Checkpoint{}, fmt.Errorf("audit: the proof's record is not record %d of a chain", p.Seq)
	}
	if err := proof.VerifyInclusion(hasher, p.LeafIndex, p.TreeSize, leafHash([]byte(p.Record)), p.Hashes, cp.Root); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: record %d is not in the checkpointed log: %w", p.Seq, err)
	}
	return cp, nil
}

// recordLine finds the line of record seq in files.
func recordLine(files []string, seq uint64) ([]byte, error) {
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		r := bufio.NewReaderSize(f, 64<<10)
		for {
			raw, rerr := r.ReadBytes('\n')
			line := bytes.TrimSuffix(raw, []byte("\n"))
			if info, err := checkLine(line); err == nil && info.Seq == seq {
				f.Close()
				return line, nil
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				f.Close()
				return nil, rerr
			}
		}
		f.Close()
	}
	return nil, fmt.Errorf("audit: record %d not found", seq)
}

// MarshalProof renders a proof for a file or a ticket.
func MarshalProof(p *Proof) ([]byte, error) { return json.MarshalIndent(p, "", "  ") }
