package wecom

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei"
)

func TestBindCommandAcceptsWhatPeopleType(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"绑定 AB12CD34EF", "/start AB12CD34EF"},
		{"绑定：ab12", "/start ab12"},
		{"绑定　AB12", "/start AB12"},
		{"绑定", "绑定"},
		{"怎么绑定", "怎么绑定"},
		{"/start X", "/start X"},
	} {
		if got := bindCommand(tc.in); got != tc.want {
			t.Errorf("bindCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitTextKeepsCharactersAndLines(t *testing.T) {
	long := strings.Repeat("容错纠错机制", 200) + "\n" + strings.Repeat("第二段", 300)
	parts := splitText(long, maxTextBytes)
	if len(parts) < 2 || strings.Join(parts, "") != strings.ReplaceAll(long, "\n", "") {
		t.Fatalf("split into %d parts that do not rebuild the text", len(parts))
	}
	for _, p := range parts {
		if len(p) > maxTextBytes || !utf8.ValidString(p) {
			t.Errorf("part of %d bytes (valid %v)", len(p), utf8.ValidString(p))
		}
	}
}

func TestChunkButtonsKeepsRowsWithinSix(t *testing.T) {
	b := func(n int) []ganwei.Button { return make([]ganwei.Button, n) }
	for _, tc := range []struct {
		name  string
		kb    ganwei.Keyboard
		cards []int // buttons per card
	}{
		{"one row", ganwei.Keyboard{b(3)}, []int{3}},
		{"scale and nav", ganwei.Keyboard{b(5), b(2)}, []int{5, 2}},
		{"two rows fit", ganwei.Keyboard{b(3), b(3)}, []int{6}},
		{"a row of eight", ganwei.Keyboard{b(8)}, []int{6, 2}},
	} {
		got := chunkButtons(tc.kb, maxCardButtons)
		var sizes []int
		for _, g := range got {
			sizes = append(sizes, len(flatten(g)))
		}
		if !slices.Equal(sizes, tc.cards) {
			t.Errorf("%s: cards of %v, want %v", tc.name, sizes, tc.cards)
		}
	}
}

func TestCardTextPutsShortTextOnTheCard(t *testing.T) {
	title, body, fits := cardText("关爱问卷 · 2026年第47周\n1/5 最近总体状态如何？")
	if !fits || title != "关爱问卷 · 2026年第47周" || body != "1/5 最近总体状态如何？" {
		t.Errorf("short text: %q %q %v", title, body, fits)
	}
	if _, _, fits := cardText(strings.Repeat("长", 400)); fits {
		t.Error("400 characters fit on a card")
	}
}
