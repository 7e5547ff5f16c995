package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// rotatedLayout names a rotated file: <name>.<UTC time of rotation>, fixed
// width so names sort by time. A "-N" suffix orders rotations that would
// otherwise share a name (same instant, or a clock that went backwards).
const rotatedLayout = "20060102T150405.000000000Z"

type rotatedName struct {
	path  string
	stamp string
	n     int
}

func (a rotatedName) less(b rotatedName) bool {
	if a.stamp != b.stamp {
		return a.stamp < b.stamp
	}
	return a.n < b.n
}

func (a rotatedName) String() string {
	if a.n == 0 {
		return a.path + "." + a.stamp
	}
	return a.path + "." + a.stamp + "-" + strconv.Itoa(a.n)
}

// rotatedFiles lists the files rotated away from path, oldest first.
func rotatedFiles(path string) ([]string, error) {
	names, err := rotatedNames(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.String()
	}
	return out, nil
}

func rotatedNames(path string) ([]rotatedName, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("audit: list rotated files: %w", err)
	}
	var names []rotatedName
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		stamp, num, _ := strings.Cut(rest, "-")
		if _, err := time.Parse(rotatedLayout, stamp); err != nil {
			continue
		}
		n := 0
		if num != "" {
			if n, err = strconv.Atoi(num); err != nil || n < 1 {
				continue
			}
		}
		names = append(names, rotatedName{path: path, stamp: stamp, n: n})
	}
	sort.Slice(names, func(i, j int) bool { return names[i].less(names[j]) })
	return names, nil
}

// Files returns the whole chain that ends in the log at path, in the order
// Verify and Tail need: rotated files oldest first, then path itself (when
// it exists). `audit verify` should pass this list, not only the live file.
func Files(path string) ([]string, error) {
	out, err := rotatedFiles(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		out = append(out, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("audit: no log at %s: %w", path, fs.ErrNotExist)
	}
	return out, nil
}

// nextRotatedName picks a name that sorts after every existing rotated file
// even if the clock has gone backwards, so chain order never depends on a
// trustworthy clock.
func nextRotatedName(path string, now time.Time) (string, error) {
	existing, err := rotatedNames(path)
	if err != nil {
		return "", err
	}
	next := rotatedName{path: path, stamp: now.UTC().Format(rotatedLayout)}
	if len(existing) > 0 {
		last := existing[len(existing)-1]
		if !last.less(next) {
			next = rotatedName{path: path, stamp: last.stamp, n: last.n + 1}
		}
	}
	return next.String(), nil
}

// syncDir makes a create or rename in dir durable; without it a crash can
// lose the directory entry of a file whose contents were fsynced.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}
