package ganwei

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Care check-ins (关心关爱): a short, kind questionnaire a cadre answers about once a period.
//
// The answers are health and state-of-mind data about named people. Whatever handles them must:
// never log them, never send them to a language model, show them only to the cadre and authorised
// HR, show a group's figures only when at least MinGroupSize people in it answered, and write every
// view of an individual's answers to the audit log.

// Support is how much support a cadre feels they get in their work (工作支持).
type Support string

// Support answers.
const (
	SupportEnough  Support = "enough"  // 充分
	SupportPartly  Support = "partly"  // 部分
	SupportLacking Support = "lacking" // 不足
)

// Supports lists the answers in the order they are offered.
var Supports = []Support{SupportEnough, SupportPartly, SupportLacking}

// Label is the answer as the cadre reads it.
func (s Support) Label() string {
	switch s {
	case SupportEnough:
		return "充分"
	case SupportPartly:
		return "部分到位"
	case SupportLacking:
		return "不足"
	}
	return string(s)
}

// Benefits says whether the cadre's entitlements are in place (待遇落实).
type Benefits string

// Benefits answers.
const (
	BenefitsOK      Benefits = "ok"      // 都已落实
	BenefitsPending Benefits = "pending" // 还有未落实的
)

// BenefitsAll lists the answers in the order they are offered.
var BenefitsAll = []Benefits{BenefitsOK, BenefitsPending}

// Label is the answer as the cadre reads it.
func (b Benefits) Label() string {
	switch b {
	case BenefitsOK:
		return "都已落实"
	case BenefitsPending:
		return "有未落实的"
	}
	return string(b)
}

// MinGroupSize is the smallest number of answers for which a group's figures are shown; below it
// a few answers could be traced back to a person.
const MinGroupSize = 3

// MaxNoteLen bounds the optional free-text line.
const MaxNoteLen = 200

// The check-in's questions, as they are named in stored answers (the {prefix}:ci:* hash fields),
// in open dialogs (the step) and in button payloads ("ci:a:<question>:<value>"). The stored forms
// are short for the 64-byte button limit and must not change: answers and dialogs written
// earlier, and buttons already in people's chats, carry them.
const (
	QuestionWellbeing = "w"    // 身心状态, 1–5 (5 best)
	QuestionStress    = "s"    // 工作压力, 1–5 (5 heaviest)
	QuestionSupport   = "sup"  // 工作支持 (Support)
	QuestionBenefits  = "ben"  // 待遇落实 (Benefits)
	QuestionTalk      = "talk" // 想谈心谈话 ("1" yes, "0" no)
	QuestionNote      = "note" // the optional line
)

// CheckIn is one cadre's answer for one period. A second answer in the same period replaces the
// first. It is saved as the person answers, question by question, so a check-in may be partial: a
// zero Wellbeing or Stress, an empty Support or Benefits, and TalkAnswered false mean "not
// answered yet", and aggregates count each question only where it was answered.
type CheckIn struct {
	UserID    int64    `json:"user_id"`
	Unit      string   `json:"unit,omitempty"` // the cadre's unit when answering; aggregates count it there
	Period    string   `json:"period"`         // Period.ID, e.g. "2026-W48"
	Wellbeing int      `json:"wellbeing"`      // 身心状态 1 (poor) .. 5 (good)
	Stress    int      `json:"stress"`         // 工作压力 1 (light) .. 5 (heavy)
	Support   Support  `json:"support"`
	Benefits  Benefits `json:"benefits"`
	Talk      bool     `json:"talk"` // would like a talk with the organization (谈心谈话)
	// TalkAnswered says the talk question was answered (Talk false then means "not now").
	TalkAnswered bool   `json:"talk_answered"`
	Note         string `json:"note,omitempty"` // optional free text; kept for a shorter time than scores

	SubmittedAt time.Time `json:"submitted_at"`
}

// Answered counts the questions answered (0..5).
func (c *CheckIn) Answered() int {
	n := 0
	for _, ok := range []bool{c.Wellbeing != 0, c.Stress != 0, c.Support != "", c.Benefits != "", c.TalkAnswered} {
		if ok {
			n++
		}
	}
	return n
}

// Complete reports whether all five questions are answered (the free-text line is optional).
func (c *CheckIn) Complete() bool { return c.Answered() == 5 }

// Validate returns EINVALID when an answer is out of range or nothing is answered. Unanswered
// questions (zero values) are allowed: a check-in is saved as it is given.
func (c *CheckIn) Validate() error {
	if c.Talk {
		c.TalkAnswered = true
	}
	switch {
	case c.UserID <= 0:
		return Errorf(EINVALID, "缺少填写人")
	case c.Period == "":
		return Errorf(EINVALID, "缺少问卷周期")
	case c.Answered() == 0:
		return Errorf(EINVALID, "请至少回答一个问题")
	case c.Wellbeing < 0 || c.Wellbeing > 5:
		return Errorf(EINVALID, "身心状态请选择 1 到 5")
	case c.Stress < 0 || c.Stress > 5:
		return Errorf(EINVALID, "工作压力请选择 1 到 5")
	case c.Support != "" && c.Support != SupportEnough && c.Support != SupportPartly && c.Support != SupportLacking:
		return Errorf(EINVALID, "请选择工作支持情况")
	case c.Benefits != "" && c.Benefits != BenefitsOK && c.Benefits != BenefitsPending:
		return Errorf(EINVALID, "请选择待遇落实情况")
	case utf8.RuneCountInString(c.Note) > MaxNoteLen:
		return Errorf(EINVALID, "补充说明请不超过 %d 个字", MaxNoteLen)
	case strings.ContainsAny(c.Unit, "\x00"):
		return Errorf(EINVALID, "单位名称无效")
	}
	return nil
}

// FollowUpReasons says why this answer should open a follow-up case, or nil when it should not.
// The reasons are short Chinese phrases HR reads.
func (c *CheckIn) FollowUpReasons() []string {
	var r []string
	if c.Talk {
		r = append(r, "希望谈心谈话")
	}
	if c.Wellbeing >= 1 && c.Wellbeing <= 2 {
		r = append(r, "身心状态较差")
	}
	if c.Stress >= 5 {
		r = append(r, "工作压力很大")
	}
	if c.Benefits == BenefitsPending {
		r = append(r, "待遇未落实")
	}
	return r
}

// Aggregate is what is known about a group's answers in one period, without identities: counts,
// sums and distributions. Stores keep it precomputed, so that summaries never read raw answers.
// Each question is counted where it was answered: the distributions' totals are the number of
// people who answered that question, which may be fewer than Responses for partial check-ins.
type Aggregate struct {
	Period    string `json:"period"`
	Unit      string `json:"unit,omitempty"` // "" for everyone
	Eligible  int    `json:"eligible"`       // people prompted this period plus anyone else who answered (0 when unknown)
	Responses int    `json:"responses"`      // people who answered at least one question
	Blocked   int    `json:"blocked"`        // prompts Telegram refused (the person blocked the bot)
	// Suppressed is set by the summary code (never stored) when the group's figures must stay
	// hidden although it has enough answers, because showing them would let a smaller group's
	// figures be derived by subtraction (complementary suppression; see checkin.Suppress).
	Suppressed bool `json:"suppressed,omitempty"`
	// Open is set by the summary code (never stored) while the period is still running: its
	// figures change with every answer, so two readings a minute apart would give that answer
	// away. They are shown once the period has closed.
	Open bool `json:"open,omitempty"`

	WellbeingSum  int              `json:"wellbeing_sum"`
	StressSum     int              `json:"stress_sum"`
	WellbeingDist [5]int           `json:"wellbeing_dist"` // index 0 = score 1
	StressDist    [5]int           `json:"stress_dist"`
	Support       map[Support]int  `json:"support"`
	Benefits      map[Benefits]int `json:"benefits"`
	Talk          int              `json:"talk"`
	TalkAnswered  int              `json:"talk_answered"` // people who answered the talk question
}

// Sizes are the numbers of people behind each figure of the group: responses, then those who
// answered 身心状态, 工作压力, 工作支持, 待遇落实 and 谈心谈话. Each must be 0 or at least
// MinGroupSize for the figures to be shown.
func (a *Aggregate) Sizes() [6]int {
	sum := func(xs ...int) int {
		t := 0
		for _, x := range xs {
			t += x
		}
		return t
	}
	sup, ben := 0, 0
	for _, v := range a.Support {
		sup += v
	}
	for _, v := range a.Benefits {
		ben += v
	}
	return [6]int{a.Responses, sum(a.WellbeingDist[:]...), sum(a.StressDist[:]...), sup, ben, a.TalkAnswered}
}

// Small reports whether some figure of the group rests on 1 or 2 people.
func (a *Aggregate) Small() bool {
	for _, n := range a.Sizes() {
		if n > 0 && n < MinGroupSize {
			return true
		}
	}
	return false
}

// Visible reports whether the group's figures may be shown: enough people answered every
// question behind them, complementary suppression did not hide the group, and the period has
// closed.
func (a *Aggregate) Visible() bool {
	return a.Responses >= MinGroupSize && !a.Small() && !a.Suppressed && !a.Open
}

// Participation is responses over eligible people, never above 1, or 0 when eligibility is
// unknown.
func (a *Aggregate) Participation() float64 {
	if a.Eligible <= 0 {
		return 0
	}
	return min(1, float64(a.Responses)/float64(a.Eligible))
}

// WellbeingAvg is the mean 身心状态 score of those who answered it, 0 without answers.
func (a *Aggregate) WellbeingAvg() float64 {
	n := a.Sizes()[1]
	if n == 0 {
		return 0
	}
	return float64(a.WellbeingSum) / float64(n)
}

// StressAvg is the mean 工作压力 score of those who answered it, 0 without answers.
func (a *Aggregate) StressAvg() float64 {
	n := a.Sizes()[2]
	if n == 0 {
		return 0
	}
	return float64(a.StressSum) / float64(n)
}

// CaseStatus is where a follow-up case stands.
type CaseStatus string

// Case statuses, in order.
const (
	CaseOpen      CaseStatus = "open"      // 待跟进
	CaseAssigned  CaseStatus = "assigned"  // 已指派
	CaseContacted CaseStatus = "contacted" // 已联系
	CaseClosed    CaseStatus = "closed"    // 已结案
)

// Label is the status as HR reads it.
func (s CaseStatus) Label() string {
	switch s {
	case CaseOpen:
		return "待跟进"
	case CaseAssigned:
		return "已指派"
	case CaseContacted:
		return "已联系"
	case CaseClosed:
		return "已结案"
	}
	return string(s)
}

// CaseHead is what a case list filters on: which case, its unit and its status.
type CaseHead struct {
	ID     string
	Unit   string
	Status CaseStatus
}

// Case is a follow-up an answer asked for: a talk request, very low scores or benefits not in
// place. After the cadre uses /forgetme, UserID is 0 and the case keeps only its history.
type Case struct {
	ID        string     `json:"id"`
	UserID    int64      `json:"user_id,omitempty"`
	Unit      string     `json:"unit,omitempty"`
	Period    string     `json:"period"`
	Reasons   []string   `json:"reasons"`
	Status    CaseStatus `json:"status"`
	Assignee  int64      `json:"assignee,omitempty"`
	Notes     []CaseNote `json:"notes,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// MaxCaseNoteLen bounds the note HR writes on a follow-up case, in characters.
const MaxCaseNoteLen = 500

// CaseNote is one step in a case's history.
type CaseNote struct {
	At     time.Time  `json:"at"`
	By     int64      `json:"by"`
	Status CaseStatus `json:"status"`
	Text   string     `json:"text,omitempty"`
}

// SubmitResult tells what a submission did.
type SubmitResult struct {
	Updated bool   // the person had already answered this period; the answer was replaced
	CaseID  string // the follow-up case this answer opened or joined, "" for none
	NewCase bool   // CaseID was opened by this submission
	// TalkRequested says this submission asked for a talk where the stored answer did not: the
	// moment to alert HR.
	TalkRequested bool
}

// Actor is who asks a service to do something: a person known to the bot (ID, with the Account
// they act from), a stranger (ID 0, only an Account), or an operator at the command line
// (Operator, the OS user), who holds REDIS_URL and so every right.
type Actor struct {
	ID       int64
	Account  Account // the account the person acts from; "" from the command line and the web console
	Operator string
}

// CommandLine reports whether the actor is a command-line operator: no person, no account, and
// an operator's name. A stranger (ID 0 with an account) is not one.
func (a Actor) CommandLine() bool { return a.ID == 0 && a.Account == "" && a.Operator != "" }

// Audit actions.
const (
	AuditViewCase         = "view_case"         // opened one person's case and answer
	AuditListCases        = "list_cases"        // listed the people with follow-up cases
	AuditExportIndividual = "export_individual" // exported one row per answer
	AuditViewSummary      = "view_summary"      // viewed aggregate figures
	AuditExportAggregates = "export_aggregates" // exported aggregate figures
	AuditRemindNow        = "remind_now"        // had a 四项清单 reminder sent at once (Subject: the leader)
	AuditInviteMany       = "invite_many"       // issued invite codes from a 花名册 sheet (Detail: how many)
	AuditExportInvites    = "export_invites"    // downloaded the invite codes they issued (Detail: how many)
	AuditSetScope         = "set_scope"         // changed an HR officer's units (Subject; Detail: the units)
)

// AuditEntry records that someone viewed individual check-in data, or aggregate figures.
type AuditEntry struct {
	At       time.Time `json:"at"`
	Actor    int64     `json:"actor"`              // person id of the viewer; 0 for the command line
	Operator string    `json:"operator,omitempty"` // the OS user, for the command line
	Action   string    `json:"action"`             // one of the Audit* constants
	Subject  int64     `json:"subject,omitempty"`  // whose answers, when one person's
	Unit     string    `json:"unit,omitempty"`     // which unit's figures ("" = everyone)
	Periods  []string  `json:"periods,omitempty"`  // which periods
	Detail   string    `json:"detail,omitempty"`
	// Count and LastAt: identical views of aggregate figures within a short window are one entry,
	// seen Count times, the last at LastAt (see CoalesceWindow). Zero Count means once.
	Count  int       `json:"count,omitempty"`
	LastAt time.Time `json:"last_at,omitzero"`
}

// CoalesceWindow is how long identical views of aggregate figures (same person, unit and
// periods) count as one audit entry. Views of individual answers are never coalesced.
const CoalesceWindow = 10 * time.Minute

// Coalescable reports whether e may share an entry with identical ones: views of aggregate
// figures only, never anything that shows or lists individual people.
func (e *AuditEntry) Coalescable() bool { return e.Action == AuditViewSummary }

// CheckInService stores check-ins, their aggregates and follow-up cases: the union of the
// interfaces below, one per use case, which consumers take when they need only that part.
type CheckInService interface {
	CheckInAnswers
	CheckInFigures
	CaseStore
	AuditTrail
	PromptClaims
	CheckInExporter
}

// CheckInAnswers is a person answering: their own check-ins.
type CheckInAnswers interface {
	// SubmitCheckIn stores c and adjusts the period's aggregates (overall and c.Unit) in one
	// atomic step; a second answer in the same period replaces the first and is not counted
	// twice. An answer that needs follow-up opens a case unless the period's case is still
	// active. EINVALID for a bad answer, EUNAVAILABLE when Redis is down (nothing was written).
	SubmitCheckIn(ctx context.Context, c *CheckIn) (*SubmitResult, error)
	// WithdrawCheckIn deletes the person's answer for the period and takes it out of the
	// aggregates (the person pressed 取消 on a check-in started fresh). Withdrawing none is not
	// an error. The person stays counted as eligible; a case the answer opened is closed unless
	// HR has taken it up.
	WithdrawCheckIn(ctx context.Context, userID int64, period string) error
	// CheckIn returns the person's answer for the period, or ENOTFOUND.
	CheckIn(ctx context.Context, userID int64, period string) (*CheckIn, error)
	// CheckIns returns the person's answers, newest first, at most limit (0 = all).
	CheckIns(ctx context.Context, userID int64, limit int) ([]*CheckIn, error)
}

// CheckInFigures is the aggregates behind summaries: counts and sums per period and unit.
type CheckInFigures interface {
	// Aggregates returns the aggregates of the periods for one unit ("" = everyone), in the
	// order asked; a period without answers has a zero Aggregate.
	Aggregates(ctx context.Context, periods []string, unit string) ([]*Aggregate, error)
	// GroupAggregates returns the aggregates of every group in every period in one go: for each
	// group ("" = everyone) in the order asked, its periods in the order asked.
	GroupAggregates(ctx context.Context, periods, groups []string) ([][]*Aggregate, error)
	// UnitAggregates returns one period's aggregate for each unit, in the order asked.
	UnitAggregates(ctx context.Context, period string, units []string) ([]*Aggregate, error)
	// CheckInUnits lists every unit that has answered at least once.
	CheckInUnits(ctx context.Context) ([]string, error)
	// MarkBlocked counts a prompt Telegram refused because the person blocked the bot.
	MarkBlocked(ctx context.Context, period, unit string) error
	// MarkEligible counts the people as eligible for the period (overall and in their unit),
	// each once however often it is called; an answer counts its author too.
	MarkEligible(ctx context.Context, period string, users []*User) error
}

// CaseStore keeps the follow-up cases.
type CaseStore interface {
	// Cases lists cases; active only (not closed) when activeOnly.
	Cases(ctx context.Context, activeOnly bool) ([]*Case, error)
	// ActiveCaseHeads lists the active cases' id, unit and status in Cases' order: enough to
	// filter and count them without reading their notes.
	ActiveCaseHeads(ctx context.Context) ([]CaseHead, error)
	// CasesByID reads the cases with the ids, in order, skipping any that do not exist.
	CasesByID(ctx context.Context, ids []string) ([]*Case, error)
	// OpenCases counts the cases not closed, overall and per unit.
	OpenCases(ctx context.Context) (total int, perUnit map[string]int, err error)
	// Case returns one case, or ENOTFOUND.
	Case(ctx context.Context, id string) (*Case, error)
	// UpdateCase moves a case to status with an optional note; EINVALID for a backwards move.
	UpdateCase(ctx context.Context, id string, status CaseStatus, by int64, note string) (*Case, error)
	// ReopenCase puts a closed case back to 待跟进 with a note; EINVALID when it is not closed.
	ReopenCase(ctx context.Context, id string, by int64, note string) (*Case, error)
}

// AuditTrail is the log of who viewed individual answers or figures.
type AuditTrail interface {
	// Audit appends an entry to the audit log.
	Audit(ctx context.Context, e *AuditEntry) error
	// AuditLog returns the newest entries first, at most limit.
	AuditLog(ctx context.Context, limit int) ([]*AuditEntry, error)
	// AuditLogPage returns limit entries from offset (0 = the newest), and how many there are.
	AuditLogPage(ctx context.Context, offset, limit int) ([]*AuditEntry, int, error)
}

// PromptClaims is the prompt schedule's shared state: who was prompted, who is paused.
type PromptClaims interface {
	// ClaimPrompt reports whether this caller is the first to claim sending kind ("prompt",
	// "reminder") to the person for the period; several replicas call it and only one wins.
	ClaimPrompt(ctx context.Context, userID int64, period, kind string) (bool, error)
	// SetPaused pauses (or resumes) prompts for a person (id) or a unit (unit).
	SetPaused(ctx context.Context, userID int64, unit string, paused bool) error
	// Paused returns the paused people and units.
	Paused(ctx context.Context) (users map[int64]bool, units map[string]bool, err error)
}

// CheckInExporter reads every answer for exports.
type CheckInExporter interface {
	// EachCheckIn calls fn for every stored answer in the periods, person by person. It is for
	// exports by authorised staff; the caller writes the audit entry.
	EachCheckIn(ctx context.Context, periods []string, fn func(*CheckIn) error) error
}

// Period is one check-in round: from one scheduled prompt to the next.
type Period struct {
	ID    string    // stable key, e.g. "2026-W48" (weekly), "2026-11" (monthly), "2026-11-27"
	Label string    // as people read it, e.g. "2026年第48周"
	Start time.Time // the scheduled prompt that opens it
	End   time.Time // the next one
}

// PeriodCalendar maps times to check-in periods.
type PeriodCalendar interface {
	// PeriodAt returns the period t falls in.
	PeriodAt(t time.Time) Period
	// Recent returns the n periods up to and including the one t falls in, oldest first.
	Recent(t time.Time, n int) []Period
}

// PeriodLabel renders a period id as people read it: "2026-W48" → "2026年第48周",
// "2026-11" → "2026年11月", "2026-11-27" → "2026年11月27日".
func PeriodLabel(id string) string {
	var y, n, d int
	if len(id) == 8 && id[4:6] == "-W" {
		if _, err := fmt.Sscanf(id, "%d-W%d", &y, &n); err == nil {
			return fmt.Sprintf("%d年第%d周", y, n)
		}
	}
	if _, err := fmt.Sscanf(id, "%d-%d-%d", &y, &n, &d); err == nil && len(id) == 10 {
		return fmt.Sprintf("%d年%d月%d日", y, n, d)
	}
	if _, err := fmt.Sscanf(id, "%d-%d", &y, &n); err == nil && len(id) == 7 {
		return fmt.Sprintf("%d年%d月", y, n)
	}
	return id
}
