package atlassim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests misbehave. The first fault (in the order
// injected) that matches a request applies; a Fault with only Delay and/or
// Header lets the request go on to be answered normally afterwards.
type Fault struct {
	Method    string        // "" = any
	Path      string        // URL path prefix to match ("" = any), e.g. "/api/atlas/v2/groups/x/clusters"
	Status    int           // respond with this status and an Atlas error body (ErrorCode below, or a sensible default per status)
	ErrorCode string        // errorCode of that body
	Body      []byte        // raw body to send instead (e.g. malformed JSON) — with Status (default 200)
	Delay     time.Duration // sleep before handling (honour request context)
	Drop      bool          // hijack and close the connection without answering
	Header    http.Header   // extra headers (e.g. Retry-After)
	Times     int           // how many matching requests it applies to; 0 = every one
}

// InjectFault adds a fault after those already injected.
func (s *Sim) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := f
	fc.Header = f.Header.Clone()
	fc.Body = append([]byte(nil), f.Body...)
	if f.Body == nil {
		fc.Body = nil
	}
	s.faults = append(s.faults, &fc)
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault finds the fault for r and uses up one of its Times.
func (s *Sim) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.Path != "" && !strings.HasPrefix(r.URL.Path, f.Path) {
			continue
		}
		applied := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &applied
	}
	return nil
}

// applyFault carries out f; done reports that the request has been answered
// (or dropped) and must not be handled further.
func (s *Sim) applyFault(w *recorder, r *http.Request, f *Fault) (done bool) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Drop {
		drop(w)
		return true
	}
	for k, vs := range f.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	switch {
	case f.Body != nil:
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
		return true
	case f.Status != 0:
		var rep reply
		if strings.HasPrefix(r.URL.Path, prefixAS+"/") {
			code := f.ErrorCode
			if code == "" {
				code = defaultASCodeFor(f.Status)
			}
			rep = asFail(f.Status, code, "injected fault: "+strings.ToLower(http.StatusText(f.Status)))
		} else {
			code := f.ErrorCode
			if code == "" {
				code = defaultCodeFor(f.Status)
			}
			rep = fail(newErr(f.Status, code, "Injected fault: %s.", http.StatusText(f.Status)))
		}
		s.write(w, r, rep)
		return true
	}
	return false
}

// drop closes the connection without a byte of answer. Over HTTP/2 (or a
// ResponseWriter that cannot hijack) it aborts the handler, which resets the
// stream or closes the connection.
func drop(w *recorder) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
