// Package knowledge is Ganwei's curated policy knowledge base and the pure-Go logic that answers
// cadres' questions from it.
//
// Content lives in YAML files under data/ (embedded with go:embed) and, optionally, in an operator
// directory (GANWEI_KNOWLEDGE_DIR) whose entries add to or replace the embedded ones by id. A Base is
// one immutable, indexed snapshot of that content; a Library holds the current Base behind an atomic
// pointer so that a running bot can Reload without a restart and without locking readers.
//
// Retrieval is built for short, colloquial Chinese without a segmentation dictionary: text is
// normalised (width folding, punctuation, filler words), expanded with a synonym list kept as data,
// cut into character bigrams (plus unigrams for typo tolerance and ASCII words), and ranked with
// BM25 over weighted fields. A coverage-based confidence decides between an answer and "not found".
//
// An Answerer turns a question into exactly the plain text the bot sends. It may use a Phraser (a
// language model, see package llm) to phrase the answer from the retrieved entries only, and falls
// back to the curated extractive answer whenever the model is slow, fails, or does not cite.
//
// The package imports no Redis, Telegram or model client, so handlers, the command line and tests
// share it freely. Every exported method of Base, Library and Answerer is safe for concurrent use.
package knowledge
