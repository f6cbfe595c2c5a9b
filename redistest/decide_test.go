package redistest

import "testing"

func TestDecisionOrder(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		haveBinary bool
		ci         bool
		want       choice
	}{
		{"url wins over binary", "redis://x:6379", true, true, useURL},
		{"binary without url", "", true, true, usePrivate},
		{"ci without redis fails", "", false, true, useFail},
		{"laptop without redis embeds", "", false, false, useEmbedded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decide(tt.url, tt.haveBinary, tt.ci); got != tt.want {
				t.Errorf("decide(%q, %v, %v) = %v, want %v", tt.url, tt.haveBinary, tt.ci, got, tt.want)
			}
		})
	}
}

func TestDeletePrefixRefusesGlobs(t *testing.T) {
	for _, p := range []string{"", "*", "t:[a]:"} {
		if err := DeletePrefix(t.Context(), nil, p); err == nil {
			t.Errorf("DeletePrefix(%q) = nil, want a refusal", p)
		}
	}
}

// TestInCI: any value CI services put in CI counts ("true", "1", "yes"), so that a test needing
// Redis or chromium fails there instead of skipping; unset or a plain "no" does not.
func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "FALSE": false, "no": false,
		"true": true, "1": true, "yes": true, "True": true} {
		t.Setenv("CI", v)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", v, got, want)
		}
	}
}
