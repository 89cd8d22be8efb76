#include "text/stem.h"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace kspace::text {
namespace {

inline bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

// Compared from the last letter: almost every suffix test fails there, without a memcmp call
// (the stemmer runs once per distinct word of every document, so this is hot).
inline bool EndsWith(const std::string& w, std::string_view s) {
  if (w.size() < s.size()) return false;
  const char* p = w.data() + (w.size() - s.size());
  for (size_t i = s.size(); i-- > 0;) {
    if (p[i] != s[i]) return false;
  }
  return true;
}

// Position after the first non-vowel that follows a vowel, searching from `from`.
size_t RegionAfter(const std::string& w, size_t from) {
  for (size_t i = from + 1; i < w.size(); ++i) {
    if (!IsVowel(w[i]) && IsVowel(w[i - 1])) return i + 1;
  }
  return w.size();
}

// Does w[0..end) end in a short syllable?
bool EndsShortSyllable(const std::string& w, size_t end) {
  if (end == 2) return IsVowel(w[0]) && !IsVowel(w[1]);
  if (end < 3) return false;
  const char a = w[end - 3], b = w[end - 2], c = w[end - 1];
  return !IsVowel(a) && IsVowel(b) && !IsVowel(c) && c != 'w' && c != 'x' && c != 'Y';
}

bool HasVowel(const std::string& w, size_t end) {
  for (size_t i = 0; i < end; ++i) {
    if (IsVowel(w[i])) return true;
  }
  return false;
}

struct Rule {
  std::string_view suffix;
  std::string_view replacement;
};

// Finds the longest suffix of w among `rules`; returns its index or -1.
template <size_t N>
int Longest(const std::string& w, const std::array<Rule, N>& rules) {
  int best = -1;
  size_t best_len = 0;
  for (size_t i = 0; i < N; ++i) {
    const auto& s = rules[i].suffix;
    if (s.size() > best_len && EndsWith(w, s)) {
      best = static_cast<int>(i);
      best_len = s.size();
    }
  }
  return best;
}

void Replace(std::string* w, size_t suffix_len, std::string_view repl) {
  w->resize(w->size() - suffix_len);
  w->append(repl);
}

constexpr std::array<Rule, 24> kStep2 = {{
    {"tional", "tion"}, {"enci", "ence"},   {"anci", "ance"},   {"abli", "able"},
    {"entli", "ent"},   {"izer", "ize"},    {"ization", "ize"}, {"ational", "ate"},
    {"ation", "ate"},   {"ator", "ate"},    {"alism", "al"},    {"aliti", "al"},
    {"alli", "al"},     {"fulness", "ful"}, {"ousli", "ous"},   {"ousness", "ous"},
    {"iveness", "ive"}, {"iviti", "ive"},   {"biliti", "ble"},  {"bli", "ble"},
    {"ogi", "og"},      {"fulli", "ful"},   {"lessli", "less"}, {"li", ""},
}};

constexpr std::array<Rule, 9> kStep3 = {{
    {"tional", "tion"}, {"ational", "ate"}, {"alize", "al"}, {"icate", "ic"}, {"iciti", "ic"},
    {"ical", "ic"},     {"ful", ""},        {"ness", ""},    {"ative", ""},
}};

constexpr std::array<Rule, 18> kStep4 = {{
    {"al", ""},   {"ance", ""}, {"ence", ""}, {"er", ""},  {"ic", ""},  {"able", ""},
    {"ible", ""}, {"ant", ""},  {"ement", ""}, {"ment", ""}, {"ent", ""}, {"ism", ""},
    {"ate", ""},  {"iti", ""},  {"ous", ""},  {"ive", ""}, {"ize", ""}, {"ion", ""},
}};

const char* Exception1(std::string_view w) {
  static constexpr std::pair<std::string_view, const char*> kForms[] = {
      {"skis", "ski"},     {"skies", "sky"},    {"dying", "die"},    {"lying", "lie"},
      {"tying", "tie"},    {"idly", "idl"},     {"gently", "gentl"}, {"ugly", "ugli"},
      {"early", "earli"},  {"only", "onli"},    {"singly", "singl"}, {"sky", "sky"},
      {"news", "news"},    {"howe", "howe"},    {"atlas", "atlas"},  {"cosmos", "cosmos"},
      {"bias", "bias"},    {"andes", "andes"}};
  for (const auto& [from, to] : kForms) {
    if (w == from) return to;
  }
  return nullptr;
}

}  // namespace

std::string StemEnglish(std::string_view input) {
  std::string w(input);
  for (char c : w) {
    if (!((c >= 'a' && c <= 'z') || c == '\'')) return w;
  }
  if (w.size() <= 2) return w;
  if (const char* e = Exception1(w)) return e;

  // Prelude.
  while (!w.empty() && w[0] == '\'') w.erase(0, 1);
  if (w.size() <= 2) return w;
  if (w[0] == 'y') w[0] = 'Y';
  for (size_t i = 1; i < w.size(); ++i) {
    if (w[i] == 'y' && IsVowel(w[i - 1])) w[i] = 'Y';
  }

  // Regions.
  size_t p1;
  if (w.rfind("gener", 0) == 0) {
    p1 = 5;
  } else if (w.rfind("commun", 0) == 0) {
    p1 = 6;
  } else if (w.rfind("arsen", 0) == 0) {
    p1 = 5;
  } else {
    p1 = RegionAfter(w, 0);
  }
  const size_t p2 = p1 >= w.size() ? w.size() : RegionAfter(w, p1);
  auto in_r1 = [&](size_t suffix_len) { return w.size() - suffix_len >= p1; };
  auto in_r2 = [&](size_t suffix_len) { return w.size() - suffix_len >= p2; };

  // Step 0.
  if (EndsWith(w, "'s'")) {
    w.resize(w.size() - 3);
  } else if (EndsWith(w, "'s")) {
    w.resize(w.size() - 2);
  } else if (EndsWith(w, "'")) {
    w.resize(w.size() - 1);
  }

  // Step 1a.
  if (EndsWith(w, "sses")) {
    Replace(&w, 4, "ss");
  } else if (EndsWith(w, "ied") || EndsWith(w, "ies")) {
    Replace(&w, 3, w.size() > 4 ? "i" : "ie");
  } else if (EndsWith(w, "us") || EndsWith(w, "ss")) {
    // unchanged
  } else if (EndsWith(w, "s") && w.size() >= 2) {
    // delete if a vowel occurs before the letter preceding the s
    if (HasVowel(w, w.size() - 2)) w.resize(w.size() - 1);
  }

  // Exceptional forms after Step 1a.
  static constexpr std::string_view kExc2[] = {"inning", "outing",  "canning", "herring",
                                               "earring", "proceed", "exceed",  "succeed"};
  if (std::find(std::begin(kExc2), std::end(kExc2), w) != std::end(kExc2)) return w;

  // Step 1b.
  {
    static constexpr std::string_view kSuf[] = {"eedly", "ingly", "edly", "eed", "ing", "ed"};
    for (std::string_view s : kSuf) {
      if (!EndsWith(w, s)) continue;
      if (s == "eedly" || s == "eed") {
        if (in_r1(s.size())) Replace(&w, s.size(), "ee");
      } else if (HasVowel(w, w.size() - s.size())) {
        w.resize(w.size() - s.size());
        if (EndsWith(w, "at") || EndsWith(w, "bl") || EndsWith(w, "iz")) {
          w += 'e';
        } else if (w.size() >= 2 && w[w.size() - 1] == w[w.size() - 2] &&
                   std::string_view("bdfgmnprt").find(w.back()) != std::string_view::npos) {
          w.pop_back();
        } else if (p1 >= w.size() && EndsShortSyllable(w, w.size())) {
          w += 'e';  // a short word
        }
      }
      break;
    }
  }

  // Step 1c.
  if (w.size() > 2 && (w.back() == 'y' || w.back() == 'Y') && !IsVowel(w[w.size() - 2])) {
    w.back() = 'i';
  }

  // Step 2.
  {
    const int r = Longest(w, kStep2);
    if (r >= 0) {
      const Rule& rule = kStep2[static_cast<size_t>(r)];
      const size_t len = rule.suffix.size();
      if (in_r1(len)) {
        if (rule.suffix == "ogi") {
          if (w.size() > 3 && w[w.size() - 4] == 'l') Replace(&w, len, rule.replacement);
        } else if (rule.suffix == "li") {
          if (w.size() > 2 && std::string_view("cdeghkmnrt").find(w[w.size() - 3]) !=
                                  std::string_view::npos) {
            w.resize(w.size() - 2);
          }
        } else {
          Replace(&w, len, rule.replacement);
        }
      }
    }
  }

  // Step 3.
  {
    const int r = Longest(w, kStep3);
    if (r >= 0) {
      const Rule& rule = kStep3[static_cast<size_t>(r)];
      const size_t len = rule.suffix.size();
      if (in_r1(len)) {
        if (rule.suffix == "ative") {
          if (in_r2(len)) w.resize(w.size() - len);
        } else {
          Replace(&w, len, rule.replacement);
        }
      }
    }
  }

  // Step 4.
  {
    const int r = Longest(w, kStep4);
    if (r >= 0) {
      const size_t len = kStep4[static_cast<size_t>(r)].suffix.size();
      if (in_r2(len)) {
        if (kStep4[static_cast<size_t>(r)].suffix == "ion") {
          if (w.size() > 3 && (w[w.size() - 4] == 's' || w[w.size() - 4] == 't')) {
            w.resize(w.size() - len);
          }
        } else {
          w.resize(w.size() - len);
        }
      }
    }
  }

  // Step 5.
  if (!w.empty() && w.back() == 'e') {
    if (in_r2(1) || (in_r1(1) && !EndsShortSyllable(w, w.size() - 1))) w.pop_back();
  } else if (!w.empty() && w.back() == 'l') {
    if (in_r2(1) && w.size() >= 2 && w[w.size() - 2] == 'l') w.pop_back();
  }

  for (char& c : w) {
    if (c == 'Y') c = 'y';
  }
  return w;
}

bool IsStopword(std::string_view word) {
  static const std::unordered_set<std::string_view> kStop = {
      "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
      "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between",
      "both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do",
      "does", "doesn't", "doing", "don't", "down", "during", "each", "few", "for", "from",
      "further", "had", "hadn't", "has", "hasn't", "have", "haven't", "having", "he", "he'd",
      "he'll", "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his",
      "how", "how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it",
      "it's", "its", "itself", "let's", "me", "more", "most", "mustn't", "my", "myself", "no",
      "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours",
      "ourselves", "out", "over", "own", "same", "shan't", "she", "she'd", "she'll", "she's",
      "should", "shouldn't", "so", "some", "such", "than", "that", "that's", "the", "their",
      "theirs", "them", "themselves", "then", "there", "there's", "these", "they", "they'd",
      "they'll", "they're", "they've", "this", "those", "through", "to", "too", "under", "until",
      "up", "very", "was", "wasn't", "we", "we'd", "we'll", "we're", "we've", "were", "weren't",
      "what", "what's", "when", "when's", "where", "where's", "which", "while", "who", "who's",
      "whom", "why", "why's", "will", "with", "won't", "would", "wouldn't", "you", "you'd",
      "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves"};
  return kStop.count(word) > 0;
}

}  // namespace kspace::text
