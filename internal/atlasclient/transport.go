package atlasclient

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// newBaseTransport is the transport that puts bytes on the wire. It differs from
// http.DefaultTransport where an agent-facing client needs it to: a response
// header timeout so a hung Atlas cannot hold a tool call forever (the caller's
// context still bounds the whole call), and more idle connections per host,
// because every request goes to one host and the default of 2 would make a burst
// of parallel tool calls open and close connections.
func newBaseTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   64,
	}
}

// userAgentTransport stamps the User-Agent on every request, including those
// the auth layer makes on the caller's behalf.
type userAgentTransport struct {
	ua   string
	next http.RoundTripper
}

func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", t.ua)
	return t.next.RoundTrip(r)
}
