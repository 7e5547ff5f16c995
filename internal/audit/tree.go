package audit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The Merkle tree is RFC 6962's over every record of the chain, across
// rotated files: leaf i (0-based) is record seq i+1, and its leaf data is the
// record's line as written, without the newline. Hashing the written bytes
// (as the chain does) lets any RFC 6962 implementation check a proof.
var hasher = rfc6962.DefaultHasher

func leafHash(line []byte) []byte { return hasher.HashLeaf(line) }

// tree is the writer's compact range: O(log n) hashes that give the root
// after every append, so a checkpoint costs a few hashes, not a re-read.
type tree struct {
	rf *compact.RangeFactory
	r  *compact.Range
}

func newTree() *tree {
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	return &tree{rf: rf, r: rf.NewEmptyRange(0)}
}

func (t *tree) size() uint64 { return t.r.End() }

func (t *tree) add(line []byte) {
	// Append fails only for a range not starting at 0, which never happens.
	_ = t.r.Append(leafHash(line), nil)
}

func (t *tree) root() []byte {
	if t.size() == 0 {
		return hasher.EmptyRoot()
	}
	h, _ := t.r.GetRootHash(nil)
	return h
}

// rootOf is the RFC 6962 root of leaf hashes.
func rootOf(leaves [][]byte) []byte {
	t := newTree()
	for _, l := range leaves {
		_ = t.r.Append(l, nil)
	}
	return t.root()
}

// treeFrom is the tree of size leaves whose compact range is hashes (as a
// checkpoint's Range carries it), checked against the signed root.
func treeFrom(size uint64, hashes [][]byte, root []byte) (*tree, bool) {
	rf := &compact.RangeFactory{Hash: hasher.HashChildren}
	r, err := rf.NewRange(0, size, hashes)
	if err != nil {
		return nil, false
	}
	t := &tree{rf: rf, r: r}
	return t, string(t.root()) == string(root)
}

// chainLeaves reads the records of the chain in files (oldest first) and
// calls fn with each record's seq and line, in order, for the records after
// seq from as long as the sequence is contiguous. It stops quietly at the
// first gap: a tree can only be carried on over records it has seen.
func chainLeaves(files []string, from uint64, fn func(seq uint64, line []byte)) (uint64, error) {
	seq := from
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return seq, fmt.Errorf("audit: read %s: %w", p, err)
		}
		r := bufio.NewReaderSize(f, 64<<10)
		for {
			raw, err := r.ReadBytes('\n')
			if line := bytes.TrimSuffix(raw, []byte("\n")); len(line) > 0 {
				if info, cerr := checkLine(line); cerr == nil && info.Seq > from {
					if info.Seq != seq+1 {
						f.Close()
						return seq, nil
					}
					seq = info.Seq
					fn(seq, line)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return seq, fmt.Errorf("audit: read %s: %w", p, err)
			}
		}
		f.Close()
	}
	return seq, nil
}
