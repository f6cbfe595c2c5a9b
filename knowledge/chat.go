package knowledge

import (
	"strings"
	"unicode"
)

// Small talk and acknowledgements are not policy questions: declining them ("知识库里暂时没有…")
// reads as rude, and putting them in the curators' unanswered queue is noise. They get a short,
// friendly line instead (BandChat).

const (
	chatHello  = "您好！我是敢为助手。有干部政策方面的问题直接发给我就行，例如「犯了错误还能容错吗？」；也可以发送 /topics 按主题浏览。"
	chatWho    = "我是敢为助手，一个按组织部门整理的政策知识库自动作答的机器人，不是真人。政策问题直接问我就行；需要当面沟通的，我会告诉您联系谁。"
	chatThanks = "不客气！还有问题随时问我。"
	chatAck    = "好的。还有问题随时问我。"
	chatBye    = "好的，祝您工作顺利！有问题随时找我。"
)

// smallTalk maps a message, folded by chatKey, to its reply.
var smallTalk = func() map[string]string {
	m := map[string]string{}
	add := func(reply string, ws ...string) {
		for _, w := range ws {
			m[w] = reply
		}
	}
	add(chatHello, "你好", "您好", "你好啊", "您好啊", "你好呀", "您好呀", "在吗", "在不在", "在么", "hi", "hello", "哈喽",
		"嗨", "早", "早上好", "上午好", "中午好", "下午好", "晚上好", "大家好", "你好小助手", "助手你好", "哈哈", "哈哈哈", "呵呵")
	add(chatWho, "你是机器人吗", "你是谁", "你是真人吗", "你是人吗", "你是ai吗", "你是人工智能吗", "你叫什么", "你叫什么名字",
		"你是干什么的", "你能做什么", "你会什么", "你能干什么", "你有什么用")
	add(chatThanks, "谢谢", "谢谢你", "谢谢您", "多谢", "感谢", "谢了", "好的谢谢", "好谢谢", "ok谢谢", "收到谢谢", "明白了谢谢",
		"辛苦了", "辛苦", "thanks", "thank you", "thx", "麻烦了", "太感谢了", "非常感谢")
	add(chatAck, "好的", "好", "好滴", "好嘞", "行", "可以", "收到", "收到了", "明白", "明白了", "知道了", "了解", "了解了",
		"懂了", "清楚了", "ok", "okay", "嗯", "嗯嗯", "已阅", "已阅知", "已读", "阅", "👍", "👌", "🙏", "好的收到", "好的明白")
	add(chatBye, "再见", "拜拜", "bye", "回头见")
	return m
}()

// SmallTalk returns the friendly reply to a greeting, thanks or acknowledgement, and false for
// anything else (which is then a question for the knowledge base).
func SmallTalk(text string) (string, bool) {
	key := chatKey(text)
	if key == "" {
		return "", false
	}
	if r, ok := smallTalk[key]; ok {
		return r, true
	}
	key = strings.TrimRight(key, "啊呀哈呢吧哦啦~") // 好的呀, 收到啦
	if r, ok := smallTalk[key]; ok {
		return r, true
	}
	// 哈哈你好, 嗯好的: a laugh or a hum in front does not change what was said.
	for _, p := range []string{"哈哈哈", "哈哈", "呵呵", "嗯嗯", "嗯", "哦", "噢"} {
		if rest, ok := strings.CutPrefix(key, p); ok && rest != "" {
			if r, ok := smallTalk[rest]; ok {
				return r, true
			}
		}
	}
	return "", false
}

// chatKey folds a short message for the small-talk table: width, traditional characters, case,
// punctuation and spaces removed. Long messages are never small talk.
func chatKey(text string) string {
	if len([]rune(text)) > 20 {
		return ""
	}
	s := strings.ToLower(toSimplified(widthFold(text)))
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r > 0x2600 && !unicode.IsPunct(r) && !unicode.IsSpace(r) && r != '～' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
