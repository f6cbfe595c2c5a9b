package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	dto "github.com/prometheus/client_model/go"

	"github.com/ganwei-bot/ganwei/bot"
)

// gathered finds one series by name and label value ("" for none).
func gathered(t *testing.T, m *bot.Metrics, name, label string) *dto.Metric {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if label == "" || (len(s.GetLabel()) > 0 && s.GetLabel()[0].GetValue() == label) {
				return s
			}
		}
	}
	t.Fatalf("no series %s{%s}", name, label)
	return nil
}

// TestMetricsForOperators: the inbox backlog and the age of its oldest entry, the outgoing queue
// and pacing wait per lane, and a handler duration that leaves the pacing wait out.
func TestMetricsForOperators(t *testing.T) {
	h := newHarness(t, unpaced)
	ctx := wait(t)
	m := bot.NewMetrics()
	b, err := bot.New(ctx, with(unpaced, func(c *bot.Config) { c.Token, c.APIURL = h.tg.Token(), h.tg.URL() }), h.store, m, quiet)
	if err != nil {
		t.Fatal(err)
	}
	s := b.Sender()
	s.Shared = &scriptedPacer{answers: []any{booked(150 * time.Millisecond), booked(150 * time.Millisecond), booked(150 * time.Millisecond)}}
	s.Sleep = bot.SleepContext // really wait, so that the wait shows in the durations
	b.SetHandler(func(ctx context.Context, upd *models.Update) {
		_, _ = s.Send(ctx, upd.Message.Chat.ID, "好的", nil)
	})
	for _, id := range ids(1, 3) {
		if err := b.ProcessUpdate(ctx, ptr(userUpdate(id))); err != nil {
			t.Fatal(err)
		}
	}
	if got := gathered(t, m, "ganwei_inbox_depth", "").GetGauge().GetValue(); got != 3 {
		t.Errorf("inbox depth before start = %v, want 3", got)
	}
	if got := gathered(t, m, "ganwei_inbox_oldest_age_seconds", "").GetGauge().GetValue(); got < 0 {
		t.Errorf("oldest age = %v", got)
	}
	run(t, b)
	for _, id := range ids(1, 3) {
		if err := b.WaitHandled(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if got := gathered(t, m, "ganwei_inbox_depth", "").GetGauge().GetValue(); got != 0 {
		t.Errorf("inbox depth after handling = %v, want 0", got)
	}
	if got := gathered(t, m, "ganwei_inbox_oldest_age_seconds", "").GetGauge().GetValue(); got != 0 {
		t.Errorf("oldest age of an empty inbox = %v, want 0", got)
	}
	if got := gathered(t, m, "ganwei_outgoing_queue", "reply").GetGauge().GetValue(); got != 0 {
		t.Errorf("reply queue after sending = %v, want 0", got)
	}
	paced := gathered(t, m, "ganwei_pacing_wait_seconds", "reply").GetHistogram()
	handled := gathered(t, m, "ganwei_handler_duration_seconds", "text").GetHistogram()
	if paced.GetSampleCount() != 3 || handled.GetSampleCount() != 3 {
		t.Fatalf("pacing samples %d, handler samples %d; want 3 each", paced.GetSampleCount(), handled.GetSampleCount())
	}
	if handled.GetSampleSum() >= paced.GetSampleSum()/2 {
		t.Errorf("handler duration sum %.3fs includes the pacing wait (%.3fs)", handled.GetSampleSum(), paced.GetSampleSum())
	}
}
