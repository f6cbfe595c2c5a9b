// Package ganwei holds the domain of Ganwei (敢为助手): the people it serves, their roles, and the
// service interfaces the Telegram handlers speak to. It imports no infrastructure; Redis, Telegram
// and the language model live in packages named after them.
package ganwei
