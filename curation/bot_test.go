package curation_test

import (
	"strings"
	"testing"

	"github.com/ganwei-bot/ganwei"
	"github.com/ganwei-bot/ganwei/curation"
	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/testkit"
)

// TestTheBotAnswersWithAnEntryWrittenOnAnotherReplica: an entry written on one replica (the
// console's) reaches the bot's answers on another at its next Sync; markup in it reaches the chat
// as plain text (the bot sends no parse mode), and its buttons carry only the generated id.
func TestTheBotAnswersWithAnEntryWrittenOnAnotherReplica(t *testing.T) {
	app := testkit.NewApp(t)
	consoleLib, err := knowledge.Open("")
	if err != nil {
		t.Fatal(err)
	}
	console := &curation.Editor{Versions: app.Store, Users: app.Store, Audit: app.Store, Library: consoleLib, Now: app.Clock.Now}
	bot := &curation.Editor{Versions: app.Store, Users: app.Store, Library: app.Handlers.Answerer.Library, Now: app.Clock.Now}
	d := housing()
	d.Answer = `请向干部科申请周转房<script>alert(1)</script>，详见 <a href="javascript:x">通知</a>。`
	hr := ganwei.NewContextWithActor(app.Ctx, ganwei.Actor{ID: testkit.HRID})
	v, err := console.Add(hr, d)
	if err != nil {
		t.Fatal(err)
	}
	before := app.Say(testkit.CadreID, "干部周转房怎么申请")
	if strings.Contains(before.Text, "周转房<script>") {
		t.Fatal("the bot's replica answered before syncing")
	}
	if changed, err := bot.Sync(app.Ctx); !changed || err != nil {
		t.Fatalf("sync: %v %v", changed, err)
	}
	m := app.Say(testkit.CadreID, "干部周转房怎么申请")
	if !strings.Contains(m.Text, `请向干部科申请周转房<script>alert(1)</script>`) || !strings.Contains(m.Text, `<a href="javascript:x">通知</a>。`) ||
		!strings.Contains(m.Text, "《区委组织部关于干部周转房管理的通知》") {
		t.Fatalf("the bot's answer does not carry the new entry verbatim:\n%s", m.Text)
	}
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.ContainsAny(b.Action, "<>\"") {
				t.Errorf("button data %q carries markup", b.Action)
			}
		}
	}
	// Retired on the console's replica: the bot stops answering with it after its sync.
	if _, err := console.Retire(hr, v.EntryID, v.N); err != nil {
		t.Fatal(err)
	}
	if changed, err := bot.Sync(app.Ctx); !changed || err != nil {
		t.Fatalf("sync after retire: %v %v", changed, err)
	}
	if m := app.Say(testkit.CadreID, "干部周转房怎么申请"); strings.Contains(m.Text, "请向干部科申请周转房") {
		t.Errorf("the bot still answers with the retired entry:\n%s", m.Text)
	}
}
