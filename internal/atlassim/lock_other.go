//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package atlassim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// lockFile, where there is no flock (Windows), is a lock directory created
// next to path: creating a directory is atomic everywhere. A holder that died
// leaves it behind; one older than staleLock is taken over.
func lockFile(path string) (func(), error) {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, err
	}
	dir := path + ".d"
	const staleLock = 30 * time.Second
	deadline := time.Now().Add(2 * staleLock)
	for {
		err := os.Mkdir(dir, 0o700)
		if err == nil {
			return func() { _ = os.Remove(dir) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if st, serr := os.Stat(dir); serr == nil && time.Since(st.ModTime()) > staleLock {
			_ = os.Remove(dir)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is held by another process", dir)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
