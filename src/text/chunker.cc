#include "text/chunker.h"

#include <algorithm>
#include <cstring>

#include "text/tokenize.h"
#include "text/utf8.h"

namespace kspace::text {
namespace {

enum class Level { kItems, kLines, kSentences, kWords, kChars, kEnd };

constexpr Level kProse[] = {Level::kSentences, Level::kWords, Level::kChars, Level::kEnd};
constexpr Level kListLevels[] = {Level::kItems, Level::kSentences, Level::kWords, Level::kChars,
                                 Level::kEnd};
constexpr Level kLineLevels[] = {Level::kLines, Level::kWords, Level::kChars, Level::kEnd};

struct Unit {
  uint32_t begin, end;
  int tokens;
  // Cut inside a word: CountTokens is additive at whitespace, but not across a cut inside a
  // letter run ("aaaa|aaaa" as one run costs more than its halves), so chunks holding several
  // such pieces are re-counted exactly.
  bool in_word = false;
};

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n'; }

ChunkType TypeOf(BlockKind kind) {
  switch (kind) {
    case BlockKind::kList: return ChunkType::kList;
    case BlockKind::kTable: return ChunkType::kTable;
    case BlockKind::kCode: return ChunkType::kCodeBlock;
    case BlockKind::kHeading: return ChunkType::kSection;
    default: return ChunkType::kParagraph;
  }
}

class Chunker {
 public:
  Chunker(std::string_view text, const Outline& outline, const ChunkOptions& opts,
          std::string_view title)
      : text_(text), outline_(outline), opts_(opts), title_(title),
        ctx_cache_(outline.paths.size(), -1) {}

  std::vector<Chunk> Run() {
    const auto& blocks = outline_.blocks;
    for (size_t bi = 0; bi < blocks.size(); ++bi) {
      const Block& b = blocks[bi];
      if (b.kind == BlockKind::kComment || b.kind == BlockKind::kBreak) continue;
      const int btok = CountTokens(Slice(b.begin, b.end));
      const bool heading = b.kind == BlockKind::kHeading;
      if (btok + CtxTokens(b.section) + 1 > opts_.max_tokens) {
        // Too big for any chunk: split it alone (a heading-only accumulator leads its first piece).
        FlushKeepTrailingHeadings();
        SplitBlock(bi);
        continue;
      }
      if (heading) {
        if (acc_content_ > 0 && acc_tokens_ >= opts_.merge_below_tokens) Flush();
        if (acc_.empty() || Fits(b, btok)) {
          Add(bi, btok);
          continue;
        }
        FlushKeepTrailingHeadings();
        if (!acc_.empty() && !Fits(b, btok)) Flush();
        Add(bi, btok);
        continue;
      }
      if (!acc_.empty() && Fits(b, btok)) {
        Add(bi, btok);
        continue;
      }
      FlushKeepTrailingHeadings();
      if (!acc_.empty() && !Fits(b, btok)) {
        // Headings that cannot share a chunk with this block: they stay in its context line.
        ClearAcc();
      }
      Add(bi, btok);
    }
    Flush();
    FinishOffsets();
    return std::move(chunks_);
  }

 private:
  std::string_view Slice(uint32_t b, uint32_t e) const { return text_.substr(b, e - b); }

  // ---- context ------------------------------------------------------------------------------

  // The context line for `path[0..len)` (plus the title, if configured and not already there),
  // capped at a quarter of the budget by dropping outer headings.
  std::string ContextLine(const std::vector<std::string>& path, size_t len,
                          bool title_in_body) const {
    if (opts_.context == ChunkContext::kNone) return {};
    std::vector<std::string_view> parts;
    if (opts_.context == ChunkContext::kTitleAndHeadings && !title_.empty() && !title_in_body &&
        !(len > 0 && path[0] == title_)) {
      parts.push_back(title_);
    }
    for (size_t i = 0; i < len; ++i) {
      if (!path[i].empty()) parts.push_back(path[i]);
    }
    const int cap = std::max(1, opts_.max_tokens / 4);
    size_t from = 0;
    while (from < parts.size()) {
      std::string line;
      for (size_t i = from; i < parts.size(); ++i) {
        if (!line.empty()) line += " > ";
        line += parts[i];
      }
      if (CountTokens(line) + 1 <= cap) return line;
      ++from;
    }
    return {};
  }

  // Upper bound of the context cost of any chunk whose blocks lie in `section`.
  // Context lines of sub-paths are prefixes of the full one unless the cap dropped parts, so
  // the bound is the full line's cost, or the cap when the cap applied.
  int CtxTokens(uint32_t section) {
    int& cached = ctx_cache_[section];
    if (cached < 0) {
      const auto& path = outline_.paths[section];
      const std::string line = ContextLine(path, path.size(), false);
      std::string full;
      if (opts_.context != ChunkContext::kNone) {
        if (opts_.context == ChunkContext::kTitleAndHeadings && !title_.empty()) full = title_;
        for (const auto& p : path) {
          if (!full.empty()) full += " > ";
          full += p;
        }
      }
      cached = line == full ? (line.empty() ? 0 : CountTokens(line) + 1)
                            : std::max(1, opts_.max_tokens / 4) + 1;
    }
    return cached;
  }

  // ---- accumulation of whole blocks ---------------------------------------------------------

  // Tokens of the text between the accumulator and block b (blank lines, skipped comments).
  // Memoised: Fits and Add ask for the same gap in turn.
  int Gap(const Block& b) {
    if (acc_.empty()) return 0;
    const uint32_t prev_end = outline_.blocks[acc_.back().first].end;
    if (b.begin <= prev_end) return 0;
    if (gap_from_ != prev_end || gap_to_ != b.begin) {
      gap_from_ = prev_end;
      gap_to_ = b.begin;
      gap_tokens_ = CountTokens(Slice(prev_end, b.begin));
    }
    return gap_tokens_;
  }

  bool Fits(const Block& b, int btok) {
    const int ctx = std::max(acc_ctx_, CtxTokens(b.section));
    return acc_tokens_ + Gap(b) + btok + ctx <= opts_.max_tokens;
  }

  void Add(size_t bi, int btok) {
    const Block& b = outline_.blocks[bi];
    acc_tokens_ += Gap(b) + btok;
    acc_ctx_ = std::max(acc_ctx_, CtxTokens(b.section));
    if (b.kind != BlockKind::kHeading) ++acc_content_;
    acc_.push_back({bi, btok});
  }

  void ClearAcc() {
    acc_.clear();
    acc_tokens_ = acc_ctx_ = acc_content_ = 0;
  }

  // Emits acc_[0..k) as one chunk (if it holds anything).
  void EmitAcc(size_t k) {
    if (k == 0) return;
    const auto& blocks = outline_.blocks;
    const Block& first = blocks[acc_[0].first];
    // Common heading path of all blocks.
    const std::vector<std::string>& path = outline_.paths[first.section];
    size_t len = path.size();
    int content = 0;
    BlockKind kind = BlockKind::kHeading;
    for (size_t i = 0; i < k; ++i) {
      const Block& b = blocks[acc_[i].first];
      const auto& p = outline_.paths[b.section];
      size_t m = 0;
      while (m < len && m < p.size() && p[m] == path[m]) ++m;
      len = m;
      if (b.kind != BlockKind::kHeading) {
        ++content;
        kind = b.kind;
      }
    }
    const ChunkType type = content == 1 ? TypeOf(kind) : ChunkType::kSection;
    size_t ctx_len = len;
    bool title_in_body = false;
    if (first.kind == BlockKind::kHeading) {
      ctx_len = std::min(len, path.size() - 1);
      title_in_body = first.level == 1 && !path.empty() && path[0] == title_;
    }
    Emit(first.begin, blocks[acc_[k - 1].first].end, type, path, len,
         ContextLine(path, ctx_len, title_in_body), {});
  }

  void Flush() {
    EmitAcc(acc_.size());
    ClearAcc();
  }

  // Emits the accumulator except a trailing run of headings, which stays (it introduces what
  // comes next).
  void FlushKeepTrailingHeadings() {
    size_t k = acc_.size();
    while (k > 0 && outline_.blocks[acc_[k - 1].first].kind == BlockKind::kHeading) --k;
    if (k == 0) return;  // headings only: keep them all
    EmitAcc(k);
    std::vector<std::pair<size_t, int>> rest(acc_.begin() + static_cast<long>(k), acc_.end());
    ClearAcc();
    for (const auto& [bi, t] : rest) Add(bi, t);
  }

  // ---- splitting one block ------------------------------------------------------------------

  void SplitBlock(size_t bi) {
    const Block& b = outline_.blocks[bi];
    const auto& path = outline_.paths[b.section];
    const ChunkType type = TypeOf(b.kind);
    // A heading-only accumulator becomes the lead of the first piece.
    const bool has_lead = !acc_.empty();
    const uint32_t lead_begin = has_lead ? outline_.blocks[acc_[0].first].begin : 0;
    const int lead_tokens = has_lead ? acc_tokens_ + Gap(b) : 0;
    const Block* lead_first = has_lead ? &outline_.blocks[acc_[0].first] : nullptr;
    ClearAcc();

    const std::string ctx = ContextLine(path, path.size(), false);
    const int ctx_tok = ctx.empty() ? 0 : CountTokens(ctx) + 1;
    // Table pieces after the first repeat the header rows (if they are small).
    Span header{};
    int header_tok = 0;
    if (b.kind == BlockKind::kTable && b.aux > b.begin && b.aux <= b.end) {
      const int t = CountTokens(Slice(b.begin, b.aux)) + 1;
      if (t <= opts_.max_tokens / 3) {
        header = {b.begin, b.aux};
        header_tok = t;
      }
    }
    const int avail_first = opts_.max_tokens - ctx_tok;
    const int avail_next = avail_first - header_tok;
    const int unit_budget = std::max(1, std::min(avail_first, avail_next));

    units_.clear();
    const Level* levels = kProse;
    if (b.kind == BlockKind::kList) levels = kListLevels;
    if (b.kind == BlockKind::kCode || b.kind == BlockKind::kTable) levels = kLineLevels;
    SplitSpan(b.begin, b.end, levels, unit_budget);
    if (units_.empty()) return;

    // Lead context: the first piece starts with the lead headings when they fit with its first
    // unit; its context then excludes them.
    std::string lead_ctx;
    bool use_lead = has_lead && lead_tokens + units_[0].tokens <= avail_first;
    if (use_lead) {
      const auto& lp = outline_.paths[lead_first->section];
      const bool title_in_body = lead_first->level == 1 && !lp.empty() && lp[0] == title_;
      lead_ctx = ContextLine(lp, lp.empty() ? 0 : lp.size() - 1, title_in_body);
      if (static_cast<int>(lead_ctx.empty() ? 0 : CountTokens(lead_ctx) + 1) > ctx_tok) {
        use_lead = false;  // cannot happen (a prefix of the path), but stay within the budget
      }
    }

    const int overlap = b.kind == BlockKind::kTable ? 0 : opts_.overlap_tokens;
    size_t i = 0;
    bool first_piece = true;
    while (i < units_.size()) {
      const int avail = first_piece ? avail_first : avail_next;
      int tokens = units_[i].tokens + (first_piece && use_lead ? lead_tokens : 0);
      size_t j = i + 1;
      while (j < units_.size() && tokens + units_[j].tokens <= avail) tokens += units_[j++].tokens;
      const uint32_t begin = first_piece && use_lead ? lead_begin : units_[i].begin;
      bool cut_words = false;
      for (size_t k = i + 1; k < j && !cut_words; ++k) cut_words = units_[k].in_word;
      if (cut_words) {
        while (j > i + 1 && CountTokens(Slice(begin, units_[j - 1].end)) > avail) --j;
      }
      if (first_piece) {
        Emit(begin, units_[j - 1].end, type, path, path.size(), use_lead ? lead_ctx : ctx, {});
      } else {
        Emit(begin, units_[j - 1].end, type, path, path.size(), ctx, header);
      }
      first_piece = false;
      if (j >= units_.size()) break;
      // Overlap: back up over whole units worth at most `overlap` tokens, keeping progress and
      // room for the next new unit.
      size_t k = j;
      int ov = 0;
      while (k - 1 > i && ov + units_[k - 1].tokens <= overlap) ov += units_[--k].tokens;
      while (k < j && ov + units_[j].tokens > avail_next) ov -= units_[k++].tokens;
      i = k;
    }
  }

  void AddUnit(uint32_t b, uint32_t e, const Level* levels, int budget) {
    if (e <= b) return;
    const int t = CountTokens(Slice(b, e));
    if (t <= budget) {
      units_.push_back({b, e, t, false});
    } else {
      SplitSpan(b, e, levels + 1, budget);
    }
  }

  // Splits [b, e) at `levels[0]` boundaries into units of at most `budget` tokens, recursing to
  // finer levels for pieces that are still too big.
  void SplitSpan(uint32_t b, uint32_t e, const Level* levels, int budget) {
    const std::string_view s = Slice(b, e);
    switch (levels[0]) {
      case Level::kItems:
      case Level::kLines: {
        uint32_t start = b;
        size_t pos = 0;
        while (pos < s.size()) {
          const void* nl = std::memchr(s.data() + pos, '\n', s.size() - pos);
          const size_t line_end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - s.data()) + 1
                                     : s.size();
          const uint32_t abs = b + static_cast<uint32_t>(pos);
          if (abs > start) {
            const bool cut = levels[0] == Level::kLines ||
                             IsListItemLine(s.substr(pos, line_end - pos));
            if (cut) {
              AddUnit(start, abs, levels, budget);
              start = abs;
            }
          }
          pos = line_end;
        }
        AddUnit(start, e, levels, budget);
        return;
      }
      case Level::kSentences: {
        for (const Span& sp : SplitSentences(s)) AddUnit(b + sp.begin, b + sp.end, levels, budget);
        return;
      }
      case Level::kWords: {
        // Each unit is a word plus the whitespace after it.
        size_t pos = 0;
        uint32_t start = b;
        while (pos < s.size()) {
          while (pos < s.size() && !IsWs(s[pos])) ++pos;
          while (pos < s.size() && IsWs(s[pos])) ++pos;
          const uint32_t abs = b + static_cast<uint32_t>(pos);
          AddUnit(start, abs, levels, budget);
          start = abs;
        }
        return;
      }
      case Level::kChars:
      case Level::kEnd: {
        // Character pieces: guess a byte length from the budget, shrink until it fits.
        size_t pos = 0;
        while (pos < s.size()) {
          size_t len = std::min(s.size() - pos, static_cast<size_t>(budget) * 3);
          size_t cut = pos + len;
          int t = 0;
          for (int guard = 0; guard < 64; ++guard) {
            cut = FloorCharBoundary(s, pos + len);
            if (cut <= pos) {  // at least one code point
              cut = pos + 1;
              while (cut < s.size() && !IsUtf8Lead(static_cast<unsigned char>(s[cut]))) ++cut;
            }
            t = CountTokens(s.substr(pos, cut - pos));
            if (t <= budget || len <= 1) break;
            len = std::max<size_t>(1, len * static_cast<size_t>(budget) / static_cast<size_t>(t) * 9 / 10);
          }
          units_.push_back({b + static_cast<uint32_t>(pos), b + static_cast<uint32_t>(cut), t, true});
          pos = cut;
        }
        return;
      }
    }
  }

  // ---- output -------------------------------------------------------------------------------

  void Emit(uint32_t begin, uint32_t end, ChunkType type, const std::vector<std::string>& path,
            size_t path_len, const std::string& ctx, Span header) {
    // Trim: leading blank lines (keep the first line's indentation), trailing whitespace.
    uint32_t b = begin;
    while (b < end && IsWs(text_[b])) ++b;
    if (b == end) return;
    while (b > begin && text_[b - 1] != '\n') --b;
    uint32_t e = end;
    while (e > b && IsWs(text_[e - 1])) --e;
    Chunk c;
    c.type = type;
    c.heading_path.assign(path.begin(), path.begin() + static_cast<long>(path_len));
    c.index = static_cast<int>(chunks_.size());
    std::string prefix = ctx;
    if (!prefix.empty()) prefix += "\n\n";
    if (header.end > header.begin) {
      prefix.append(Slice(header.begin, header.end));
      prefix += "\n";
    }
    c.text.reserve(prefix.size() + (e - b));
    c.text = prefix;
    c.text.append(Slice(b, e));
    c.context_bytes = static_cast<uint32_t>(prefix.size());
    c.byte_start = b;
    c.byte_end = e;
    c.token_count = CountTokens(c.text);
    chunks_.push_back(std::move(c));
  }

  void FinishOffsets() {
    std::vector<uint32_t> offs;
    offs.reserve(chunks_.size() * 2);
    for (const Chunk& c : chunks_) {
      offs.push_back(c.byte_start);
      offs.push_back(c.byte_end);
    }
    const std::vector<uint32_t> u16 = Utf16Offsets(text_, offs);
    for (size_t i = 0; i < chunks_.size(); ++i) {
      chunks_[i].start = u16[2 * i];
      chunks_[i].end = u16[2 * i + 1];
    }
  }

  std::string_view text_;
  const Outline& outline_;
  const ChunkOptions& opts_;
  std::string title_;
  std::vector<int> ctx_cache_;
  std::vector<std::pair<size_t, int>> acc_;  // (block index, tokens)
  int acc_tokens_ = 0, acc_ctx_ = 0, acc_content_ = 0;
  std::vector<Unit> units_;
  std::vector<Chunk> chunks_;
  uint32_t gap_from_ = 0, gap_to_ = 0;
  int gap_tokens_ = 0;
};

}  // namespace

std::vector<Chunk> ChunkOutline(std::string_view text, const Outline& outline,
                                const ChunkOptions& opts, std::string_view title) {
  Chunker chunker(text, outline, opts, title);
  return chunker.Run();
}

}  // namespace kspace::text
