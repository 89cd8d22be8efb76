#include "chat/answer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include "text/keywords.h"

namespace kspace::chat {
namespace {

bool WordByte(unsigned char c) { return std::isalnum(c) || c >= 0x80 || c == '_'; }

// Stemmed term keys of the words of `s` (stopwords dropped), distinct.
std::set<std::string> Terms(std::string_view s) {
  std::set<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && !WordByte(static_cast<unsigned char>(s[i]))) ++i;
    size_t j = i;
    while (j < s.size() && WordByte(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) {
      std::string key = text::TermKey(s.substr(i, j - i));
      if (!key.empty()) out.insert(std::move(key));
    }
    i = j;
  }
  return out;
}

// Cuts `s` to about `tokens` tokens at a word boundary (UTF-8 safe), adding an ellipsis.
std::string Cut(const std::string& s, int tokens) {
  const size_t max = static_cast<size_t>(std::max(tokens, 1)) * 4;
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  size_t space = s.rfind(' ', cut);
  if (space != std::string::npos && space > max / 2) cut = space;
  return s.substr(0, cut) + " …";
}

std::string PassageHeader(const Passage& p) {
  std::string h = "[" + std::to_string(p.n) + "] " + (p.source_title.empty() ? "untitled" : p.source_title);
  for (const auto& x : p.heading_path) h += " > " + x;
  return h;
}

std::vector<std::string> Sentences(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    size_t a = cur.find_first_not_of(" \t\r\n#>*-");
    if (a != std::string::npos) {
      std::string s = cur.substr(a);
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
      if (s.size() >= 12) out.push_back(std::move(s));
    }
    cur.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      if (i + 1 < text.size() && text[i + 1] == '\n') flush();
      else cur += ' ';
      continue;
    }
    cur += c;
    if ((c == '.' || c == '?' || c == '!') && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
      flush();
    }
  }
  flush();
  return out;
}

}  // namespace

int EstimateTokens(std::string_view text) { return static_cast<int>((text.size() + 3) / 4); }

Prompt AssemblePrompt(const PromptInput& in) {
  Prompt p;
  int budget = std::max(in.token_budget, 64);
  std::string system = in.system.empty()
                           ? "You answer questions using the numbered sources below. Cite every claim with the "
                             "source number in square brackets, like [1] or [2]. If the sources do not contain the "
                             "answer, say so."
                           : in.system;
  if (!in.memories.empty()) {
    std::string mem = "\n\nWhat you know about the user:";
    for (const auto& m : in.memories) {
      std::string line = "\n- " + Cut(m, 100);
      if (EstimateTokens(mem) + EstimateTokens(line) > budget / 5) break;
      mem += line;
      ++p.memories_used;
    }
    if (p.memories_used > 0) system += mem;
  }
  budget -= EstimateTokens(system) + EstimateTokens(in.question);
  std::string sources;
  for (const Passage& src : in.passages) {
    Passage q = src;
    q.n = static_cast<int>(p.passages.size()) + 1;
    q.text = Cut(src.text, in.max_passage_tokens);
    std::string block = "\n\n" + PassageHeader(q) + "\n" + q.text;
    int cost = EstimateTokens(block);
    if (cost > budget && !p.passages.empty()) break;
    budget -= cost;
    sources += block;
    p.passages.push_back(std::move(q));
  }
  if (!sources.empty()) system += "\n\nSources:" + sources;
  p.messages.push_back({{"role", "system"}, {"content", system}});
  // The newest turns that still fit, in chronological order.
  size_t first = in.history.size();
  while (first > 0) {
    int cost = EstimateTokens(in.history[first - 1].text) + 4;
    if (cost > budget) break;
    budget -= cost;
    --first;
  }
  for (size_t i = first; i < in.history.size(); ++i) {
    p.messages.push_back({{"role", in.history[i].role}, {"content", in.history[i].text}});
  }
  p.history_used = static_cast<int>(in.history.size() - first);
  p.messages.push_back({{"role", "user"}, {"content", in.question}});
  int total = 0;
  for (const auto& m : p.messages) total += EstimateTokens(m["content"].get_ref<const std::string&>()) + 4;
  p.prompt_tokens = total;
  return p;
}

std::string ExtractiveAnswer(std::string_view question, const std::vector<Passage>& passages, int max_sentences) {
  if (passages.empty()) return "I could not find anything about this in this space.";
  const std::set<std::string> q = Terms(question);
  struct Cand {
    double score;
    int n;
    size_t order;
    std::string text;
  };
  std::vector<Cand> cands;
  for (size_t pi = 0; pi < passages.size(); ++pi) {
    const Passage& p = passages[pi];
    auto sentences = Sentences(p.text);
    for (size_t si = 0; si < sentences.size(); ++si) {
      std::set<std::string> st = Terms(sentences[si]);
      int overlap = 0;
      for (const auto& t : q) overlap += st.count(t) ? 1 : 0;
      if (overlap == 0) continue;
      // Coverage of the question, damped by sentence length; earlier passages and sentences win ties.
      double score = overlap / std::sqrt(static_cast<double>(std::max<size_t>(st.size(), 4))) +
                     0.05 / static_cast<double>(pi + 1) + 0.01 / static_cast<double>(si + 1);
      cands.push_back(Cand{score, p.n, cands.size(), sentences[si]});
    }
  }
  if (cands.empty()) {
    auto s = Sentences(passages[0].text);
    std::string first = s.empty() ? passages[0].text.substr(0, 300) : s[0];
    return "The closest passage I found: " + first + " [" + std::to_string(passages[0].n) + "]";
  }
  std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.order < b.order;
  });
  std::string out;
  std::set<std::string> seen;
  std::map<int, int> per_passage;
  int taken = 0;
  for (const Cand& c : cands) {
    if (taken >= max_sentences) break;
    if (seen.count(c.text) || per_passage[c.n] >= 2) continue;
    seen.insert(c.text);
    ++per_passage[c.n];
    std::string s = c.text;
    if (s.size() > 600) s = Cut(s, 150);
    if (!out.empty()) out += ' ';
    out += s + " [" + std::to_string(c.n) + "]";
    ++taken;
  }
  return out;
}

std::vector<int> CitedNumbers(std::string_view a, int max_n) {
  std::vector<int> out;
  std::set<int> seen;
  auto add = [&](long n) {
    if (n >= 1 && n <= max_n && seen.insert(static_cast<int>(n)).second) out.push_back(static_cast<int>(n));
  };
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != '[') continue;
    size_t j = i + 1;
    std::vector<std::pair<long, long>> items;
    bool ok = true;
    while (ok) {
      while (j < a.size() && a[j] == ' ') ++j;
      long x = 0;
      size_t d = j;
      while (j < a.size() && std::isdigit(static_cast<unsigned char>(a[j])) && j - d < 6) x = x * 10 + (a[j++] - '0');
      if (j == d) { ok = false; break; }
      long y = x;
      if (j < a.size() && (a[j] == '-' || a[j] == '\xe2')) {
        // "1-3" (an en dash "–" is E2 80 93)
        size_t k = a[j] == '-' ? j + 1 : (a.substr(j, 3) == "\xe2\x80\x93" ? j + 3 : j);
        if (k != j) {
          long z = 0;
          size_t e = k;
          while (k < a.size() && std::isdigit(static_cast<unsigned char>(a[k])) && k - e < 6) z = z * 10 + (a[k++] - '0');
          // A range too wide to be a citation list ("[1-1000]") keeps only its start.
          if (k > e) {
            if (z >= x && z - x <= 50) y = z;
            j = k;
          }
        }
      }
      items.emplace_back(x, y);
      while (j < a.size() && a[j] == ' ') ++j;
      if (j < a.size() && a[j] == ',') { ++j; continue; }
      break;
    }
    if (ok && j < a.size() && a[j] == ']') {
      for (auto [x, y] : items) {
        for (long n = x; n <= y; ++n) add(n);
      }
      i = j;
    }
  }
  return out;
}

}  // namespace kspace::chat
