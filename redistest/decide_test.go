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
