package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ganwei-bot/ganwei/knowledge"
	"github.com/ganwei-bot/ganwei/llm"
)

// askResult is one line of `ganwei ask --json`, the shape promised in design.md §3, plus the
// band (answered, candidates, declined, chat) and the "您是想问" candidates.
type askResult struct {
	Q          string             `json:"q"`
	Answer     string             `json:"answer"`
	Found      bool               `json:"found"`
	Sources    []knowledge.Source `json:"sources"`
	Micros     int64              `json:"micros"`
	Band       knowledge.Band     `json:"band"`
	Candidates []knowledge.Topic  `json:"candidates,omitempty"`
}

// runAsk answers questions from the knowledge base without Telegram, as the bot would.
func runAsk(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	batch := fs.Bool("batch", false, "read one question a line from stdin (plain text or {\"q\": ...})")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: ganwei ask [--json] [--batch] [QUESTION]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	switch {
	case *batch && question != "":
		return usageErrorf("give a question or --batch, not both")
	case !*batch && question == "":
		return usageErrorf("no question (give one, or use --batch to read stdin)")
	}
	cfg, err := loadConfig(env.Getenv) // the same settings, checked the same way, as serve
	if err != nil {
		return err
	}
	ans, err := newAnswerer(cfg, func(format string, args ...any) { fmt.Fprintf(env.Stderr, format+"\n", args...) })
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	answer := func(q string) error {
		start := time.Now()
		a := ans.Answer(ctx, q)
		micros := time.Since(start).Microseconds()
		if !*asJSON {
			_, err := fmt.Fprintf(out, "%s\n\n", a.Text)
			return err
		}
		if a.Sources == nil {
			a.Sources = []knowledge.Source{}
		}
		return writeJSON(out, askResult{Q: q, Answer: a.Text, Found: a.Found, Sources: a.Sources, Micros: micros, Band: a.Band, Candidates: a.Candidates})
	}
	if !*batch {
		return answer(question)
	}
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		q := batchQuestion(sc.Text())
		if q == "" {
			continue
		}
		if err := answer(q); err != nil {
			return fmt.Errorf("write answer: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read questions: %w", err)
	}
	return nil
}

// batchQuestion takes a line of --batch input: a JSON object with "q", or the question itself.
func batchQuestion(line string) string {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "{") {
		var in struct {
			Q string `json:"q"`
		}
		if json.Unmarshal([]byte(line), &in) == nil {
			return strings.TrimSpace(in.Q)
		}
	}
	return line
}

// writeJSON writes v as one line without escaping HTML characters or CJK, so that the output
// stays readable in a terminal.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	return nil
}

// openLibrary loads the embedded knowledge base plus the operator directory, if configured.
func openLibrary(env Env) (*knowledge.Library, error) {
	cfg, err := loadConfig(env.Getenv) // the same settings, checked the same way, as serve
	if err != nil {
		return nil, err
	}
	lib, err := knowledge.Open(cfg.KnowledgeDir)
	if err != nil {
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	return lib, nil
}

// newAnswerer builds the Answerer from the configuration: the knowledge base, the human contact
// and, when OPENAI_API_KEY or OPENAI_BASE_URL is set, the model.
func newAnswerer(cfg *Config, logf func(format string, args ...any)) (*knowledge.Answerer, error) {
	lib, err := knowledge.Open(cfg.KnowledgeDir)
	if err != nil {
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	a := &knowledge.Answerer{Library: lib, Contact: cfg.Contact}
	if cfg.OpenAIKey != "" || cfg.OpenAIBaseURL != "" {
		m := llm.Config{APIKey: cfg.OpenAIKey, BaseURL: cfg.OpenAIBaseURL, Model: cfg.OpenAIModel, Timeout: cfg.LLMTimeout}
		a.Phraser = llm.New(m)
		a.PhraseTimeout = m.Timeout
		a.Logf = logf
	}
	return a, nil
}
