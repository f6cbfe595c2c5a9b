package ganwei

import (
	"context"
	"strings"
	"time"
)

// Appointment is a newly appointed principal leader (新任职主要领导) registered by the organization
// department, together with the state of each step of the 四项清单 reminder sequence sent to them.
type Appointment struct {
	ID         string `json:"id"`                    // short random id; travels in button data
	PersonID   int64  `json:"person_id"`             // the leader; pushes go to this person
	TelegramID int64  `json:"telegram_id,omitempty"` // the Telegram user id HR registered them by, shown to HR; 0 when picked among people
	// Account names a leader who is not a person yet by another account than Telegram's
	// ("wecom:zhangsan"); registering makes them a person with it. Input only, not stored.
	Account   Account           `json:"account,omitempty"`
	Name      string            `json:"name"`
	Position  string            `json:"position"`       // 职务
	Unit      string            `json:"unit,omitempty"` // 单位
	Date      string            `json:"date"`           // appointment date, YYYY-MM-DD in the organization's zone
	Status    AppointmentStatus `json:"status"`
	CreatedBy int64             `json:"created_by,omitempty"` // person id of HR; 0 from the command line
	CreatedAt time.Time         `json:"created_at"`
	Steps     []*StepState      `json:"steps"`
}

// AppointmentStatus says whether an appointment's reminders still run.
type AppointmentStatus string

// Appointment statuses.
const (
	AppointmentActive    AppointmentStatus = "active"
	AppointmentPaused    AppointmentStatus = "paused"
	AppointmentCancelled AppointmentStatus = "cancelled"
)

// Label is the status as HR reads it.
func (s AppointmentStatus) Label() string {
	switch s {
	case AppointmentActive:
		return "进行中"
	case AppointmentPaused:
		return "已暂停"
	case AppointmentCancelled:
		return "已取消"
	}
	return string(s)
}

// StepStatus is where one reminder step stands.
type StepStatus string

// Step statuses, as `ganwei admin reminders` prints them (design.md §3).
const (
	StepScheduled    StepStatus = "scheduled"
	StepSent         StepStatus = "sent"
	StepAcknowledged StepStatus = "acknowledged"
	StepFailed       StepStatus = "failed" // undeliverable: the leader blocked the bot or never started it
)

// Label is the status as HR reads it.
func (s StepStatus) Label() string {
	switch s {
	case StepScheduled:
		return "待发送"
	case StepSent:
		return "已发送"
	case StepAcknowledged:
		return "已阅知"
	case StepFailed:
		return "发送失败"
	}
	return string(s)
}

// StepLabel is how a step reads to HR, given its registration's state: a step not yet sent
// will never go once the registration is cancelled, and waits while it is paused.
func (a *Appointment) StepLabel(st *StepState) string {
	if st.Status == StepScheduled {
		switch a.Status {
		case AppointmentCancelled:
			return "不再发送"
		case AppointmentPaused:
			return "暂停中"
		}
	}
	return st.Status.Label()
}

// StepState is one step of one appointment's sequence.
type StepState struct {
	ID        string     `json:"id"`
	Title     string     `json:"title,omitempty"`
	NeedsAck  bool       `json:"needs_ack"`
	Status    StepStatus `json:"status"`
	DueAt     time.Time  `json:"due_at"`
	SentAt    time.Time  `json:"sent_at,omitzero"`
	AckedAt   time.Time  `json:"acked_at,omitzero"`
	AckedBy   int64      `json:"acked_by,omitempty"`
	Reminders int        `json:"reminders"`             // reminders sent after the step itself
	NextAt    time.Time  `json:"next_at,omitzero"`      // next send, reminder or escalation
	Escalated time.Time  `json:"escalated_at,omitzero"` // when HR was told it was not acknowledged
	MessageID int        `json:"message_id,omitempty"`  // last message carrying the step's button
	Error     string     `json:"error,omitempty"`
}

// Step returns the step with the id, or nil.
func (a *Appointment) Step(id string) *StepState {
	for _, s := range a.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Validate returns EINVALID when the appointment cannot be registered.
func (a *Appointment) Validate() error {
	if a.PersonID <= 0 && a.TelegramID <= 0 && a.Account == "" {
		return Errorf(EINVALID, "请指明新任职领导：Telegram 用户 ID（正整数）或已登记的人员")
	}
	if strings.TrimSpace(a.Position) == "" {
		return Errorf(EINVALID, "职务不能为空")
	}
	if a.Date != "" {
		if _, err := time.Parse(time.DateOnly, a.Date); err != nil {
			return Errorf(EINVALID, "任职日期格式应为 2026-03-02")
		}
	}
	return validateProfile(a.Name, a.Unit, a.Position)
}

// AckResult says what pressing 已阅知 did.
type AckResult struct {
	// Outcome is AckDone for a fresh acknowledgement, AckAlready for a repeated press, and
	// AckCancelled when the appointment was cancelled (nothing changes then).
	Outcome string
	AckedAt time.Time
}

// Acknowledgement outcomes.
const (
	AckDone      = "done"
	AckAlready   = "already"
	AckCancelled = "cancelled"
)

// ReminderService registers newly appointed leaders and runs their 四项清单 sequences.
type ReminderService interface {
	// Appoint registers a and schedules its sequence; the first step goes out at once. Registering
	// the same person for the same position again returns the existing appointment and false.
	Appoint(ctx context.Context, a *Appointment) (*Appointment, bool, error)
	// Preview returns a copy of a with its steps planned as Appoint would plan them now, storing
	// and sending nothing: what HR confirms before registering. EINVALID as Appoint.
	Preview(ctx context.Context, a *Appointment) (*Appointment, error)
	// Appointment returns one appointment, or ENOTFOUND.
	Appointment(ctx context.Context, id string) (*Appointment, error)
	// Appointments lists every appointment, newest first.
	Appointments(ctx context.Context) ([]*Appointment, error)
	// AppointmentsOf lists one person's appointments (cancelled ones too), newest first.
	AppointmentsOf(ctx context.Context, personID int64) ([]*Appointment, error)
	// Acknowledge records that by read the step. EFORBIDDEN when by is not the appointee,
	// ENOTFOUND for an unknown appointment or step, ECONFLICT for a step not (yet) awaiting it.
	Acknowledge(ctx context.Context, appointmentID, stepID string, by int64) (*AckResult, error)
	// SetAppointmentStatus pauses, resumes or cancels an appointment's reminders. A cancelled
	// appointment stays cancelled (ECONFLICT).
	SetAppointmentStatus(ctx context.Context, id string, status AppointmentStatus) error
	// RemindNow sends the reminder of a sent, unacknowledged step at once. ECONFLICT (with words
	// for HR) for a step or appointment where a reminder makes no sense, ENOTFOUND for none.
	RemindNow(ctx context.Context, appointmentID, stepID string) error
}

// ReminderJob is a claimed piece of due work: send, remind or escalate one step of one
// appointment. Token identifies the claim; completing with a claim that has since expired (and
// been taken over by another replica) changes nothing.
type ReminderJob struct {
	AppointmentID string
	StepID        string
	Token         string // "{instance}#{nonce}": who claimed the job, and the claim's fencing token
}

// JobResult is what processing a job did, recorded atomically with releasing the job.
type JobResult struct {
	// Expect guards the write: it is applied only while the step still has this status (a step
	// acknowledged meanwhile is not reverted to sent). Empty applies unconditionally.
	Expect StepStatus
	// Status, SentAt, Reminders (when SetReminders), EscalatedAt, MessageID and Error are written
	// when set.
	Status       StepStatus
	SentAt       time.Time
	SetReminders bool
	Reminders    int
	EscalatedAt  time.Time
	MessageID    int
	Error        string
	// DueAt, when set, moves the step's due time (a step held back to keep the sequence's order
	// or to go out in working hours).
	DueAt time.Time
	// Next is when the job runs again (a reminder, an escalation, a retry); zero drops it.
	Next time.Time
	// KeepNext leaves the step's recorded next time alone (a retry after a transient error).
	KeepNext bool
}

// ReminderQueue holds due work in shared storage so that every replica can take it and none
// takes the same job twice while its lease runs.
type ReminderQueue interface {
	// CreateAppointment stores a (with its steps' due times set) and schedules one job per step,
	// in one atomic step. When the same person is already registered for the same position it
	// stores nothing and returns the existing appointment's id and false.
	CreateAppointment(ctx context.Context, a *Appointment) (id string, created bool, err error)
	// Appointment returns one appointment, or ENOTFOUND.
	Appointment(ctx context.Context, id string) (*Appointment, error)
	// Appointments lists every appointment, newest first.
	Appointments(ctx context.Context) ([]*Appointment, error)
	// AppointmentsOf lists one person's appointments (cancelled ones too), newest first, reading
	// only theirs.
	AppointmentsOf(ctx context.Context, personID int64) ([]*Appointment, error)
	// AcknowledgeStep records an acknowledgement and drops the step's pending reminders.
	AcknowledgeStep(ctx context.Context, id, stepID string, by int64, at time.Time) (*AckResult, error)
	// SetAppointmentStatus pauses, resumes or cancels; see ReminderService.
	SetAppointmentStatus(ctx context.Context, id string, status AppointmentStatus) error
	// ClaimReminderJobs takes up to limit jobs due at now (and jobs whose lease expired) for
	// lease, on behalf of the process named instance.
	ClaimReminderJobs(ctx context.Context, instance string, now time.Time, lease time.Duration, limit int) ([]ReminderJob, error)
	// RenewReminderJobs extends to now+lease the leases of the jobs still held, and reports how
	// many were.
	RenewReminderJobs(ctx context.Context, jobs []ReminderJob, now time.Time, lease time.Duration) (int, error)
	// ReclaimReminderJobs ends at once the leases of every job instance holds: called when a
	// process starts, it takes back what its previous life left in flight when it died.
	ReclaimReminderJobs(ctx context.Context, instance string) (int, error)
	// CompleteReminderJob records res and releases (or reschedules) the job. It reports false
	// when the lease was lost or the step's status no longer matched res.Expect.
	CompleteReminderJob(ctx context.Context, job ReminderJob, res JobResult) (bool, error)
	// Once reports true to exactly one caller per name within ttl (the daily digest).
	Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
}
