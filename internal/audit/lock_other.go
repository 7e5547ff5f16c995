//go:build !unix

package audit

import "os"

// Without flock, only one process may write a given audit file; a second
// writer would fork the chain, and Verify would report it.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
