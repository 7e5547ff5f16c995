package policy

import (
	"net/netip"
	"testing"
	"time"
)

func TestTier(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"M0", 0, true}, {"M2", 2, true}, {"M5", 5, true}, {"M10", 10, true}, {"m30", 30, true},
		{"R40", 40, true}, {"M40_NVME", 40, true}, {"M40_LOW_CPU", 40, true}, {"R700", 700, true},
		{"FLEX", 0, true}, {"flex", 0, true}, {"TENANT", 0, true}, {" M20 ", 20, true},
		{"", 0, false}, {"M", 0, false}, {"X10", 0, false}, {"M10_", 0, false}, {"M1O", 0, false},
		{"M99999", 0, false}, {"M-1", 0, false}, {"M10_nvme!", 0, false},
		{"M10_FAST", 0, false}, {"M0040", 0, false}, {"R40_NVME", 0, false}, {"m40_low_cpu", 40, true}, {"m40_nvme ", 40, true},
		{"M40_NVME_NVME", 0, false}, {"Ｍ40", 0, false}, {"M1_0", 0, false},
	}
	for _, tt := range tests {
		got, ok := tier(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("tier(%q) = %d,%v want %d,%v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	// The order the issue spells out.
	order := []string{"M0", "M2", "M5", "M10", "M20", "M30", "M40", "M50", "M60", "M80", "M140", "M200"}
	for i := 1; i < len(order); i++ {
		a, _ := tier(order[i-1])
		b, _ := tier(order[i])
		if a >= b {
			t.Errorf("%s !< %s", order[i-1], order[i])
		}
	}
}

func TestParseCIDR(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"10.1.2.3", "10.1.2.3/32"},
		{"10.1.2.0/24", "10.1.2.0/24"},
		{"10.1.2.3/24", "10.1.2.0/24"}, // entries are masked; the policy file refuses this form
		{"2001:db8::1", "2001:db8::1/128"},
		{"::ffff:10.1.2.3", "10.1.2.3/32"},
		{"::ffff:10.1.2.0/120", "10.1.2.0/24"},
		{"::ffff:0:0/96", "0.0.0.0/0"},
		{"::/0", "::/0"},
		{" 10.0.0.0/8 ", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		p, err := parseCIDR(tt.in)
		if err != nil || p.String() != tt.want {
			t.Errorf("parseCIDR(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "x", "fe80::1%eth0", "10.0.0", "1.2.3.4/-1"} {
		if _, err := parseCIDR(bad); err == nil {
			t.Errorf("parseCIDR(%q) accepted", bad)
		}
	}
	mp := netip.MustParsePrefix
	if !contains(mp("10.0.0.0/8"), mp("10.1.0.0/16")) || contains(mp("10.1.0.0/16"), mp("10.0.0.0/8")) ||
		contains(mp("0.0.0.0/0"), mp("::/0")) || !contains(mp("10.0.0.0/8"), mp("10.0.0.0/8")) {
		t.Error("contains")
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"24h": 24 * time.Hour, "90m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, "1h30m": 90 * time.Minute} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0s", "-1h", "1.5d", "d", "0d", "forever", "99999d"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"grants", "deny", "constraints", "tokenSha256", "tokenEnv"}
	for in, want := range map[string]string{
		"grant": ` (did you mean "grants"?)`, "Grants": ` (did you mean "grants"?)`, "denny": ` (did you mean "deny"?)`,
		"constraint": ` (did you mean "constraints"?)`, "tokensha": ` (did you mean "tokenSha256"?)`, "zzzzzz": "",
	} {
		if got := didYouMean(in, known); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}
