package ganwei_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
)

func TestCheckInFollowUpReasons(t *testing.T) {
	ok := ganwei.CheckIn{UserID: 1, Period: "2026-W47", Wellbeing: 3, Stress: 4, Support: ganwei.SupportPartly, Benefits: ganwei.BenefitsOK}
	for _, tc := range []struct {
		name   string
		change func(c *ganwei.CheckIn)
		want   []string
	}{
		{"fine", func(*ganwei.CheckIn) {}, nil},
		{"talk", func(c *ganwei.CheckIn) { c.Talk = true }, []string{"希望谈心谈话"}},
		{"wellbeing 2", func(c *ganwei.CheckIn) { c.Wellbeing = 2 }, []string{"身心状态较差"}},
		{"stress 5", func(c *ganwei.CheckIn) { c.Stress = 5 }, []string{"工作压力很大"}},
		{"benefits", func(c *ganwei.CheckIn) { c.Benefits = ganwei.BenefitsPending }, []string{"待遇未落实"}},
		{"all", func(c *ganwei.CheckIn) {
			c.Talk, c.Wellbeing, c.Stress, c.Benefits = true, 1, 5, ganwei.BenefitsPending
		},
			[]string{"希望谈心谈话", "身心状态较差", "工作压力很大", "待遇未落实"}},
	} {
		c := ok
		tc.change(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
		if got := c.FollowUpReasons(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: FollowUpReasons = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCheckInValidate(t *testing.T) {
	base := ganwei.CheckIn{UserID: 1, Period: "2026-W47", Wellbeing: 3, Stress: 3, Support: ganwei.SupportEnough, Benefits: ganwei.BenefitsOK}
	for _, tc := range []struct {
		name   string
		change func(c *ganwei.CheckIn)
	}{
		{"no user", func(c *ganwei.CheckIn) { c.UserID = 0 }},
		{"no period", func(c *ganwei.CheckIn) { c.Period = "" }},
		{"wellbeing -1", func(c *ganwei.CheckIn) { c.Wellbeing = -1 }},
		{"nothing answered", func(c *ganwei.CheckIn) { *c = ganwei.CheckIn{UserID: 1, Period: "2026-W47"} }},
		{"stress 6", func(c *ganwei.CheckIn) { c.Stress = 6 }},
		{"support", func(c *ganwei.CheckIn) { c.Support = "lots" }},
		{"benefits", func(c *ganwei.CheckIn) { c.Benefits = "maybe" }},
		{"long note", func(c *ganwei.CheckIn) { c.Note = strings.Repeat("字", ganwei.MaxNoteLen+1) }},
	} {
		c := base
		tc.change(&c)
		if err := c.Validate(); ganwei.ErrorCode(err) != ganwei.EINVALID {
			t.Errorf("%s: Validate = %v, want EINVALID", tc.name, err)
		}
	}
}

func TestPeriodLabel(t *testing.T) {
	for in, want := range map[string]string{
		"2026-W48": "2026年第48周", "2026-W01": "2026年第1周", "2026-11": "2026年11月", "2026-11-27": "2026年11月27日", "odd": "odd",
	} {
		if got := ganwei.PeriodLabel(in); got != want {
			t.Errorf("PeriodLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

// A partial check-in saves the questions answered so far.
func TestCheckInPartialIsValid(t *testing.T) {
	c := ganwei.CheckIn{UserID: 1, Period: "2026-W47", Wellbeing: 1}
	if err := c.Validate(); err != nil || c.Complete() || c.Answered() != 1 {
		t.Errorf("wellbeing only: Validate = %v, complete %v, answered %d", err, c.Complete(), c.Answered())
	}
	if got := c.FollowUpReasons(); !reflect.DeepEqual(got, []string{"身心状态较差"}) {
		t.Errorf("wellbeing 1 alone: reasons %v, want the follow-up at once", got)
	}
	c = ganwei.CheckIn{UserID: 1, Period: "2026-W47", Stress: 3}
	if got := c.FollowUpReasons(); got != nil {
		t.Errorf("unanswered wellbeing counts as poor: %v", got)
	}
}

func TestAggregateVisibility(t *testing.T) {
	a := &ganwei.Aggregate{Responses: 2, Eligible: 4, WellbeingSum: 7, WellbeingDist: [5]int{0, 0, 1, 1, 0}}
	if a.Visible() || a.Participation() != 0.5 || a.WellbeingAvg() != 3.5 {
		t.Errorf("2 of 4: visible %v participation %v avg %v", a.Visible(), a.Participation(), a.WellbeingAvg())
	}
	a.Responses, a.WellbeingDist = ganwei.MinGroupSize, [5]int{0, 1, 1, 1, 0}
	if !a.Visible() {
		t.Errorf("%d answers not visible", ganwei.MinGroupSize)
	}
	// Three responded, but only two answered 工作压力: that average would be about two people.
	a.StressDist, a.StressSum = [5]int{1, 1, 0, 0, 0}, 3
	if a.Visible() {
		t.Errorf("a figure resting on 2 answers is visible")
	}
	// HR answered without being prompted: never over 100%.
	if p := (&ganwei.Aggregate{Responses: 4, Eligible: 3}).Participation(); p != 1 {
		t.Errorf("participation of 4 over 3 = %v, want at most 1", p)
	}
	if (&ganwei.Aggregate{}).Participation() != 0 || (&ganwei.Aggregate{}).StressAvg() != 0 {
		t.Errorf("empty aggregate divides by zero")
	}
}
