#include "text/keywords.h"

#include "util/thread_local.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <limits>
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
const std::unordered_set<std::string_view>& CommonStems() {
  static const std::unordered_set<std::string_view> stems = [] {
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
    // The stems live as long as the set (a static): views into them are the keys, so a lookup
    // needs no string.
    static std::deque<std::string> owned;
    std::unordered_set<std::string_view> s;
    for (std::string_view w : kWords) s.insert(owned.emplace_back(StemEnglish(w)));
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

// ------------------------------------------------------------------------------------------------
// Flat hash tables. Words and stems repeat (Zipf), so the per-token cost is dominated by one
// lookup of the folded word; open addressing over one slot array with the keys in one arena
// keeps that lookup free of allocations and pointer chasing. Iteration order is never exposed,
// so results do not depend on the hash function.

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

uint64_t HashBytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = Mix(h ^ v) * 0x9E3779B97F4A7C15ull;
    p += 8;
    n -= 8;
  }
  // The last 0-7 bytes, with fixed-size loads (overlapping ones cover every byte for n <= 7).
  // Byte order only changes the hash, never results.
  uint64_t v = 0;
  if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    v = (static_cast<uint64_t>(x) << 32) | y;
  } else if (n > 0) {
    v = (static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
        static_cast<unsigned char>(p[n - 1]);
  }
  return Mix(h ^ v);
}

// String -> int32 map; keys are copied into an arena (no allocation per key).
class StringTable {
 public:
  StringTable() { slots_.resize(1024); }

  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();
  struct Slot {
    uint32_t tag = 0;
    uint32_t off = kEmpty;  // of the key in the arena
    uint32_t len = 0;
    int32_t value = 0;
  };

  // The entry of `key` (whose hash is `h`), or nullptr; valid until the next Insert.
  const Slot* Find(std::string_view key, uint64_t h) const {
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.off == kEmpty) return nullptr;
      if (s.tag == tag && s.len == key.size() &&
          std::memcmp(arena_.data() + s.off, key.data(), key.size()) == 0) {
        return &s;
      }
    }
  }

  // Adds `key` (absent) with `value`, and `payload` right after it in the arena (see View);
  // returns the key's offset in the arena.
  uint32_t Insert(std::string_view key, uint64_t h, int32_t value, std::string_view payload = {}) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    const uint32_t off = static_cast<uint32_t>(arena_.size());
    arena_.append(key).append(payload);
    Place({static_cast<uint32_t>(h >> 32), off, static_cast<uint32_t>(key.size()), value}, h);
    ++size_;
    return off;
  }

  std::string_view View(uint32_t off, uint32_t len) const {
    return std::string_view(arena_).substr(off, len);
  }

  size_t size() const { return size_; }
  size_t arena_bytes() const { return arena_.size(); }

  void Clear() {
    slots_.assign(1024, Slot{});
    arena_.clear();
    size_ = 0;
  }

 private:

  void Place(const Slot& slot, uint64_t h) {
    size_t i = h & (slots_.size() - 1);
    while (slots_[i].off != kEmpty) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = slot;
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.off != kEmpty) Place(s, HashBytes(View(s.off, s.len)));
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

// Nonzero uint64 -> int32 map (phrase keys).
class U64Table {
 public:
  U64Table() { slots_.resize(4096); }

  // The value slot of `key`, inserting `value` when absent; `*inserted` tells which.
  int32_t FindOrInsert(uint64_t key, int32_t value, bool* inserted) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t i = Hash(key) & (slots_.size() - 1);
    while (true) {
      Slot& s = slots_[i];
      if (s.key == key) {
        *inserted = false;
        return s.value;
      }
      if (s.key == 0) {
        s = {key, value};
        ++size_;
        *inserted = true;
        return value;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    int32_t value = 0;
  };
  static uint64_t Hash(uint64_t k) { return Mix(k * 0x9E3779B97F4A7C15ull); }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      size_t i = Hash(s.key) & (slots_.size() - 1);
      while (slots_[i].key != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// One per thread natively, one in the WebAssembly module (util/thread_local.h).

// TermKey(word) for the words of the documents analysed on this thread. Word frequencies are
// Zipfian across documents too (the 648 Rust RFCs have 332,000 per-document distinct words but
// only 23,000 distinct words), so most words of a new document were stemmed before. Bounded:
// emptied when it holds kMaxWords words or kMaxBytes of text (about 1.5 MB in all). TermKey is a
// pure function, so the cache never changes results. The view returned is valid until the next
// call.
std::string_view CachedTermKey(std::string_view word, uint64_t h) {
  constexpr size_t kMaxWords = 1 << 15;
  constexpr size_t kMaxBytes = 1 << 19;
  KS_THREAD_LOCAL StringTable cache;
  if (const StringTable::Slot* e = cache.Find(word, h)) {
    return cache.View(e->off + e->len, static_cast<uint32_t>(e->value));
  }
  const std::string key = TermKey(word);
  if (cache.size() >= kMaxWords || cache.arena_bytes() >= kMaxBytes) cache.Clear();
  const uint32_t off = cache.Insert(word, h, static_cast<int32_t>(key.size()), key);
  return cache.View(off + static_cast<uint32_t>(word.size()), static_cast<uint32_t>(key.size()));
}

// Term ids are packed 21 bits each into phrase keys, so a document has at most this many terms.
constexpr int32_t kMaxTerms = (1 << 21) - 1;

// IDF per term id for one DfSource, computed on first use (DfSource lookups can be costly).
class IdfTable {
 public:
  IdfTable(const DfSource* df, size_t terms)
      : df_(df), n_(df ? std::max(0, df->DocCount()) : 0),
        cache_(terms, std::numeric_limits<double>::quiet_NaN()) {}

  double Get(int32_t term, std::string_view key) {
    double& v = cache_[static_cast<size_t>(term)];
    if (!std::isnan(v)) return v;
    const double prior = CommonStems().count(key) ? 0.35 : 1.0;
    v = prior;
    if (n_ > 0) {
      const int d = std::clamp(df_->Df(key), 0, n_);
      const double idf = (std::log((n_ + 1.0) / (d + 1.0)) + 1.0) / (std::log(n_ + 1.0) + 1.0);
      const double alpha = std::min(1.0, n_ / 50.0);
      v = alpha * idf + (1 - alpha) * prior;
    }
    return v;
  }

 private:
  const DfSource* df_;
  int n_;
  std::vector<double> cache_;
};

// Feeds the document's title, prose and headings (not code) to `fn(text, weight, prominent)`.
template <typename Fn>
void ForEachRegion(const Document& doc, std::string_view text, const Outline& outline, Fn fn) {
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

bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// TextAnalysis

struct TextAnalysis::Impl {
  // A keyphrase candidate: a term (n = 1) or a phrase of 2-3 terms. Candidates are numbered in
  // order of first occurrence, which breaks score ties (earlier first).
  struct Candidate {
    double weight = 0;  // weighted occurrences
    int32_t count = 0;
    int32_t terms[3] = {-1, -1, -1};
    uint8_t n = 1;
    bool prominent = false;  // in the title or a heading
    // Surface forms with their counts, in order of first occurrence; at most 8 are tracked.
    // The first is inline: most candidates only ever have one or two.
    std::string_view form0;
    int32_t form0_count = 0;
    std::vector<std::pair<std::string_view, int32_t>> more_forms;
  };

  struct Sentence {
    std::string text;                          // inline Markdown stripped
    std::vector<std::pair<int, double>> tf;    // summary-local term id -> count, sorted by id
    size_t position = 0;
    bool bonus = false;                        // in a Summary / Abstract / ... section
  };

  const Document* doc;
  unsigned parts;
  std::string_view text;  // the first kMaxKeywordBytes of doc->text
  Outline outline;

  // Words and terms.
  StringTable words;                                   // folded word -> term id, or -1
  StringTable stems;                                   // term key -> term id
  std::vector<std::pair<uint32_t, uint32_t>> term_at;  // term id -> (offset, length) in stems
  int32_t region_terms = 0;  // terms [0, region_terms) occur in the title / text outside code

  // Keyphrase candidates.
  std::vector<Candidate> cands;
  std::vector<int32_t> unigram;  // term id -> candidate, or -1
  U64Table phrases;              // packed term ids -> candidate
  std::deque<std::string> collapsed_forms;  // owned surface forms with collapsed whitespace
  std::string scratch;

  // Summary candidate sentences and their vocabulary.
  std::vector<Sentence> sentences;
  std::vector<int32_t> summary_terms;  // summary-local id -> term id
  std::vector<int32_t> local_of;       // term id -> summary-local id, or -1
  std::vector<int8_t> section_bonus;   // outline section -> -1 unknown, 0, 1

  // The results of Keyphrases and Summary with IDF from `idf` (one table can serve both).
  std::vector<Keyphrase> KeyphrasesWith(IdfTable& idf, const KeyphraseOptions& opts) const;
  std::string SummaryWith(IdfTable& idf, const SummaryOptions& opts) const;

  std::string_view Term(int32_t id) const {
    const auto& [off, len] = term_at[static_cast<size_t>(id)];
    return stems.View(off, len);
  }

  // The term id of a folded word (-1: no term). Each distinct word of the document is looked
  // up once in the thread's TermKey cache, and stemmed only if that misses.
  int32_t Lookup(std::string_view word) {
    const uint64_t h = HashBytes(word);
    if (const StringTable::Slot* v = words.Find(word, h)) return v->value;
    int32_t id = -1;
    const std::string_view key = CachedTermKey(word, h);
    if (!key.empty()) {
      const uint64_t kh = HashBytes(key);
      if (const StringTable::Slot* t = stems.Find(key, kh)) {
        id = t->value;
      } else if (static_cast<int32_t>(term_at.size()) < kMaxTerms) {
        id = static_cast<int32_t>(term_at.size());
        const uint32_t off = stems.Insert(key, kh, id);
        term_at.emplace_back(off, static_cast<uint32_t>(key.size()));
      }
    }
    words.Insert(word, h, id);
    return id;
  }

  Impl(const Document& d, unsigned p) : doc(&d), parts(p) {
    text = std::string_view(d.text).substr(0, kMaxKeywordBytes);
    if ((parts & kAll) == 0) return;
    outline = d.format == Format::kPlainText ? ParsePlainBlocks(text) : ParseMarkdownBlocks(text);
    if (parts & (kTerms | kKeyphrases)) {
      ForEachRegion(d, text, outline, [&](std::string_view s, double w, bool prominent) {
        Region(s, w, prominent);
      });
      region_terms = static_cast<int32_t>(term_at.size());
    }
    if (parts & kSummary) {
      Sentences(false);
      if (sentences.empty()) Sentences(true);
    }
  }

  // ---- keyphrase candidates

  void Region(std::string_view s, double weight, bool prominent) {
    if (!(parts & kKeyphrases)) {
      WordIterator it(s);
      while (it.Next()) Lookup(it.word());
      return;
    }
    const std::vector<Span> urls = UrlSpans(s);
    size_t next_url = 0;
    WordIterator it(s);
    int32_t window[2] = {-1, -1};  // the previous content words' terms ...
    uint32_t window_begin[2] = {0, 0};  // ... and where they begin
    int have = 0;  // content words in the window, adjacent to each other
    uint32_t last_end = 0;
    bool last_content = false;
    while (it.Next()) {
      const int32_t term = Lookup(it.word());
      // Words inside URLs and link destinations are not content ("com", "github").
      while (next_url < urls.size() && urls[next_url].end <= it.begin()) ++next_url;
      const bool in_url = next_url < urls.size() && urls[next_url].begin <= it.begin();
      const int32_t key = in_url ? -1 : term;
      const bool adjacent = last_content && Adjacent(s.substr(last_end, it.begin() - last_end));
      last_end = it.end();
      if (key < 0) {
        have = 0;
        last_content = false;
        continue;
      }
      last_content = true;
      if (!adjacent) have = 0;
      // Unigram: indexed by term id directly.
      if (unigram.size() <= static_cast<size_t>(key)) unigram.resize(term_at.size(), -1);
      int32_t& u = unigram[static_cast<size_t>(key)];
      if (u < 0) u = NewCandidate(1, key, -1, -1);
      Add(u, s.substr(it.begin(), it.end() - it.begin()), weight, prominent, false);
      if (have >= 1) {
        const int32_t a = window[have - 1];
        const uint64_t k = (static_cast<uint64_t>(a + 1) << 21) | static_cast<uint64_t>(key + 1);
        Add(PhraseCandidate(k, 2, a, key, -1), s.substr(window_begin[have - 1], it.end() - window_begin[have - 1]),
            weight, prominent, true);
      }
      if (have >= 2) {
        const uint64_t k = (static_cast<uint64_t>(window[0] + 1) << 42) |
                           (static_cast<uint64_t>(window[1] + 1) << 21) |
                           static_cast<uint64_t>(key + 1);
        Add(PhraseCandidate(k, 3, window[0], window[1], key),
            s.substr(window_begin[0], it.end() - window_begin[0]), weight, prominent, true);
      }
      // slide the window
      if (have == 2) {
        window[0] = window[1];
        window_begin[0] = window_begin[1];
        have = 1;
      }
      window[have] = key;
      window_begin[have] = it.begin();
      ++have;
    }
  }

  int32_t NewCandidate(int n, int32_t a, int32_t b, int32_t c) {
    Candidate cand;
    cand.n = static_cast<uint8_t>(n);
    cand.terms[0] = a;
    cand.terms[1] = b;
    cand.terms[2] = c;
    cands.push_back(std::move(cand));
    return static_cast<int32_t>(cands.size() - 1);
  }

  int32_t PhraseCandidate(uint64_t key, int n, int32_t a, int32_t b, int32_t c) {
    bool inserted = false;
    const int32_t idx = phrases.FindOrInsert(key, static_cast<int32_t>(cands.size()), &inserted);
    if (inserted) NewCandidate(n, a, b, c);
    return idx;
  }

  void Add(int32_t idx, std::string_view surface, double weight, bool prominent, bool phrase) {
    Candidate& c = cands[static_cast<size_t>(idx)];
    c.weight += weight;
    c.count += 1;
    c.prominent |= prominent;
    // A single word never contains whitespace; a phrase's surface is collapsed when it needs it.
    std::string_view form = surface;
    if (phrase && (surface.find_first_of("\n\t") != std::string_view::npos ||
                   surface.find("  ") != std::string_view::npos)) {
      scratch = CollapseSpaces(surface);
      form = scratch;
    }
    if (c.form0_count == 0) {
      c.form0 = Own(form, surface);
      c.form0_count = 1;
      return;
    }
    if (c.form0 == form) {
      ++c.form0_count;
      return;
    }
    for (auto& [f, count] : c.more_forms) {
      if (f == form) {
        ++count;
        return;
      }
    }
    if (c.more_forms.size() < 7) c.more_forms.emplace_back(Own(form, surface), 1);
  }

  // A view of `form` that outlives the pass: the document's own bytes unless it was collapsed.
  std::string_view Own(std::string_view form, std::string_view surface) {
    if (form.data() == surface.data()) return surface;
    collapsed_forms.emplace_back(form);
    return collapsed_forms.back();
  }

  std::string PhraseKey(const Candidate& c) const {
    std::string key(Term(c.terms[0]));
    for (int i = 1; i < c.n; ++i) key.append(" ").append(Term(c.terms[i]));
    return key;
  }

  // ---- summary candidates

  bool SummarySection(uint32_t section) {
    if (section_bonus.size() <= section) section_bonus.resize(outline.paths.size(), -1);
    int8_t& v = section_bonus[section];
    if (v < 0) {
      v = 0;
      for (const std::string& h : outline.paths[section]) {
        const std::string f = FoldWord(h);
        for (std::string_view name : {"summary", "abstract", "overview", "introduction", "tldr",
                                      "tl dr", "tl;dr", "synopsis", "background"}) {
          if (f == name) v = 1;
        }
      }
    }
    return v == 1;
  }

  void Sentences(bool lists) {
    constexpr size_t kMaxSentences = 2000;
    std::vector<int32_t> ids;
    for (const Block& b : outline.blocks) {
      if (sentences.size() >= kMaxSentences) break;
      const bool prose = b.kind == BlockKind::kParagraph || b.kind == BlockKind::kQuote;
      if (!(prose || (lists && b.kind == BlockKind::kList))) continue;
      const std::string_view block = text.substr(b.begin, b.end - b.begin);
      for (const Span& sp : SplitSentences(block)) {
        if (sentences.size() >= kMaxSentences) break;
        if (sp.size() > 2000) continue;
        std::string clean = StripInlineMarkdown(block.substr(sp.begin, sp.size()));
        // drop list / quote markers left at the start
        size_t k = 0;
        while (k < clean.size() && (clean[k] == '>' || clean[k] == '-' || clean[k] == '+' ||
                                    clean[k] == ' ')) {
          ++k;
        }
        clean.erase(0, k);
        if (clean.size() < 20 || clean.size() > 600) continue;
        // Summary-local ids number terms by first occurrence in the sentences looked at (also
        // those then dropped), so that sums over ids add in a fixed order.
        ids.clear();
        int words = 0;
        WordIterator it(clean);
        while (it.Next()) {
          ++words;
          const int32_t term = Lookup(it.word());
          if (term < 0) continue;
          if (local_of.size() <= static_cast<size_t>(term)) local_of.resize(term_at.size(), -1);
          int32_t& local = local_of[static_cast<size_t>(term)];
          if (local < 0) {
            local = static_cast<int32_t>(summary_terms.size());
            summary_terms.push_back(term);
          }
          ids.push_back(local);
        }
        if (words < 6 || ids.empty()) continue;
        std::sort(ids.begin(), ids.end());
        Sentence s;
        for (size_t i = 0; i < ids.size();) {
          size_t j = i;
          while (j < ids.size() && ids[j] == ids[i]) ++j;
          s.tf.emplace_back(ids[i], static_cast<double>(j - i));
          i = j;
        }
        s.text = std::move(clean);
        s.position = sentences.size();
        s.bonus = SummarySection(b.section);
        sentences.push_back(std::move(s));
      }
    }
  }
};

TextAnalysis::TextAnalysis(const Document& doc, unsigned parts)
    : impl_(std::make_unique<Impl>(doc, parts)) {}
TextAnalysis::~TextAnalysis() = default;
TextAnalysis::TextAnalysis(TextAnalysis&&) noexcept = default;
TextAnalysis& TextAnalysis::operator=(TextAnalysis&&) noexcept = default;

std::vector<std::string> TextAnalysis::DistinctTerms() const {
  if (!impl_ || !(impl_->parts & kTerms)) return {};
  std::vector<std::string_view> views;
  views.reserve(static_cast<size_t>(impl_->region_terms));
  for (int32_t t = 0; t < impl_->region_terms; ++t) views.push_back(impl_->Term(t));
  std::sort(views.begin(), views.end());
  return std::vector<std::string>(views.begin(), views.end());
}

std::vector<Keyphrase> TextAnalysis::Keyphrases(const DfSource* df,
                                                const KeyphraseOptions& opts) const {
  if (!impl_ || !(impl_->parts & kKeyphrases)) return {};
  IdfTable idf(df, impl_->term_at.size());
  return impl_->KeyphrasesWith(idf, opts);
}

std::vector<Keyphrase> TextAnalysis::Impl::KeyphrasesWith(IdfTable& idf, const KeyphraseOptions& opts) const {
  const Impl& a = *this;
  const int max_phrases = std::clamp(opts.max_phrases, 1, 100);
  const int max_ngram = std::clamp(opts.max_ngram, 1, 3);
  struct Scored {
    int32_t cand;  // index = order of first occurrence
    double score;
  };
  std::vector<Scored> scored;
  for (size_t i = 0; i < a.cands.size(); ++i) {
    const Impl::Candidate& c = a.cands[i];
    if (c.n > max_ngram) continue;
    if (c.n == 1 && a.Term(c.terms[0]).size() < 3) continue;
    if (c.n > 1 && c.count < 2 && !c.prominent) continue;
    double word_idf = 0;
    for (int w = 0; w < c.n; ++w) word_idf += idf.Get(c.terms[w], a.Term(c.terms[w]));
    word_idf /= c.n;
    const double tf = 1.0 + std::log(c.weight);
    const double bonus = c.n == 1 ? 1.0 : (c.n == 2 ? 1.3 : 1.5);
    scored.push_back({static_cast<int32_t>(i), tf * word_idf * bonus});
  }
  auto better = [](const Scored& x, const Scored& y) {
    if (x.score != y.score) return x.score > y.score;
    return x.cand < y.cand;
  };
  // Only the head of the ranking is read: sort it, and more only if the filters below drain it.
  size_t sorted = 0;
  auto sort_head = [&](size_t want) {
    want = std::min(want, scored.size());
    if (want <= sorted) return;
    std::partial_sort(scored.begin() + static_cast<std::ptrdiff_t>(sorted),
                      scored.begin() + static_cast<std::ptrdiff_t>(want), scored.end(), better);
    sorted = want;
  };
  std::vector<Keyphrase> out;
  std::unordered_set<std::string> shown;
  for (size_t r = 0; r < scored.size(); ++r) {
    if (static_cast<int>(out.size()) >= max_phrases) break;
    if (r >= sorted) sort_head(std::max<size_t>(4 * sorted, 64));
    const Impl::Candidate& c = a.cands[static_cast<size_t>(scored[r].cand)];
    const std::string key = a.PhraseKey(c);
    bool skip = false;
    for (const Keyphrase& k : out) {
      if (ContainsPhrase(k.key, key) && c.count <= 2 * k.count) {
        skip = true;
        break;
      }
    }
    if (skip) continue;
    // most frequent surface form (ties: the first lower-case one, else the first)
    std::string_view best = c.form0;
    int best_n = c.form0_count;
    bool best_lower = !HasUpper(best);
    for (const auto& [form, n] : c.more_forms) {
      const bool lower = !HasUpper(form);
      if (n > best_n || (n == best_n && lower && !best_lower)) {
        best = form;
        best_n = n;
        best_lower = lower;
      }
    }
    if (best_n <= 0) continue;
    if (!shown.insert(FoldWord(best)).second) continue;
    Keyphrase k;
    k.text = std::string(best);
    k.key = key;
    k.score = scored[r].score;
    k.count = c.count;
    out.push_back(std::move(k));
  }
  return out;
}

std::pair<std::vector<Keyphrase>, std::string> TextAnalysis::KeyphrasesAndSummary(
    const DfSource* df, const KeyphraseOptions& kopts, const SummaryOptions& sopts) const {
  if (!impl_) return {};
  IdfTable idf(df, impl_->term_at.size());
  std::pair<std::vector<Keyphrase>, std::string> out;
  if (impl_->parts & kKeyphrases) out.first = impl_->KeyphrasesWith(idf, kopts);
  if ((impl_->parts & kSummary) && !impl_->sentences.empty()) out.second = impl_->SummaryWith(idf, sopts);
  return out;
}

std::string TextAnalysis::Summary(const SummaryOptions& opts, const DfSource* df) const {
  if (!impl_ || !(impl_->parts & kSummary) || impl_->sentences.empty()) return {};
  IdfTable idf(df, impl_->term_at.size());
  return impl_->SummaryWith(idf, opts);
}

std::string TextAnalysis::Impl::SummaryWith(IdfTable& idf, const SummaryOptions& opts) const {
  const Impl& a = *this;
  const size_t max_chars = std::max<size_t>(40, opts.max_chars);
  const int max_sentences = std::clamp(opts.max_sentences, 1, 20);
  const std::vector<Impl::Sentence>& sentences = a.sentences;

  // Weighted vectors: (1 + ln tf) * idf, their norms, and the centroid.
  std::vector<double> idf_of(a.summary_terms.size());
  for (size_t i = 0; i < idf_of.size(); ++i) {
    idf_of[i] = idf.Get(a.summary_terms[i], a.Term(a.summary_terms[i]));
  }
  std::vector<std::vector<std::pair<int, double>>> vecs(sentences.size());
  std::vector<double> norms(sentences.size());
  std::vector<double> scores(sentences.size());
  std::vector<double> centroid(idf_of.size(), 0.0);
  for (size_t i = 0; i < sentences.size(); ++i) {
    vecs[i] = sentences[i].tf;
    double norm = 0;
    for (auto& [id, w] : vecs[i]) {
      w = (1 + std::log(w)) * idf_of[static_cast<size_t>(id)];
      norm += w * w;
      centroid[static_cast<size_t>(id)] += w;
    }
    norms[i] = std::sqrt(norm);
  }
  double cnorm = 0;
  for (double v : centroid) cnorm += v * v;
  cnorm = std::sqrt(cnorm);
  const double total = static_cast<double>(sentences.size());
  for (size_t i = 0; i < sentences.size(); ++i) {
    const Impl::Sentence& s = sentences[i];
    double dot = 0;
    for (const auto& [id, w] : vecs[i]) dot += w * centroid[static_cast<size_t>(id)];
    const double cos = (norms[i] > 0 && cnorm > 0) ? dot / (norms[i] * cnorm) : 0;
    const double position = 0.25 * (1.0 - static_cast<double>(s.position) / total) +
                            (s.position < 3 ? 0.1 : 0.0);
    scores[i] = cos + position + (s.bonus ? 0.25 : 0.0);
  }
  auto cosine = [&](size_t x, size_t y) {
    const auto& u = vecs[x];
    const auto& v = vecs[y];
    double dot = 0;
    size_t i = 0, j = 0;
    while (i < u.size() && j < v.size()) {
      if (u[i].first == v[j].first) {
        dot += u[i++].second * v[j++].second;
      } else if (u[i].first < v[j].first) {
        ++i;
      } else {
        ++j;
      }
    }
    return (norms[x] > 0 && norms[y] > 0) ? dot / (norms[x] * norms[y]) : 0;
  };
  std::vector<size_t> order(sentences.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return scores[x] > scores[y]; });
  std::vector<size_t> chosen;
  size_t used = 0;
  for (size_t idx : order) {
    if (static_cast<int>(chosen.size()) >= max_sentences) break;
    const size_t cost = sentences[idx].text.size() + (chosen.empty() ? 0 : 1);
    if (used + cost > max_chars) continue;
    bool dup = false;
    for (size_t c : chosen) {
      if (cosine(idx, c) > 0.6) {
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

// ------------------------------------------------------------------------------------------------
// The free functions: each builds only the part it returns.

std::string TermKey(std::string_view word) {
  if (word.size() < 2 || AllDigits(word)) return {};
  if (IsStopword(word)) return {};
  std::string s = StemEnglish(word);
  if (s.size() < 2) return {};
  return s;
}

std::vector<Keyphrase> ExtractKeyphrases(const Document& doc, const DfSource* df,
                                         const KeyphraseOptions& opts) {
  return TextAnalysis(doc, TextAnalysis::kKeyphrases).Keyphrases(df, opts);
}

std::vector<std::string> DistinctTerms(const Document& doc) {
  return TextAnalysis(doc, TextAnalysis::kTerms).DistinctTerms();
}

std::string Summarize(const Document& doc, const SummaryOptions& opts, const DfSource* df) {
  return TextAnalysis(doc, TextAnalysis::kSummary).Summary(opts, df);
}

}  // namespace kspace::text
