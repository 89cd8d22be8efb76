#include "embed/builtin_embedder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace kspace::embed {
namespace {

// ---- Hashing -------------------------------------------------------------------------------
// All hashes are fixed forever for a given embedder id: FNV-1a over bytes, finished with the
// murmur3 64-bit mixer. Changing any constant here changes every vector: bump the id.
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr uint64_t kSeedWord = 0x9e3779b97f4a7c15ULL;
constexpr uint64_t kSeedChar = 0xc2b2ae3d27d4eb4fULL;
constexpr uint64_t kSeedPair = 0x165667b19e3779f9ULL;
constexpr uint64_t kSeedEmpty = 0x27d4eb2f165667c5ULL;
constexpr uint64_t kPolyBase = 0x100000001b3ULL * 0x9e3779b1ULL | 1;  // odd

// kPolyBase^i for i in [0, 9).
struct PolyPowers {
  uint64_t p[9];
  constexpr PolyPowers() : p{} {
    p[0] = 1;
    for (int i = 1; i < 9; ++i) p[i] = p[i - 1] * kPolyBase;
  }
  constexpr uint64_t operator[](size_t i) const { return p[i]; }
};
constexpr PolyPowers kPolyPow;

inline uint64_t Mix64(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline uint64_t HashBytes(const unsigned char* p, size_t n) {
  uint64_t h = kFnvOffset;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnvPrime;
  return h;
}

// ---- Byte classes --------------------------------------------------------------------------
// kFold[b]: 0 for a separator byte, else the byte folded to lower case (ASCII only; bytes >= 0x80
// are kept as they are, so UTF-8 letters of any script form words).
struct FoldTable {
  std::array<unsigned char, 256> fold{};
  constexpr FoldTable() {
    for (int b = 0; b < 256; ++b) {
      unsigned char c = static_cast<unsigned char>(b);
      if (c >= 'A' && c <= 'Z') fold[b] = static_cast<unsigned char>(c - 'A' + 'a');
      else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) fold[b] = c;
      else fold[b] = 0;
    }
  }
};
constexpr FoldTable kFold;

// ---- Stopwords -----------------------------------------------------------------------------
// English function words that carry no topic. Frozen with the id.
constexpr std::string_view kStopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "either",
    "et", "etc", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into",
    "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "must", "my",
    "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
    "ours", "ourselves", "out", "over", "own", "same", "shall", "she", "should", "so", "some",
    "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there",
    "these", "they", "this", "those", "through", "thus", "to", "too", "under", "until", "up",
    "upon", "very", "via", "was", "we", "were", "what", "when", "where", "whether", "which",
    "while", "who", "whom", "why", "will", "with", "within", "without", "would", "you", "your",
    "yours", "yourself", "yourselves"};

// Open-addressing set of stopword hashes (exact: the string is compared on a hash hit).
class StopSet {
 public:
  StopSet() {
    for (std::string_view w : kStopwords) {
      uint64_t h = HashBytes(reinterpret_cast<const unsigned char*>(w.data()), w.size());
      size_t i = h & kMask;
      while (!slots_[i].empty()) i = (i + 1) & kMask;
      slots_[i] = w;
      hashes_[i] = h;
    }
  }
  bool Contains(uint64_t h, const unsigned char* p, size_t n) const {
    for (size_t i = h & kMask;; i = (i + 1) & kMask) {
      if (slots_[i].empty()) return false;
      if (hashes_[i] == h && slots_[i].size() == n && std::memcmp(slots_[i].data(), p, n) == 0)
        return true;
    }
  }

 private:
  static constexpr size_t kSize = 512;  // > 2x the list: short probe chains
  static constexpr size_t kMask = kSize - 1;
  std::array<std::string_view, kSize> slots_{};
  std::array<uint64_t, kSize> hashes_{};
};

const StopSet& Stopwords() {
  static const StopSet set;
  return set;
}

// ---- Light stemming ------------------------------------------------------------------------
// An "S-stemmer" (Harman 1991): conflates plural forms only. Character n-grams carry the rest
// of the morphology, so a heavier stemmer is not needed for the whole-word feature.
size_t StemLength(const unsigned char* w, size_t n) {
  if (n <= 3 || w[n - 1] != 's') return n;
  if (n > 4 && w[n - 3] == 'i' && w[n - 2] == 'e' && w[n - 4] != 'e' && w[n - 4] != 'a')
    return n - 2;  // "ies" -> "i" (studies -> studi, matching study's n-grams is left to chars)
  if (w[n - 2] == 's' || w[n - 2] == 'u' || w[n - 2] == 'i') return n;  // class, virus, analysis
  if (w[n - 2] == 'e' && n > 4) {
    unsigned char p = w[n - 3];
    if (p == 's' || p == 'x' || p == 'z' || (p == 'h' && (w[n - 4] == 'c' || w[n - 4] == 's')))
      return n - 2;  // boxes, classes, patches
  }
  return n - 1;
}

// ---- Accumulation --------------------------------------------------------------------------
// Feature hash -> (coordinate, sign): one multiply by an odd constant spreads every input bit into
// the high half (multiplicative hashing), whose top 32 bits pick the coordinate (multiply-shift
// range reduction, no modulo) and whose bit 31 picks the sign.
constexpr uint64_t kSpread = 0x9e3779b97f4a7c15ULL;
inline void AddFeature(float* acc, uint64_t dims, uint64_t h, float w) {
  const uint64_t x = (h ^ (h >> 29)) * kSpread;
  const uint64_t idx = ((x >> 32) * dims) >> 32;
  acc[idx] += ((x >> 31) & 1) ? -w : w;
}

// 1 / sqrt(n) for the number of character n-grams of a word, n < 512 (longer words are cut).
struct InvSqrtTable {
  std::array<float, 512> v{};
  InvSqrtTable() {
    for (size_t i = 1; i < v.size(); ++i) v[i] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(i)));
  }
};
const InvSqrtTable& InvSqrt() {
  static const InvSqrtTable t;
  return t;
}

constexpr size_t kMaxWord = 64;  // longer runs (binary, base64) are cut; the rest is ignored

// The next word of p[i, size): separators skipped, its bytes folded into out (cut at kMaxWord; the
// rest of a longer run is skipped); i ends past it. Its length, 0 when no word is left.
inline size_t NextWord(const unsigned char* p, size_t size, size_t& i, unsigned char* out) {
  while (i < size && kFold.fold[p[i]] == 0) ++i;
  size_t n = 0;
  for (; i < size; ++i) {
    const unsigned char c = kFold.fold[p[i]];
    if (c == 0) break;
    if (n < kMaxWord) out[n++] = c;
  }
  return n;
}

bool AllDigits(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] < '0' || p[i] > '9') return false;
  return true;
}

}  // namespace

BuiltinEmbedder::BuiltinEmbedder() : BuiltinEmbedder(BuiltinEmbedderOptions{}) {}

BuiltinEmbedder::BuiltinEmbedder(const BuiltinEmbedderOptions& options)
    : options_(options),
      id_(options == BuiltinEmbedderOptions{} ? std::string(kId) : std::string(kId) + "+custom"),
      acc_(static_cast<size_t>(options.dimensions), 0.0f) {}

Result<BuiltinEmbedder> BuiltinEmbedder::Create(const BuiltinEmbedderOptions& o) {
  if (o.dimensions < 16 || o.dimensions > 8192)
    return InvalidArgument("dimensions must be in [16, 8192]", "dimensions");
  if (o.min_ngram < 1 || o.max_ngram > 8 || o.min_ngram > o.max_ngram)
    return InvalidArgument("n-gram lengths must satisfy 1 <= min <= max <= 8", "minNgram");
  for (float w : {o.word_weight, o.char_weight, o.pair_weight, o.number_weight}) {
    if (!std::isfinite(w) || w < 0) return InvalidArgument("weights must be finite and >= 0", "weight");
  }
  if (!std::isfinite(o.power) || o.power <= 0 || o.power > 1)
    return InvalidArgument("power must be in (0, 1]", "power");
  return BuiltinEmbedder(o);
}

Status BuiltinEmbedder::Embed(std::span<const std::string_view> texts, std::span<float> out) {
  const size_t dims = static_cast<size_t>(options_.dimensions);
  if (out.size() / dims != texts.size() || out.size() % dims != 0)
    return InvalidArgument("out must hold texts.size() * dimensions() floats", "out");
  for (size_t i = 0; i < texts.size(); ++i) EmbedInto(texts[i], nullptr, out.data() + i * dims);
  return Status::Ok();
}

Status BuiltinEmbedder::EmbedOne(std::string_view text, std::span<float> out) {
  if (out.size() != static_cast<size_t>(options_.dimensions))
    return InvalidArgument("out must hold dimensions() floats", "out");
  EmbedInto(text, nullptr, out.data());
  return Status::Ok();
}

Status BuiltinEmbedder::EmbedWeighted(std::string_view text, const WordWeights& weights,
                                      std::span<float> out) {
  if (out.size() != static_cast<size_t>(options_.dimensions))
    return InvalidArgument("out must hold dimensions() floats", "out");
  EmbedInto(text, &weights, out.data());
  return Status::Ok();
}

bool BuiltinEmbedder::IsStopword(std::string_view w) {
  const auto* p = reinterpret_cast<const unsigned char*>(w.data());
  return Stopwords().Contains(HashBytes(p, w.size()), p, w.size());
}

bool BuiltinEmbedder::HasContentWord(std::string_view text) {
  const StopSet& stop = Stopwords();
  unsigned char buf[kMaxWord];
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  for (size_t n; (n = NextWord(p, text.size(), i, buf)) != 0;) {
    if (!stop.Contains(HashBytes(buf, n), buf, n)) return true;
  }
  return false;
}

void BuiltinEmbedder::EmbedInto(std::string_view text, const WordWeights* weights, float* out) {
  const uint32_t dims = static_cast<uint32_t>(options_.dimensions);
  float* acc = acc_.data();
  std::memset(acc, 0, dims * sizeof(float));
  const StopSet& stop = Stopwords();
  const InvSqrtTable& inv_sqrt = InvSqrt();

  const int minn = options_.min_ngram, maxn = options_.max_ngram;
  unsigned char buf[kMaxWord + 2];  // "\x01" + folded word (cut at kMaxWord) + "\x02"
  uint64_t prev_word = 0;  // hash of the previous content word, 0 if none
  float prev_scale = 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  for (;;) {
    const size_t n = NextWord(p, size, i, buf + 1);  // the folded word into buf[1..n]
    if (n == 0) break;
    const unsigned char* w = buf + 1;
    uint64_t hw = HashBytes(w, n);
    if (stop.Contains(hw, w, n)) continue;  // a stopword neither counts nor breaks a pair
    float scale = AllDigits(w, n) ? options_.number_weight : 1.0f;
    if (weights != nullptr) {
      float x = weights->Weight(std::string_view(reinterpret_cast<const char*>(w), n));
      // Bounded, so that products and sums below stay finite whatever the caller returns.
      scale *= std::isfinite(x) && x > 0 ? std::min(x, 1e6f) : 0.0f;
    }
    if (scale == 0) continue;

    // Whole word (stemmed).
    size_t sn = StemLength(w, n);
    uint64_t hs = sn == n ? hw : HashBytes(w, sn);
    AddFeature(acc, dims, Mix64(hs ^ kSeedWord), options_.word_weight * scale);

    // Adjacent content-word pair.
    if (prev_word != 0 && options_.pair_weight > 0)
      AddFeature(acc, dims, Mix64((prev_word * kFnvPrime) ^ hs ^ kSeedPair),
                 options_.pair_weight * std::sqrt(scale * prev_scale));
    prev_word = hs | 1;
    prev_scale = scale;

    // Character n-grams of "^word$" (marks 0x01 and 0x02 cannot occur inside a folded word).
    if (options_.char_weight > 0) {
      buf[0] = 0x01;
      buf[n + 1] = 0x02;
      const size_t m = n + 2;
      size_t count = 0;
      for (int len = minn; len <= maxn; ++len)
        if (m >= static_cast<size_t>(len)) count += m - static_cast<size_t>(len) + 1;
      if (count == 0) continue;
      count = std::min<size_t>(count, 511);
      const float cw = options_.char_weight * scale * inv_sqrt.v[count];
      // Polynomial prefix hashes P[i] = sum buf[j] * B^(i-1-j) (mod 2^64); the n-gram
      // buf[s, s+len) hashes to P[s+len] - P[s] * B^len, one multiply per n-gram instead of
      // rehashing its bytes. The length is mixed in so equal sums of different lengths differ.
      uint64_t prefix[kMaxWord + 3];
      prefix[0] = 0;
      for (size_t j = 0; j < m; ++j) prefix[j + 1] = prefix[j] * kPolyBase + buf[j] + 1;
      for (int len = minn; len <= maxn; ++len) {
        const size_t l = static_cast<size_t>(len);
        if (l > m) break;
        const uint64_t pow = kPolyPow[l];
        const uint64_t salt = kSeedChar * static_cast<uint64_t>(len);
        for (size_t st = 0; st + l <= m; ++st)
          AddFeature(acc, dims, (prefix[st + l] - prefix[st] * pow) ^ salt, cw);
      }
    }
  }

  // Signed power (sublinear term frequency), then L2 normalisation. Sums run in index order.
  const float power = options_.power;
  double norm2 = 0;
  for (uint32_t d = 0; d < dims; ++d) {
    float v = acc[d];
    float a = std::fabs(v);
    a = power == 0.5f ? std::sqrt(a) : (power == 1.0f ? a : std::pow(a, power));
    v = v < 0 ? -a : a;
    out[d] = v;
    norm2 += static_cast<double>(v) * v;
  }
  if (!(norm2 > 0) || !std::isfinite(norm2)) {
    // No features (empty, whitespace, only stopwords): a fixed unit vector shared by all such
    // texts, so they are identical to each other and unrelated to real content.
    std::memset(out, 0, dims * sizeof(float));
    uint64_t h = Mix64(kSeedEmpty);
    out[static_cast<uint32_t>((static_cast<uint64_t>(static_cast<uint32_t>(h)) * dims) >> 32)] = 1.0f;
    return;
  }
  const float inv = static_cast<float>(1.0 / std::sqrt(norm2));
  for (uint32_t d = 0; d < dims; ++d) out[d] *= inv;
}

}  // namespace kspace::embed
