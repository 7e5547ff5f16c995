package audit

import (
	"errors"
	"fmt"
)

// WriteError means a record could not be made durable (or the log could not
// be opened for writing). The server treats it as "no audit, no action" and
// fails closed.
type WriteError struct {
	Path string
	Err  error
}

func (e *WriteError) Error() string {
	return fmt.Sprintf("audit: cannot write %s: %v", e.Path, e.Err)
}

func (e *WriteError) Unwrap() error { return e.Err }

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: log is closed")
