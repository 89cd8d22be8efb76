#include "text/keywords.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "text/markdown.h"
#include "text/stem.h"
#include "text/tokenize.h"

namespace kspace::text {
namespace {

// Keyphrase extraction reads at most this much text: enough for any note, and it bounds the
// candidate table for pathological inputs.
constexpr size_t kMaxKeywordBytes = 4u << 20;

// Very common English words that are not stopwords: a weak prior against them when the space
// has too few documents for IDF to know better.
const std::unordered_set<std::string>& CommonStems() {
  static const std::unordered_set<std::string> stems = [] {
    static constexpr std::string_view kWords[] = {
        "use", "used", "using", "uses", "new", "make", "made", "makes", "way", "ways", "time",
        "times", "also", "one", "two", "three", "first", "second", "like", "just", "get", "gets",
        "got", "well", "even", "much", "many", "may", "might", "must", "need", "needs", "needed",
        "want", "see", "seen", "example", "examples", "case", "cases", "thing", "things", "part",
        "work", "works", "good", "better", "best", "great", "little", "long", "large", "small",
        "big", "high", "low", "right", "left", "however", "since", "without", "within", "still",
        "already", "yet", "another", "every", "current", "currently", "different", "following",
        "given", "general", "possible", "able", "rather", "instead", "simply", "actually",
        "really", "allow", "allows", "allowed", "provide", "provides", "support", "supports",
        "change", "changes", "take", "takes", "give", "gives", "know", "known", "think", "say",
        "said", "look", "come", "go", "going", "day", "year", "years", "people", "number",
        "point", "place", "end", "set", "order", "form", "fact", "kind", "sort", "lot", "less",
        "least", "far", "often", "always", "never", "sometimes", "usually", "etc", "via", "per",
        "non", "existing", "exist", "exists", "ensure", "particular", "specific", "various",
        "several", "certain", "similar", "simple", "easy", "hard", "common", "usual",
        "important", "useful", "clear", "clearly", "likely", "true", "false", "mean", "means",
        "result", "results", "issue", "issues", "question", "problem", "problems", "reason",
        "reasons", "idea", "approach", "detail", "details", "information", "section", "note",
        "follow", "describe", "described", "discussion", "would", "could", "should", "now",
        "back", "around", "able", "whether", "though", "although", "either", "neither", "able",
        "cause", "causes", "call", "called", "calls", "write", "written", "read", "add", "added",
        "adds", "put", "keep", "let", "lets", "try", "seem", "seems", "show", "shows", "find",
        "found", "help", "able", "next", "last", "later", "early", "real", "whole", "full"};
    std::unordered_set<std::string> s;
    for (std::string_view w : kWords) s.insert(StemEnglish(w));
    return s;
  }();
  return stems;
}

bool AllDigits(std::string_view w) {
  for (char c : w) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Outline OutlineOf(const Document& doc) {
  const std::string_view text = std::string_view(doc.text).substr(0, kMaxKeywordBytes);
  return doc.format == Format::kPlainText ? ParsePlainBlocks(text) : ParseMarkdownBlocks(text);
}

// Whether two words separated by `gap` belong to one phrase: only spaces, hyphens, slashes and at
// most one line break in between (a soft wrap), no punctuation.
bool Adjacent(std::string_view gap) {
  int newlines = 0;
  for (char c : gap) {
    if (c == '\n') {
      if (++newlines > 1) return false;
    } else if (c != ' ' && c != '\t' && c != '-' && c != '/') {
      return false;
    }
  }
  return true;
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(c);
  }
  return out;
}

// Byte ranges of URLs (scheme://..., www....) and Markdown link destinations "](...)".
std::vector<Span> UrlSpans(std::string_view s) {
  std::vector<Span> out;
  size_t i = 0;
  const size_t n = s.size();
  auto stop = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '>' || c == '"' || c == ')'; };
  while (i < n) {
    size_t start = std::string_view::npos;
    if (s[i] == ']' && i + 1 < n && s[i + 1] == '(') {
      start = i + 2;
    } else if (s[i] == ':' && i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') {
      start = i;
      while (start > 0 && std::isalpha(static_cast<unsigned char>(s[start - 1]))) --start;
    } else if (s[i] == 'w' && s.substr(i, 4) == "www." && (i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1])))) {
      start = i;
    }
    if (start == std::string_view::npos) {
      ++i;
      continue;
    }
    size_t e = std::max(i + 1, start);
    while (e < n && !stop(s[e])) ++e;
    if (!out.empty() && out.back().end > start) {
      out.back().end = static_cast<uint32_t>(std::max<size_t>(out.back().end, e));
    } else {
      out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(e)});
    }
    i = e;
  }
  return out;
}

// Word -> term key memo: words repeat (Zipf), stemming and stopword lookups are done once per
// distinct word of a call.
class TermCache {
 public:
  const std::string& Key(std::string_view word) {
    auto it = map_.find(word);
    if (it != map_.end()) return it->second;
    auto [pos, inserted] = map_.emplace(std::string(word), TermKey(word));
    (void)inserted;
    return pos->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> map_;
};

class Idf {
 public:
  explicit Idf(const DfSource* df) : df_(df), n_(df ? std::max(0, df->DocCount()) : 0) {}
  double operator()(const std::string& key) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const double prior = CommonStems().count(key) ? 0.35 : 1.0;
    double v = prior;
    if (n_ > 0) {
      const int d = std::clamp(df_->Df(key), 0, n_);
      const double idf = (std::log((n_ + 1.0) / (d + 1.0)) + 1.0) / (std::log(n_ + 1.0) + 1.0);
      const double alpha = std::min(1.0, n_ / 50.0);
      v = alpha * idf + (1 - alpha) * prior;
    }
    cache_.emplace(key, v);
    return v;
  }

 private:
  const DfSource* df_;
  int n_;
  std::unordered_map<std::string, double> cache_;
};

struct Candidate {
  double weight = 0;  // weighted occurrences
  int count = 0;
  int n = 1;
  bool prominent = false;  // in the title or a heading
  size_t first = 0;
  std::vector<std::pair<std::string, int>> surfaces;  // at most 8 distinct forms are tracked
};

struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

class Collector {
 public:
  explicit Collector(int max_ngram) : max_ngram_(max_ngram) {}

  void Region(std::string_view text, double weight, bool prominent) {
    const std::vector<Span> urls = UrlSpans(text);
    size_t next_url = 0;
    WordIterator it(text);
    struct Prev {
      std::string key;
      uint32_t begin, end;
    };
    Prev window[2];
    int have = 0;  // content words in the window, adjacent to each other
    uint32_t last_end = 0;
    bool last_content = false;
    while (it.Next()) {
      // Words inside URLs and link destinations are not content ("com", "github").
      while (next_url < urls.size() && urls[next_url].end <= it.begin()) ++next_url;
      const bool in_url = next_url < urls.size() && urls[next_url].begin <= it.begin();
      const std::string& key = in_url ? empty_ : cache_.Key(it.word());
      const bool adjacent =
          last_content && Adjacent(text.substr(last_end, it.begin() - last_end));
      last_end = it.end();
      if (key.empty()) {
        have = 0;
        last_content = false;
        continue;
      }
      last_content = true;
      if (!adjacent) have = 0;
      Add(key, text.substr(it.begin(), it.end() - it.begin()), 1, weight, prominent);
      if (have >= 1 && max_ngram_ >= 2) {
        const Prev& p = window[have - 1];
        buf_.assign(p.key).append(" ").append(key);
        Add(buf_, text.substr(p.begin, it.end() - p.begin), 2, weight, prominent);
      }
      if (have >= 2 && max_ngram_ >= 3) {
        const Prev& p = window[0];
        buf_.assign(p.key).append(" ").append(window[1].key).append(" ").append(key);
        Add(buf_, text.substr(p.begin, it.end() - p.begin), 3, weight, prominent);
      }
      // slide the window
      if (have == 2) {
        window[0] = std::move(window[1]);
        have = 1;
      }
      window[have++] = {key, it.begin(), it.end()};
    }
  }

  std::unordered_map<std::string, Candidate, SvHash, std::equal_to<>>& candidates() { return cands_; }

 private:
  void Add(std::string_view key, std::string_view surface, int n, double weight, bool prominent) {
    auto it = cands_.find(key);
    if (it == cands_.end()) {
      it = cands_.emplace(std::string(key), Candidate{}).first;
      it->second.n = n;
      it->second.first = order_++;
    }
    Candidate& c = it->second;
    c.weight += weight;
    c.count += 1;
    c.prominent |= prominent;
    // Surface forms: compare in place; collapse whitespace only when it needs collapsing.
    const bool plain = surface.find_first_of("\n\t") == std::string_view::npos &&
                       surface.find("  ") == std::string_view::npos;
    std::string collapsed;
    if (!plain) collapsed = CollapseSpaces(surface);
    const std::string_view form = plain ? surface : std::string_view(collapsed);
    for (auto& [f, count] : c.surfaces) {
      if (f == form) {
        ++count;
        return;
      }
    }
    if (c.surfaces.size() < 8) c.surfaces.emplace_back(std::string(form), 1);
  }

  int max_ngram_;
  TermCache cache_;
  const std::string empty_;
  std::string buf_;
  size_t order_ = 0;
  std::unordered_map<std::string, Candidate, SvHash, std::equal_to<>> cands_;
};

// Feeds the document's prose and headings (not code) to `fn(text, weight, prominent)`.
template <typename Fn>
void ForEachRegion(const Document& doc, const Outline& outline, Fn fn) {
  const std::string_view text = std::string_view(doc.text).substr(0, kMaxKeywordBytes);
  if (!doc.title.empty()) fn(std::string_view(doc.title), 3.0, true);
  for (const Block& b : outline.blocks) {
    if (b.kind == BlockKind::kCode || b.kind == BlockKind::kComment || b.kind == BlockKind::kBreak) {
      continue;
    }
    const std::string_view s = text.substr(b.begin, b.end - b.begin);
    if (b.kind == BlockKind::kHeading) {
      fn(s, 2.0, true);
    } else {
      fn(s, 1.0, false);
    }
  }
}

bool ContainsPhrase(const std::string& big, const std::string& small) {
  if (small.size() >= big.size()) return false;
  size_t pos = big.find(small);
  while (pos != std::string::npos) {
    const bool left = pos == 0 || big[pos - 1] == ' ';
    const bool right = pos + small.size() == big.size() || big[pos + small.size()] == ' ';
    if (left && right) return true;
    pos = big.find(small, pos + 1);
  }
  return false;
}

}  // namespace

std::string TermKey(std::string_view word) {
  if (word.size() < 2 || AllDigits(word)) return {};
  if (IsStopword(word)) return {};
  std::string w(word);
  // strip possessive / contraction tails before stemming ("rust's" -> "rust")
  std::string s = StemEnglish(w);
  if (s.size() < 2) return {};
  return s;
}

std::vector<Keyphrase> ExtractKeyphrases(const Document& doc, const DfSource* df,
                                         const KeyphraseOptions& opts) {
  const int max_phrases = std::clamp(opts.max_phrases, 1, 100);
  const int max_ngram = std::clamp(opts.max_ngram, 1, 3);
  const Outline outline = OutlineOf(doc);
  Collector collector(max_ngram);
  ForEachRegion(doc, outline, [&](std::string_view s, double w, bool prominent) {
    collector.Region(s, w, prominent);
  });
  Idf idf(df);
  struct Scored {
    const std::string* key;
    Candidate* cand;
    double score;
  };
  std::vector<Scored> scored;
  for (auto& [key, c] : collector.candidates()) {
    if (c.n == 1 && key.size() < 3) continue;
    if (c.n > 1 && c.count < 2 && !c.prominent) continue;
    double word_idf = 0;
    int words = 0;
    size_t pos = 0;
    while (pos <= key.size()) {
      size_t e = key.find(' ', pos);
      if (e == std::string::npos) e = key.size();
      word_idf += idf(key.substr(pos, e - pos));
      ++words;
      pos = e + 1;
    }
    word_idf /= words;
    const double tf = 1.0 + std::log(c.weight);
    const double bonus = c.n == 1 ? 1.0 : (c.n == 2 ? 1.3 : 1.5);
    scored.push_back({&key, &c, tf * word_idf * bonus});
  }
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.cand->first < b.cand->first;
  });
  std::vector<Keyphrase> out;
  std::unordered_set<std::string> shown;
  for (const Scored& s : scored) {
    if (static_cast<int>(out.size()) >= max_phrases) break;
    bool skip = false;
    for (const Keyphrase& k : out) {
      if (ContainsPhrase(k.key, *s.key) && s.cand->count <= 2 * k.count) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    // most frequent surface form (ties: the lower-case one, then the shorter)
    const std::string* best = nullptr;
    int best_n = -1;
    for (const auto& [form, n] : s.cand->surfaces) {
      const bool lower = std::none_of(form.begin(), form.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      const bool best_lower = best && std::none_of(best->begin(), best->end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      if (n > best_n || (n == best_n && lower && !best_lower)) {
        best = &form;
        best_n = n;
      }
    }
    if (!best) continue;
    std::string lower_form = FoldWord(*best);
    if (!shown.insert(lower_form).second) continue;
    Keyphrase k;
    k.text = *best;
    k.key = *s.key;
    k.score = s.score;
    k.count = s.cand->count;
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<std::string> DistinctTerms(const Document& doc) {
  const Outline outline = OutlineOf(doc);
  std::unordered_set<std::string> terms;
  TermCache cache;
  ForEachRegion(doc, outline, [&](std::string_view s, double, bool) {
    WordIterator it(s);
    while (it.Next()) {
      const std::string& k = cache.Key(it.word());
      if (!k.empty()) terms.insert(k);
    }
  });
  std::vector<std::string> out(terms.begin(), terms.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::string Summarize(const Document& doc, const SummaryOptions& opts, const DfSource* df) {
  const size_t max_chars = std::max<size_t>(40, opts.max_chars);
  const int max_sentences = std::clamp(opts.max_sentences, 1, 20);
  const Outline outline = OutlineOf(doc);
  const std::string_view text = std::string_view(doc.text).substr(0, kMaxKeywordBytes);

  struct Sentence {
    std::string text;
    std::vector<std::pair<int, double>> vec;  // term id -> weight, sorted by id
    double norm = 0;
    size_t position = 0;
    bool bonus = false;
    double score = 0;
  };
  std::vector<Sentence> sentences;
  std::unordered_map<std::string, int> ids;
  std::vector<std::string> id_keys;
  TermCache cache;
  constexpr size_t kMaxSentences = 2000;

  auto summary_heading = [&](uint32_t section) {
    const auto& path = outline.paths[section];
    for (const std::string& h : path) {
      const std::string f = FoldWord(h);
      for (std::string_view name : {"summary", "abstract", "overview", "introduction", "tldr",
                                    "tl dr", "tl;dr", "synopsis", "background"}) {
        if (f == name) return true;
      }
    }
    return false;
  };
  auto collect = [&](bool lists) {
    for (const Block& b : outline.blocks) {
      if (sentences.size() >= kMaxSentences) break;
      const bool prose = b.kind == BlockKind::kParagraph || b.kind == BlockKind::kQuote;
      if (!(prose || (lists && b.kind == BlockKind::kList))) continue;
      const std::string_view block = text.substr(b.begin, b.end - b.begin);
      for (const Span& sp : SplitSentences(block)) {
        if (sentences.size() >= kMaxSentences) break;
        if (sp.size() > 2000) continue;
        std::string_view raw = block.substr(sp.begin, sp.size());
        std::string clean = StripInlineMarkdown(raw);
        // drop list / quote markers left at the start
        size_t k = 0;
        while (k < clean.size() && (clean[k] == '>' || clean[k] == '-' || clean[k] == '+' ||
                                    clean[k] == ' ')) {
          ++k;
        }
        clean.erase(0, k);
        if (clean.size() < 20 || clean.size() > 600) continue;
        Sentence s;
        std::unordered_map<int, double> tf;
        int words = 0;
        WordIterator it(clean);
        while (it.Next()) {
          ++words;
          const std::string& key = cache.Key(it.word());
          if (key.empty()) continue;
          auto [idit, inserted] = ids.try_emplace(key, static_cast<int>(id_keys.size()));
          if (inserted) id_keys.push_back(key);
          tf[idit->second] += 1;
        }
        if (words < 6 || tf.empty()) continue;
        s.vec.assign(tf.begin(), tf.end());
        std::sort(s.vec.begin(), s.vec.end());
        s.text = std::move(clean);
        s.position = sentences.size();
        s.bonus = summary_heading(b.section);
        sentences.push_back(std::move(s));
      }
    }
  };
  collect(false);
  if (sentences.empty()) collect(true);
  if (sentences.empty()) return {};

  Idf idf(df);
  std::vector<double> idf_of(id_keys.size());
  for (size_t i = 0; i < id_keys.size(); ++i) idf_of[i] = idf(id_keys[i]);
  std::vector<double> centroid(id_keys.size(), 0.0);
  for (Sentence& s : sentences) {
    double norm = 0;
    for (auto& [id, w] : s.vec) {
      w = (1 + std::log(w)) * idf_of[static_cast<size_t>(id)];
      norm += w * w;
      centroid[static_cast<size_t>(id)] += w;
    }
    s.norm = std::sqrt(norm);
  }
  double cnorm = 0;
  for (double v : centroid) cnorm += v * v;
  cnorm = std::sqrt(cnorm);
  const double total = static_cast<double>(sentences.size());
  for (Sentence& s : sentences) {
    double dot = 0;
    for (const auto& [id, w] : s.vec) dot += w * centroid[static_cast<size_t>(id)];
    const double cos = (s.norm > 0 && cnorm > 0) ? dot / (s.norm * cnorm) : 0;
    const double position = 0.25 * (1.0 - static_cast<double>(s.position) / total) +
                            (s.position < 3 ? 0.1 : 0.0);
    s.score = cos + position + (s.bonus ? 0.25 : 0.0);
  }
  auto cosine = [](const Sentence& a, const Sentence& b) {
    double dot = 0;
    size_t i = 0, j = 0;
    while (i < a.vec.size() && j < b.vec.size()) {
      if (a.vec[i].first == b.vec[j].first) {
        dot += a.vec[i++].second * b.vec[j++].second;
      } else if (a.vec[i].first < b.vec[j].first) {
        ++i;
      } else {
        ++j;
      }
    }
    return (a.norm > 0 && b.norm > 0) ? dot / (a.norm * b.norm) : 0;
  };
  std::vector<size_t> order(sentences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sentences[a].score > sentences[b].score;
  });
  std::vector<size_t> chosen;
  size_t used = 0;
  for (size_t idx : order) {
    if (static_cast<int>(chosen.size()) >= max_sentences) break;
    const Sentence& s = sentences[idx];
    const size_t cost = s.text.size() + (chosen.empty() ? 0 : 1);
    if (used + cost > max_chars) continue;
    bool dup = false;
    for (size_t c : chosen) {
      if (cosine(s, sentences[c]) > 0.6) {
        dup = true;
        break;
      }
    }
    if (dup) continue;
    chosen.push_back(idx);
    used += cost;
  }
  if (chosen.empty()) {
    // Every sentence is over the budget: cut the best one at a word boundary.
    const std::string& t = sentences[order[0]].text;
    size_t cut = t.rfind(' ', max_chars - 4);
    if (cut == std::string::npos || cut < max_chars / 2) cut = max_chars - 4;
    while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;
    return t.substr(0, cut) + "\u2026";
  }
  std::sort(chosen.begin(), chosen.end());
  std::string out;
  for (size_t c : chosen) {
    if (!out.empty()) out += ' ';
    out += sentences[c].text;
  }
  return out;
}

}  // namespace kspace::text
