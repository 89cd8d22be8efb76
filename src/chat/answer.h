// Answers: prompt assembly within a token budget, the built-in extractive answer, and citation
// parsing. Pure functions over data the API has already read (no SQL, no I/O), so they are
// deterministic and unit-testable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kspace::chat {

// A retrieved passage, numbered from 1 in the order the prompt lists it.
struct Passage {
  int n = 0;
  std::string chunk_id, source_id, source_title;
  std::vector<std::string> heading_path;
  double score = 0;
  std::string text;
};

struct Turn {
  std::string role;  // user | assistant | system
  std::string text;
};

struct PromptInput {
  std::string system;                 // the agent's system prompt (or the default)
  std::vector<std::string> memories;  // already ranked
  std::vector<Passage> passages;      // already ranked; renumbered by AssemblePrompt
  std::vector<Turn> history;          // oldest first, the question not included
  std::string question;
  int token_budget = 3000;            // for sources + memories + history together
  int max_passage_tokens = 400;       // a longer passage is cut (at a word boundary)
};

struct Prompt {
  nlohmann::json messages = nlohmann::json::array();  // OpenAI chat format [{role, content}]
  std::vector<Passage> passages;  // those that fit, numbered 1..n as the prompt cites them
  int memories_used = 0;
  int history_used = 0;
  int prompt_tokens = 0;  // estimate
};

// A cheap, tokenizer-free estimate (about 4 bytes per token for English), deliberately on the
// high side of real BPE counts so the budget is not overrun.
int EstimateTokens(std::string_view text);

// Builds the prompt: system instructions + memories + numbered sources ("[n] title > heading:
// text"), then as much recent history as fits, then the question. Passages are added best first
// until the budget is spent (at least one if any exists); history keeps the newest turns.
Prompt AssemblePrompt(const PromptInput& in);

// The built-in provider: the sentences of the passages that best match the question (term
// overlap on stemmed words, passage rank as a tie-breaker), each followed by its [n] citation,
// in score order; at most `max_sentences`. Deterministic. A fixed sentence when nothing matches.
std::string ExtractiveAnswer(std::string_view question, const std::vector<Passage>& passages, int max_sentences = 3);

// The citation numbers [n] (also [n, m] and [n-m] ranges up to 50 wide) in `answer`, distinct,
// in order of first appearance; numbers outside [1, max_n] are dropped.
std::vector<int> CitedNumbers(std::string_view answer, int max_n);

}  // namespace kspace::chat
