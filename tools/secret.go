package tools

import (
	"fmt"
	"strconv"
)

// Secret is a credential an agent gives a tool (a database user's password).
// Every way of printing it masks it: its JSON form is "[REDACTED]", so
// the audit log, which records a call's input as encoding/json encodes it,
// never holds the value, and String, GoString and Format mask it too, so it
// cannot leak through fmt, zap or an error message either. An empty Secret
// shows as "" everywhere: no password is not a secret, and "none was given"
// is worth recording. It decodes from a plain JSON string.
//
// One gap is fmt's own: when it reports a wrong verb for a value that holds
// a Secret behind a pointer or interface (%s of a struct with a *struct
// field prints "%!s(*T=&{...})"), it calls no method of anything inside, and
// the string shows. go vet's printf check reports such verbs; print inputs
// with %v or %+v, or not at all.
//
// Reveal is the only way to the value. Call it only where the value must go
// to Atlas: into a request body, which Builder.Send is told holds a secret
// (secretFields), so the plan sends it, commits to it in its hash as an HMAC
// and masks it for people and the log.
type Secret string

// Reveal is the secret itself, for the request body that carries it to Atlas.
func (s Secret) Reveal() string { return string(s) }

// masked is what every rendering of s shows.
func (s Secret) masked() string {
	if s == "" {
		return ""
	}
	return redactedValue
}

// MarshalJSON is "[REDACTED]", or "" for an empty secret.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.masked())), nil }

// String is "[REDACTED]", or "" for an empty secret.
func (s Secret) String() string { return s.masked() }

// GoString is the %#v form: tools.Secret("[REDACTED]").
func (s Secret) GoString() string { return "tools.Secret(" + strconv.Quote(s.masked()) + ")" }

// Format masks s for every verb and flag: fmt would otherwise print the
// underlying string for %x, %q or %#v whatever String says.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.masked())
}
