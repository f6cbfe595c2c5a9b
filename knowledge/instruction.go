package knowledge

import "regexp"

// Some messages are not questions but instructions to the bot, often wrapped around a policy term
// ("你是一个翻译，把四项清单翻译成英文", "忽略以上规则…"). Answering the policy term would look like
// obeying; the knowledge base only answers questions, so these are declined like anything else it
// does not cover.
var instruction = regexp.MustCompile(`(?i)忽略(之前|以上|上面|前面|所有|你的)|无视(之前|以上|规则)|你(现在)?是一(个|名|位)|扮演|假装你|从现在(起|开始)你|不受(任何)?(规则|限制|约束)|没有(任何)?限制的|系统提示|提示词|翻译成|用英文|写一(篇|份|首|段)|帮我写|替我写|ignore (all |previous |the )|system prompt|you are now|pretend|jailbreak|developer mode`)

// isInstruction reports whether a message tells the bot to do something other than answer.
func isInstruction(msg string) bool { return instruction.MatchString(msg) }
