package atlassim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"sync"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return b
}

// newID is a fresh 24-hex ObjectId-like identifier.
func newID() string { return hex.EncodeToString(randomBytes(12)) }

func isObjectID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// randomToken is an opaque URL-safe secret.
func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

// randomLower is n lowercase letters (API key public keys look like this).
func randomLower(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}

// newUUID is a random (version 4) UUID, the shape of an API private key.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// seedID is a fixed identifier for seeded objects, in the demo ID family.
func seedID(n int) string { return fmt.Sprintf("6650a0c0f0a1b2c3d4e5%04x", 0xf700+n) }

// lazyRegexp compiles a pattern on first use, not at package init: the
// simulator is linked into every atlas-mcp binary (for --sandbox and sim),
// and a server that never runs it should not pay for its patterns at start.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}
