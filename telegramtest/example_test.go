package telegramtest_test

import (
	"context"
	"fmt"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/ganwei-bot/ganwei/telegramtest"
)

// A bot under test polls the stand-in; the test types as a user and waits
// for the reply without sleeping.
func Example() {
	srv := telegramtest.New()
	defer srv.Close()

	echo := func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		b.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "收到：" + u.Message.Text})
	}
	b, err := tgbot.New(srv.Token(), tgbot.WithServerURL(srv.URL()), tgbot.WithDefaultHandler(echo))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()

	srv.SendText(42, "你好")
	msgs, err := srv.WaitMessages(ctx, 42, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(msgs[0].Text)

	cancel()
	<-done
	// Output: 收到：你好
}
