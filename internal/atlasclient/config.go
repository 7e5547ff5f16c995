package atlasclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Credentials are the secrets the client authenticates with. A service account
// (ClientID + ClientSecret) is preferred for the Administration API when both
// kinds are set; the API key pair is still used for the App Services Admin API,
// which accepts nothing else.
type Credentials struct {
	ClientID     string // MONGODB_ATLAS_CLIENT_ID
	ClientSecret string // MONGODB_ATLAS_CLIENT_SECRET
	PublicKey    string // MONGODB_ATLAS_PUBLIC_API_KEY
	PrivateKey   string // MONGODB_ATLAS_PRIVATE_API_KEY
}

// String never prints a secret, so a Credentials value that ends up in a log
// line or a %v is harmless.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{ClientID:%t ClientSecret:%t PublicKey:%t PrivateKey:%t}",
		c.ClientID != "", c.ClientSecret != "", c.PublicKey != "", c.PrivateKey != "")
}

// GoString is String for %#v.
func (c Credentials) GoString() string { return c.String() }

func (c Credentials) hasServiceAccount() bool { return c.ClientID != "" && c.ClientSecret != "" }
func (c Credentials) hasAPIKey() bool         { return c.PublicKey != "" && c.PrivateKey != "" }

// Limit is a token bucket: Capacity requests at once, refilled by Refill
// requests every Per. The zero Limit disables client-side limiting for a set
// (Atlas still enforces its own; the client then absorbs 429s).
type Limit struct {
	Capacity int
	Refill   int
	Per      time.Duration
	// Guess marks a figure Atlas does not publish: Atlas's RateLimit-Limit and
	// RateLimit-Remaining headers may then widen the bucket as well as narrow
	// it. A published or configured figure is only ever narrowed by them.
	Guess bool
}

// DefaultStandardLimit is the burst, and the refill per minute, assumed for the
// sets whose limit Atlas does not publish (standard, App Services).
const DefaultStandardLimit = 100

// DefaultLimits mirror Atlas's published buckets so that the client slows down
// before Atlas has to answer 429. Clusters and database users: capacity 10,000,
// refill 5,000 per 60 s per project (seed 001). Atlas publishes no figure for
// the "standard" set as a whole ("standard limits apply"); DefaultStandardLimit
// a minute per scope is the limit Atlas documented for the Administration API
// before token buckets and stays well under any set we call. App Services
// publishes none either; the same figure per project keeps a runaway agent
// from hammering it. Both are guesses: where Atlas answers with RateLimit-Limit
// and RateLimit-Remaining, those set the pace instead (see buckets.observe).
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		SetClusters:      {Capacity: 10000, Refill: 5000, Per: time.Minute},
		SetDatabaseUsers: {Capacity: 10000, Refill: 5000, Per: time.Minute},
		SetStandard:      {Capacity: DefaultStandardLimit, Refill: DefaultStandardLimit, Per: time.Minute, Guess: true},
		SetAppServices:   {Capacity: DefaultStandardLimit, Refill: DefaultStandardLimit, Per: time.Minute, Guess: true},
	}
}

// Config configures a Client. Only Credentials is required.
type Config struct {
	// BaseURL is scheme://host[:port] with no path; requests go to
	// {BaseURL}/api/atlas/v2/... and tokens to {BaseURL}/api/oauth/token.
	// Default CommercialBaseURL.
	BaseURL string
	// AppServicesBaseURL is the full prefix including /api/admin/v3.0.
	// Default AppServicesBaseURL.
	AppServicesBaseURL string
	Credentials        Credentials
	// UserAgent is sent on every request, token requests included.
	// Default "atlas-mcp/dev".
	UserAgent string
	// Limits overrides DefaultLimits per rate set; sets not named keep their
	// default.
	Limits map[string]Limit
	// MaxAttempts is the number of tries per request including the first.
	// Default 4.
	MaxAttempts int
	// RetryBaseDelay is the first backoff step; it doubles per attempt, with
	// jitter, up to RetryMaxDelay. Defaults 250ms and 8s.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxRetryAfter is the longest Retry-After the client sleeps through on its
	// own; a longer one is returned to the caller at once as an *APIError with
	// RetryAfter set, so an agent can decide. Default 60s.
	MaxRetryAfter time.Duration
	// MaxBuckets bounds the number of (rate set, scope) buckets kept. Default 1024.
	MaxBuckets int
	// Hook is called once per logical request, after its last attempt.
	Hook func(Event)
	// BaseTransport sends the bytes; default a tuned *http.Transport.
	BaseTransport http.RoundTripper
	// Logger receives debug lines about requests and retries; never a secret.
	Logger *zap.Logger
	// Now is the clock used for token expiry, buckets and deadlines.
	Now func() time.Time
}

// ErrNoCredentials is wrapped by New's error when no usable credential is set.
var ErrNoCredentials = errors.New("no Atlas credentials: set MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET (service account), or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (API key)")

// ErrNoAppServicesCredentials is returned for App Services operations when only
// a service account is configured: the App Services login accepts API keys only.
var ErrNoAppServicesCredentials = errors.New("the App Services Admin API needs an Atlas API key pair: set MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY")

// settings is a validated Config with every default filled in.
type settings struct {
	Config
	base       *url.URL // scheme://host
	appBase    *url.URL // scheme://host
	appPrefix  string   // e.g. /api/admin/v3.0
	limits     map[string]Limit
	useSA      bool
	useAPIKey  bool
	appService bool
}

func (c Config) validate() (*settings, error) {
	s := &settings{Config: c}
	cr := c.Credentials
	switch {
	case cr.ClientID != "" && cr.ClientSecret == "":
		return nil, fmt.Errorf("atlasclient: MONGODB_ATLAS_CLIENT_ID is set but MONGODB_ATLAS_CLIENT_SECRET is empty: %w", ErrNoCredentials)
	case cr.ClientID == "" && cr.ClientSecret != "":
		return nil, fmt.Errorf("atlasclient: MONGODB_ATLAS_CLIENT_SECRET is set but MONGODB_ATLAS_CLIENT_ID is empty: %w", ErrNoCredentials)
	case cr.PublicKey != "" && cr.PrivateKey == "":
		return nil, fmt.Errorf("atlasclient: MONGODB_ATLAS_PUBLIC_API_KEY is set but MONGODB_ATLAS_PRIVATE_API_KEY is empty: %w", ErrNoCredentials)
	case cr.PublicKey == "" && cr.PrivateKey != "":
		return nil, fmt.Errorf("atlasclient: MONGODB_ATLAS_PRIVATE_API_KEY is set but MONGODB_ATLAS_PUBLIC_API_KEY is empty: %w", ErrNoCredentials)
	case !cr.hasServiceAccount() && !cr.hasAPIKey():
		return nil, fmt.Errorf("atlasclient: %w", ErrNoCredentials)
	}
	s.useSA = cr.hasServiceAccount()
	s.useAPIKey = !s.useSA
	s.appService = cr.hasAPIKey()

	if s.BaseURL == "" {
		s.BaseURL = CommercialBaseURL
	}
	base, err := parseRoot(s.BaseURL, false)
	if err != nil {
		return nil, fmt.Errorf("atlasclient: BaseURL (MONGODB_ATLAS_BASE_URL): %w", err)
	}
	s.base = base
	if s.AppServicesBaseURL == "" {
		s.AppServicesBaseURL = AppServicesBaseURL
	}
	app, err := parseRoot(s.AppServicesBaseURL, true)
	if err != nil {
		return nil, fmt.Errorf("atlasclient: AppServicesBaseURL: %w", err)
	}
	s.appPrefix = strings.TrimSuffix(app.Path, "/")
	app.Path, app.RawPath = "", ""
	s.appBase = app

	if s.UserAgent == "" {
		s.UserAgent = "atlas-mcp/dev"
	}
	if s.MaxAttempts == 0 {
		s.MaxAttempts = 4
	}
	if s.MaxAttempts < 1 {
		return nil, fmt.Errorf("atlasclient: MaxAttempts must be at least 1, got %d", s.MaxAttempts)
	}
	if s.RetryBaseDelay <= 0 {
		s.RetryBaseDelay = 250 * time.Millisecond
	}
	if s.RetryMaxDelay <= 0 {
		s.RetryMaxDelay = 8 * time.Second
	}
	if s.MaxRetryAfter <= 0 {
		s.MaxRetryAfter = time.Minute
	}
	if s.MaxBuckets <= 0 {
		s.MaxBuckets = 1024
	}
	s.limits = DefaultLimits()
	for set, l := range c.Limits {
		if _, known := s.limits[set]; !known {
			return nil, fmt.Errorf("atlasclient: limit for unknown rate set %q (want %s, %s, %s or %s)", set, SetClusters, SetDatabaseUsers, SetStandard, SetAppServices)
		}
		if l != (Limit{}) && (l.Capacity < 1 || l.Refill < 1 || l.Per <= 0) {
			return nil, fmt.Errorf("atlasclient: limit for set %q needs Capacity, Refill and Per > 0 (or the zero Limit to disable it), got %+v", set, l)
		}
		s.limits[set] = l
	}
	if s.Logger == nil {
		s.Logger = zap.NewNop()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.BaseTransport == nil {
		s.BaseTransport = newBaseTransport()
	}
	return s, nil
}

// parseRoot accepts scheme://host[:port] (and, when allowPath, a path prefix).
// Userinfo and query strings are refused: they would end up in error messages.
func parseRoot(raw string, allowPath bool) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil {
		// url.Parse's error quotes the input, which may hold a password.
		return nil, errors.New("invalid URL")
	}
	shown := u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: scheme must be http or https", shown)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("URL %q has no host", shown)
	}
	if u.User != nil {
		return nil, errors.New("URL must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q must not have a query or fragment", shown)
	}
	if !allowPath && u.Path != "" {
		return nil, fmt.Errorf("URL %q must have no path (requests go to {base}/api/atlas/v2)", shown)
	}
	return u, nil
}
