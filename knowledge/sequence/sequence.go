// Package sequence defines the 四项清单 reminder sequence sent to newly appointed principal leaders.
// The sequence is data: sequence.yaml in this directory is embedded in the binary, and an operator
// can point GANWEI_REMINDERS_FILE at an edited copy, which Source reads again whenever it changes,
// so the organization department can replace the template wording without a rebuild.
package sequence

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

//go:embed sequence.yaml
var defaultYAML []byte

// Default returns the sequence shipped with the binary.
func Default() *Sequence {
	s, err := Parse(defaultYAML)
	if err != nil {
		panic("sequence: embedded sequence.yaml is invalid: " + err.Error())
	}
	return s
}

// Sequence is the ordered list of steps and the clock time working-day steps go out at.
type Sequence struct {
	SendAt string `yaml:"send_at"` // "09:00"
	// SendUntil ends the working hours (from SendAt) in which a step that fell due while the bot
	// was down goes out; later, or on a day off, it waits for the next working day's SendAt.
	SendUntil string `yaml:"send_until"` // "17:30"
	// CatchUp is how far apart steps whose date has already passed (a backdated appointment, a
	// step held up by downtime) go out, in sequence order. Default one working day.
	CatchUp Span    `yaml:"catch_up"`
	Steps   []*Step `yaml:"steps"`

	hour, minute           int
	untilHour, untilMinute int
}

// Step is one message of the sequence.
type Step struct {
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Due         Span   `yaml:"due"`
	Text        string `yaml:"text"`
	NeedsAck    bool   `yaml:"needs_ack"`
	RemindEvery Span   `yaml:"remind_every"`
	RemindTimes int    `yaml:"remind_times"`
	Escalate    bool   `yaml:"escalate"`
}

// Span is a delay: a number of working days (counted on the Chinese calendar and landing at the
// sequence's send_at time) or a plain duration (for tests and demos). The zero Span is "now".
type Span struct {
	Workdays int
	Duration time.Duration
}

// IsZero reports whether the span is "now".
func (s Span) IsZero() bool { return s.Workdays == 0 && s.Duration == 0 }

// String is the span as written in the file.
func (s Span) String() string {
	switch {
	case s.Workdays == 1:
		return "1 workday"
	case s.Workdays > 0:
		return fmt.Sprintf("%d workdays", s.Workdays)
	case s.Duration > 0:
		return s.Duration.String()
	}
	return "now"
}

var workdaysRe = regexp.MustCompile(`^(\d+)\s*(workdays?|wd|个?工作日)$`)

// ParseSpan reads "now", "3 workdays" (also "3wd", "3个工作日") or a Go duration ("2s", "48h").
func ParseSpan(s string) (Span, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "now" || s == "0" {
		return Span{}, nil
	}
	if m := workdaysRe.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 366 {
			return Span{}, fmt.Errorf("too many working days in %q", s)
		}
		return Span{Workdays: n}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return Span{}, fmt.Errorf("%q is neither \"N workdays\" nor a duration like 2s or 48h", s)
	}
	return Span{Duration: d}, nil
}

// UnmarshalYAML reads a span from a scalar.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	var raw string
	if err := n.Decode(&raw); err != nil {
		return err
	}
	v, err := ParseSpan(raw)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*s = v
	return nil
}

// Limits keep button data and Telegram messages within bounds.
const (
	MaxSteps    = 20
	MaxTextLen  = 3500 // characters; leaves room for the reminder header within Telegram's 4096
	MaxStepID   = 16
	maxReminder = 10
)

var stepIDRe = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Parse reads and validates a sequence.
func Parse(data []byte) (*Sequence, error) {
	var s Sequence
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true) // a misspelt field is an error, not a silently ignored setting
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("parse reminder sequence: %w", err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("reminder sequence: %w", err)
	}
	return &s, nil
}

func (s *Sequence) validate() error {
	if s.SendAt == "" {
		s.SendAt = "09:00"
	}
	t, err := time.Parse("15:04", s.SendAt)
	if err != nil {
		return fmt.Errorf("send_at %q: want a clock time like 09:00", s.SendAt)
	}
	s.hour, s.minute = t.Hour(), t.Minute()
	if s.SendUntil == "" {
		s.SendUntil = "17:30"
	}
	u, err := time.Parse("15:04", s.SendUntil)
	if err != nil {
		return fmt.Errorf("send_until %q: want a clock time like 17:30", s.SendUntil)
	}
	if !u.After(t) {
		return fmt.Errorf("send_until %s must be later than send_at %s", s.SendUntil, s.SendAt)
	}
	s.untilHour, s.untilMinute = u.Hour(), u.Minute()
	if s.CatchUp.IsZero() {
		s.CatchUp = Span{Workdays: 1}
	}
	if len(s.Steps) == 0 || len(s.Steps) > MaxSteps {
		return fmt.Errorf("want 1 to %d steps, got %d", MaxSteps, len(s.Steps))
	}
	seen := map[string]bool{}
	for i, st := range s.Steps {
		switch {
		case st == nil:
			return fmt.Errorf("step %d is empty", i+1)
		case len(st.ID) == 0 || len(st.ID) > MaxStepID || !stepIDRe.MatchString(st.ID):
			return fmt.Errorf("step %d: id %q must be 1-%d characters of a-z, 0-9, _ and -", i+1, st.ID, MaxStepID)
		case seen[st.ID]:
			return fmt.Errorf("step %q appears twice", st.ID)
		case strings.TrimSpace(st.Text) == "":
			return fmt.Errorf("step %q: text is empty", st.ID)
		case utf8.RuneCountInString(st.Text) > MaxTextLen:
			return fmt.Errorf("step %q: text longer than %d characters", st.ID, MaxTextLen)
		case i == 0 && !st.Due.IsZero():
			return fmt.Errorf("step %q: the first step (the 告知 itself) must be due now", st.ID)
		case st.RemindTimes < 0 || st.RemindTimes > maxReminder:
			return fmt.Errorf("step %q: remind_times must be 0 to %d", st.ID, maxReminder)
		case !st.NeedsAck && (st.RemindTimes > 0 || st.Escalate):
			return fmt.Errorf("step %q: reminders and escalation need needs_ack: true", st.ID)
		case (st.RemindTimes > 0 || st.Escalate) && st.RemindEvery.IsZero():
			return fmt.Errorf("step %q: remind_every is required with remind_times or escalate", st.ID)
		}
		seen[st.ID] = true
		st.Text = strings.TrimSpace(st.Text)
		if st.Title == "" {
			st.Title = st.ID
		}
	}
	return nil
}

// Step returns the step with the id, or nil.
func (s *Sequence) Step(id string) *Step {
	for _, st := range s.Steps {
		if st.ID == id {
			return st
		}
	}
	return nil
}

// SendTime is the hour and minute working-day steps go out at.
func (s *Sequence) SendTime() (hour, minute int) { return s.hour, s.minute }

// SendUntilTime is the hour and minute after which a late step waits for the next working day.
func (s *Sequence) SendUntilTime() (hour, minute int) { return s.untilHour, s.untilMinute }

// Render fills {name}, {position} and {unit} in a step's text.
func (st *Step) Render(name, position, unit string) string {
	return strings.NewReplacer("{name}", name, "{position}", position, "{unit}", unit).Replace(st.Text)
}

// Source gives the current sequence: the embedded one, or the file at Path, read again when its
// modification time or size changes. A file that stops parsing keeps the last good sequence (and
// the error is reported by Err) so that a typo never stops reminders that are already running.
type Source struct {
	Path string

	mu      sync.Mutex
	current *Sequence
	modTime time.Time // of the version of the file last parsed, whether it parsed or not
	size    int64
	err     error
}

// NewSource returns a Source for path (the embedded default when empty) and reads it once, so
// that a broken file stops start-up with a clear message.
func NewSource(path string) (*Source, error) {
	src := &Source{Path: path}
	if path == "" {
		src.current = Default()
		return src, nil
	}
	if err := src.reload(); err != nil {
		return nil, err
	}
	return src, nil
}

// Current returns the sequence to use now.
func (src *Source) Current() *Sequence {
	if src.Path != "" {
		_ = src.reload() // the error is kept for Err; the last good sequence stays in use
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	return src.current
}

// Err is the last reload error, nil when the file parsed.
func (src *Source) Err() error {
	src.mu.Lock()
	defer src.mu.Unlock()
	return src.err
}

func (src *Source) reload() error {
	fi, err := os.Stat(src.Path)
	if err != nil {
		return src.setErr(fmt.Errorf("GANWEI_REMINDERS_FILE: %w", err))
	}
	src.mu.Lock()
	unchanged := src.current != nil && fi.ModTime().Equal(src.modTime) && fi.Size() == src.size
	src.mu.Unlock()
	if unchanged {
		return nil
	}
	data, err := os.ReadFile(src.Path)
	if err != nil {
		return src.setErr(fmt.Errorf("GANWEI_REMINDERS_FILE: %w", err))
	}
	seq, err := Parse(data)
	if err != nil {
		// Remember this version so that a broken file is not read and parsed again on every call.
		src.mu.Lock()
		src.modTime, src.size = fi.ModTime(), fi.Size()
		src.mu.Unlock()
		return src.setErr(fmt.Errorf("GANWEI_REMINDERS_FILE %s: %w", src.Path, err))
	}
	src.mu.Lock()
	src.current, src.modTime, src.size, src.err = seq, fi.ModTime(), fi.Size(), nil
	src.mu.Unlock()
	return nil
}

func (src *Source) setErr(err error) error {
	src.mu.Lock()
	defer src.mu.Unlock()
	src.err = err
	if src.current == nil {
		return err
	}
	return errors.Join(err, errors.New("keeping the previous sequence"))
}

// Fixed returns a Source that always gives seq (tests, and programs that build a sequence in code).
func Fixed(seq *Sequence) *Source { return &Source{current: seq} }
