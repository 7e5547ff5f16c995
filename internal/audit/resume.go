package audit

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// head is where a chain stands: the last record's sequence number and hash.
type head struct {
	Seq  uint64
	Hash string
}

var genesisHead = head{Seq: 0, Hash: Genesis}

// fileTail is what an appender must know about the end of an existing file.
type fileTail struct {
	head   head
	found  bool // a verifying record was found
	needNL bool // the file does not end in a newline (a torn write)
	torn   bool // something that is not a record follows the last record
}

// tailWindow is the first read size when looking for the last record; it
// grows when a record is longer.
const tailWindow = 64 << 10

// readTail finds the last line of f (size bytes long) that is a record whose
// hash matches its content, reading backwards so that resuming a large log is
// cheap. It never modifies the file: a torn last line from a crash is
// evidence, and the appender starts a new line after it instead.
func readTail(f io.ReaderAt, size int64) (fileTail, error) {
	var t fileTail
	if size == 0 {
		return t, nil
	}
	window := int64(tailWindow)
	for {
		if window > size {
			window = size
		}
		buf := make([]byte, window)
		if _, err := f.ReadAt(buf, size-window); err != nil && err != io.EOF {
			return t, fmt.Errorf("audit: read tail: %w", err)
		}
		t.needNL = buf[len(buf)-1] != '\n'
		t.torn = false
		end := len(buf)
		if !t.needNL {
			end--
		}
		for end >= 0 {
			i := bytes.LastIndexByte(buf[:end], '\n')
			if i < 0 && window < size {
				break // this line may start before the window
			}
			line := buf[i+1 : end]
			end = i
			if len(line) == 0 {
				continue
			}
			info, err := checkLine(line)
			if err != nil {
				t.torn = true
				continue
			}
			t.head, t.found = head{Seq: info.Seq, Hash: info.Hash}, true
			return t, nil
		}
		if window == size {
			return t, nil
		}
		window *= 4
	}
}

// chainHead finds where appending to path must continue: the last record of
// the file, or, when the file holds no record yet (new after a rotation, or
// only a torn line), the last record of the newest rotated file, so that the
// chain and the sequence carry over.
func chainHead(path string, f *os.File, size int64) (fileTail, error) {
	t, err := readTail(f, size)
	if err != nil || t.found {
		return t, err
	}
	rotated, err := rotatedFiles(path)
	if err != nil {
		return t, err
	}
	for i := len(rotated) - 1; i >= 0; i-- {
		rt, err := tailOfPath(rotated[i])
		if err != nil {
			return t, err
		}
		if rt.found {
			t.head = rt.head
			return t, nil
		}
	}
	t.head = genesisHead
	return t, nil
}

func tailOfPath(path string) (fileTail, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileTail{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileTail{}, err
	}
	return readTail(f, st.Size())
}
