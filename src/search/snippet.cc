#include "search/snippet.h"

#include <algorithm>

namespace kspace::search {
namespace {

// A term's occurrence: tokens [first, last] of the passage.
struct Match {
  size_t first = 0;
  size_t last = 0;
  size_t term = 0;
};

bool TokenMatches(const std::string& form, const std::string& want, bool prefix) {
  if (!prefix) return form == want;
  return form.size() >= want.size() && form.compare(0, want.size(), want) == 0;
}

// Every occurrence of every term, by first token (then term).
std::vector<Match> FindMatches(std::span<const SnippetToken> tokens, std::span<const SnippetTerm> terms) {
  std::vector<Match> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    for (size_t t = 0; t < terms.size(); ++t) {
      const std::vector<std::string>& want = terms[t].tokens;
      if (want.empty() || want.size() > tokens.size() - i) continue;
      bool ok = true;
      for (size_t j = 0; j < want.size() && ok; ++j) {
        ok = TokenMatches(tokens[i + j].form, want[j], terms[t].prefix && j + 1 == want.size());
      }
      if (ok) out.push_back(Match{i, i + want.size() - 1, t});
    }
  }
  return out;
}

// Whether token i begins a sentence: the first token, or one after a line break or after
// sentence punctuation followed by a space.
bool StartsSentence(std::string_view text, std::span<const SnippetToken> tokens, size_t i) {
  if (i == 0) return true;
  const std::string_view gap = text.substr(tokens[i - 1].end, tokens[i].begin - tokens[i - 1].end);
  bool punct = false;
  for (char c : gap) {
    if (c == '\n') return true;
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';') punct = true;
    else if (punct && (c == ' ' || c == '\t')) return true;
  }
  return false;
}

// Distinct terms (x 1000) plus matches wholly inside tokens [start, start + width). `seen` is
// scratch of one flag per term, cleared here (the caller keeps it across candidates).
int64_t Score(const std::vector<Match>& matches, size_t start, size_t width, std::vector<char>& seen) {
  std::fill(seen.begin(), seen.end(), 0);
  int64_t score = 0;
  for (const Match& m : matches) {
    if (m.first >= start + width) break;  // sorted by first: the rest start later still
    if (m.first < start || m.last >= start + width) continue;
    score += seen[m.term] ? 1 : 1000;
    seen[m.term] = 1;
  }
  return score;
}

}  // namespace

std::string MakeSnippet(std::string_view text, std::span<const SnippetToken> tokens,
                        std::span<const SnippetTerm> terms, const SnippetOptions& options) {
  const size_t n = tokens.size();
  const size_t width = std::max<size_t>(options.max_tokens, 1);
  // Offsets must lie in the text, in order: anything else is not this text's token list.
  for (size_t i = 0; i < n; ++i) {
    if (tokens[i].begin > tokens[i].end || tokens[i].end > text.size()) return std::string();
    if (i > 0 && tokens[i].begin < tokens[i - 1].end) return std::string();
  }
  const std::vector<Match> matches = FindMatches(tokens, terms);
  if (matches.empty()) return std::string();

  // Candidate windows: around each match (its neighbours in reach centred), and from the start of
  // the sentence holding it when that window still reaches it. The best has the most distinct
  // terms, then the most matches; a sentence start adds 100 (more than any plausible count of
  // extra matches, less than one more term), and the earlier window wins a tie.
  const size_t last_start = n > width ? n - width : 0;
  // The sentence each token is in, by its first token (one pass; candidates look it up).
  std::vector<size_t> sentence(n, 0);
  for (size_t i = 1; i < n; ++i) sentence[i] = StartsSentence(text, tokens, i) ? i : sentence[i - 1];
  std::vector<char> seen(terms.size(), 0);
  size_t best_start = 0;
  int64_t best = -1;
  auto consider = [&](size_t start, int64_t bonus) {
    start = std::min(start, last_start);
    const int64_t s = Score(matches, start, width, seen) + bonus;
    if (s > best || (s == best && start < best_start)) {
      best = s;
      best_start = start;
    }
  };
  for (size_t k = 0; k < matches.size(); ++k) {
    const Match& m = matches[k];
    size_t reach = m.last;  // the last token of the matches that fit in a window starting at m
    for (size_t j = k + 1; j < matches.size() && matches[j].last < m.first + width; ++j) {
      reach = std::max(reach, matches[j].last);
    }
    const size_t span = reach - m.first + 1;
    const size_t slack = span < width ? (width - span) / 2 : 0;
    consider(m.first > slack ? m.first - slack : 0, 0);
    const size_t s = sentence[m.first];
    if (m.last < s + width && s != m.first) consider(s, s == 0 ? 120 : 100);
  }

  const size_t first = best_start;
  const size_t last = std::min(n, first + width) - 1;
  std::string out;
  size_t pos = 0;
  if (first > 0) {
    out += options.ellipsis;
    pos = tokens[first].begin;
  }
  // Marks: overlapping matches inside the window as one run, clipped to the window.
  size_t k = 0;
  while (k < matches.size()) {
    size_t run_first = matches[k].first;
    size_t run_last = matches[k].last;
    ++k;
    while (k < matches.size() && matches[k].first <= run_last) run_last = std::max(run_last, matches[k++].last);
    if (run_last < first || run_first > last) continue;
    run_first = std::max(run_first, first);
    run_last = std::min(run_last, last);
    const size_t b = tokens[run_first].begin;
    const size_t e = tokens[run_last].end;
    out.append(text.substr(pos, b - pos));
    out += options.open;
    out.append(text.substr(b, e - b));
    out += options.close;
    pos = e;
  }
  if (last + 1 < n) {
    out.append(text.substr(pos, tokens[last].end - pos));
    out += options.ellipsis;
  } else {
    out.append(text.substr(pos));
  }
  return out;
}

}  // namespace kspace::search
