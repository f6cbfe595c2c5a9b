module github.com/ganwei-bot/ganwei

go 1.26.8

require (
	github.com/sashabaranov/go-openai v1.43.0
	golang.org/x/text v0.44.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/mozillazg/go-pinyin v0.21.0
