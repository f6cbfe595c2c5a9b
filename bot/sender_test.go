package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ganwei-bot/ganwei/bot"
	"github.com/ganwei-bot/ganwei/telegramtest"
)

// recordedSleeps replaces Sender.Sleep so that retries need no real waiting.
type recordedSleeps struct {
	mu     sync.Mutex
	waited []time.Duration
}

func (r *recordedSleeps) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waited = append(r.waited, d)
	return nil
}

func TestSenderFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     telegramtest.Fault
		times     int
		wantErr   error // nil: delivered in the end
		wantSleep []time.Duration
		wantCalls int
	}{
		{"429 waits retry_after", telegramtest.TooManyRequests(7), 1, nil, []time.Duration{7 * time.Second}, 2},
		{"500 retries with backoff", telegramtest.InternalError, 2, nil, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}, 3},
		{"403 is not retried", telegramtest.Forbidden, 1, bot.ErrBlocked, nil, 1},
		{"400 is not retried", telegramtest.BadRequest, 1, errors.New("bad request"), nil, 1},
		{"500 forever gives up", telegramtest.InternalError, 10, errors.New("gave up"), nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, bot.Config{})
			s := h.bot.Sender()
			rec := &recordedSleeps{}
			s.Sleep = rec.sleep
			h.tg.FailNext("sendMessage", tt.times, tt.fault)
			_, err := s.Send(context.Background(), 42, "提醒", nil)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Send = %v, want delivered", err)
			case errors.Is(tt.wantErr, bot.ErrBlocked) && !errors.Is(err, bot.ErrBlocked):
				t.Fatalf("Send = %v, want ErrBlocked", err)
			case tt.wantErr != nil && err == nil:
				t.Fatalf("Send delivered, want error %v", tt.wantErr)
			}
			if got := len(h.tg.Calls("sendMessage")); got != tt.wantCalls {
				t.Errorf("sendMessage calls = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantSleep != nil && !equalDurations(rec.waited, tt.wantSleep) {
				t.Errorf("waited %v, want %v", rec.waited, tt.wantSleep)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSendSplitsLongText(t *testing.T) {
	h := newHarness(t, bot.Config{})
	long := strings.Repeat("干部敢为，组织撑腰。", 1000) // 10,000 characters
	if _, err := h.bot.Sender().Send(context.Background(), 42, long, nil); err != nil {
		t.Fatal(err)
	}
	msgs := h.tg.MessagesTo(42)
	if len(msgs) != 3 {
		t.Fatalf("sent %d messages, want 3", len(msgs))
	}
	var joined strings.Builder
	for _, m := range msgs {
		if n := utf8.RuneCountInString(m.Text); n > bot.MaxMessageLen {
			t.Errorf("a part has %d characters, over %d", n, bot.MaxMessageLen)
		}
		joined.WriteString(m.Text)
	}
	if joined.String() != long {
		t.Errorf("parts do not add up to the original text")
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"short", "你好", 10, []string{"你好"}},
		{"at paragraph", "第一段。\n\n第二段内容", 8, []string{"第一段。", "第二段内容"}},
		{"at sentence", "一二三四。五六七八", 6, []string{"一二三四。", "五六七八"}},
		{"hard cut", "一二三四五六", 4, []string{"一二三四", "五六"}},
		{"emoji counts two", "👍👍👍", 4, []string{"👍👍", "👍"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bot.SplitText(tt.text, tt.limit)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("SplitText(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
		})
	}
}

// scriptedPacer answers Reserve from a list: a booked slot's wait, "ask again after", or an
// error; then it books everything at once. It records which lane asked.
type scriptedPacer struct {
	mu      sync.Mutex
	answers []any // booked, later or error
	bulk    []bool
}

type booked time.Duration
type later time.Duration

func (p *scriptedPacer) Reserve(_ context.Context, _ int64, bulk bool) (time.Duration, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bulk = append(p.bulk, bulk)
	if len(p.answers) == 0 {
		return 0, true, nil
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	switch a := a.(type) {
	case error:
		return 0, false, a
	case later:
		return time.Duration(a), false, nil
	default:
		return time.Duration(a.(booked)), true, nil
	}
}

// TestSenderSleepsUntilItsSlot: a booked slot is slept for once and not asked about again (one
// Redis call per message); "ask again later" is asked again after the wait; a pacer that cannot
// answer does not stop the message.
func TestSenderSleepsUntilItsSlot(t *testing.T) {
	h := newHarness(t, bot.Config{})
	s := h.bot.Sender()
	rec := &recordedSleeps{}
	s.Sleep = rec.sleep
	var skipped []error
	s.OnSharedError = func(err error) { skipped = append(skipped, err) }

	p := &scriptedPacer{answers: []any{booked(3 * time.Second)}}
	s.Shared = p
	if _, err := s.Send(context.Background(), 42, "一", nil); err != nil {
		t.Fatal(err)
	}
	if !equalDurations(rec.waited, []time.Duration{3 * time.Second}) || len(p.bulk) != 1 {
		t.Errorf("waited %v after %d calls, want [3s] after 1 call", rec.waited, len(p.bulk))
	}
	rec.waited = nil
	p = &scriptedPacer{answers: []any{later(200 * time.Millisecond), booked(50 * time.Millisecond)}}
	s.Shared = p
	if _, err := s.Send(bot.WithBulk(context.Background()), 42, "二", nil); err != nil {
		t.Fatal(err)
	}
	if !equalDurations(rec.waited, []time.Duration{200 * time.Millisecond, 50 * time.Millisecond}) {
		t.Errorf("waited %v, want [200ms 50ms]", rec.waited)
	}
	if len(p.bulk) != 2 || !p.bulk[0] || !p.bulk[1] {
		t.Errorf("lanes asked %v, want bulk twice", p.bulk)
	}
	// Redis cannot answer: the message still goes out, and the skip is reported.
	s.Shared = &scriptedPacer{answers: []any{errors.New("redis down")}}
	if _, err := s.Send(context.Background(), 42, "三", nil); err != nil {
		t.Fatalf("Send with the shared pacer down = %v, want delivered", err)
	}
	if len(skipped) != 1 || len(h.tg.MessagesTo(42)) != 3 {
		t.Errorf("skips %v, messages %d; want 1 skip and 3 messages", skipped, len(h.tg.MessagesTo(42)))
	}
}
