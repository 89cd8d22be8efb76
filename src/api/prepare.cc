// The Preparer and the wire formats of prepare.h (PrepareText is in prepare_text.cc). Compiled at
// -O3: a batch's every chunk text and vector passes through here (CMakeLists.txt).
#include "api/prepare.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "store/chunks.h"
#include "store/fts_replay.h"
#include "util/clock.h"

namespace kspace::api {

namespace {

// Little-endian fixed-width integers and length-prefixed strings. Both ends are the same build,
// so there is no versioning; the reader still checks every length against what is left.
// The buffer grows geometrically and out_.size() is its capacity (used_ the length), so a value
// costs a memcpy, not a vector::resize: in wasm that was an out-of-line libc++ call per value,
// ~24 ms of the second worker's RFC ingest.
class Writer {
 public:
  void U8(uint8_t v) { Raw(&v, 1); }
  void U32(uint32_t v) { Raw(&v, 4); }
  void I64(int64_t v) { Raw(&v, 8); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Raw(s.data(), s.size());
  }
  void OptStr(const std::optional<std::string>& s) {
    U8(s ? 1 : 0);
    if (s) Str(*s);
  }
  void Raw(const void* p, size_t n) {
    if (used_ + n > out_.size()) out_.resize(std::max(used_ + n, 2 * out_.size()));
    if (n) std::memcpy(out_.data() + used_, p, n);
    used_ += n;
  }
  void Reserve(size_t n) {
    if (n > out_.size()) out_.resize(n);
  }
  std::vector<uint8_t> Take() {
    out_.resize(used_);
    used_ = 0;
    return std::move(out_);
  }

 private:
  std::vector<uint8_t> out_;
  size_t used_ = 0;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && at_ == b_.size(); }
  uint8_t U8() {
    uint8_t v = 0;
    Raw(&v, 1);
    return v;
  }
  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, 4);
    return v;
  }
  int64_t I64() {
    int64_t v = 0;
    Raw(&v, 8);
    return v;
  }
  std::string Str() { return std::string(View()); }
  std::string_view View() {
    const uint32_t n = U32();
    if (!ok_ || n > b_.size() - at_) return Fail(), std::string_view();
    std::string_view s(reinterpret_cast<const char*>(b_.data() + at_), n);
    at_ += n;
    return s;
  }
  std::optional<std::string> OptStr() {
    if (U8() == 0) return std::nullopt;
    return Str();
  }
  // A count of items that each take at least `min_bytes`: bounded by what is left.
  uint32_t Count(size_t min_bytes) {
    const uint32_t n = U32();
    if (ok_ && static_cast<uint64_t>(n) * min_bytes > b_.size() - at_) Fail();
    return ok_ ? n : 0;
  }
  // The unread bytes (all consumed).
  std::span<const uint8_t> Rest() {
    std::span<const uint8_t> rest = ok_ ? b_.subspan(at_) : std::span<const uint8_t>();
    at_ = b_.size();
    return rest;
  }
  void Raw(void* p, size_t n) {
    if (!ok_ || n > b_.size() - at_) return Fail();
    if (n) std::memcpy(p, b_.data() + at_, n);
    at_ += n;
  }

 private:
  void Fail() { ok_ = false; }
  std::span<const uint8_t> b_;
  size_t at_ = 0;
  bool ok_ = true;
};

constexpr uint32_t kPrepInputMagic = 0x4b535049;  // "KSPI"
constexpr uint32_t kPreparedMagic = 0x4b535050;   // "KSPP"
constexpr uint32_t kTermsMagic = 0x4b535054;      // "KSPT"

Status Malformed(std::string_view what) {
  return InvalidArgument("malformed prepared batch (" + std::string(what) + ")", "bytes");
}

// Each record's writer and reader side by side: a field added to one goes into the other.

// A handed-off source: what PrepareText reads of its row, and its bytes.
void PutInput(Writer& w, const store::SourceRow& r, std::string_view blob) {
  w.Str(r.id);
  w.Str(r.space_id);
  w.Str(r.title);
  w.OptStr(r.path);
  w.OptStr(r.mime_type);
  w.Str(r.media_type);
  w.Str(r.keywords);
  w.Str(r.metadata);
  w.Str(blob);
}
store::SourceRow GetInput(Reader& r, std::string_view* blob) {
  store::SourceRow row;
  row.id = r.Str();
  row.space_id = r.Str();
  row.title = r.Str();
  row.path = r.OptStr();
  row.mime_type = r.OptStr();
  row.media_type = r.Str();
  row.keywords = r.Str();
  row.metadata = r.Str();
  *blob = r.View();
  return row;
}

void PutLink(Writer& w, const store::SourceLink& l) {
  w.Str(l.kind);
  w.Str(l.target);
  w.Str(l.heading);
  w.Str(l.alias);
  w.U8(l.embed ? 1 : 0);
}
store::SourceLink GetLink(Reader& r) {
  store::SourceLink l;
  l.kind = r.Str();
  l.target = r.Str();
  l.heading = r.Str();
  l.alias = r.Str();
  l.embed = r.U8() != 0;
  return l;
}

// A chunk without its source and space ids (those of the source it comes with).
void PutChunk(Writer& w, const store::ChunkRow& c) {
  w.Str(c.id);
  w.I64(c.chunk_index);
  w.Str(c.chunk_type);
  w.Str(c.text);
  w.I64(c.context_bytes);
  w.Str(c.heading_path);
  w.I64(c.token_count);
  w.I64(c.char_start);
  w.I64(c.char_end);
  w.Str(c.created_at);
}
store::ChunkRow GetChunk(Reader& r, const store::SourceRow& source) {
  store::ChunkRow c;
  c.id = r.Str();
  c.space_id = source.space_id;
  c.content_source_id = source.id;
  c.chunk_index = r.I64();
  c.chunk_type = r.Str();
  c.text = r.Str();
  c.context_bytes = r.I64();
  c.heading_path = r.Str();
  c.token_count = r.I64();
  c.char_start = r.I64();
  c.char_end = r.I64();
  c.created_at = r.Str();
  return c;
}

// A prepared source: what Commit needs beyond the row it already holds.
void PutPrepared(Writer& w, const PreparedSource& p) {
  w.Str(p.source.id);
  w.U8(p.failed ? 1 : 0);
  w.Str(p.error);
  w.Str(p.source.keywords);
  w.OptStr(p.source.content_summary);
  w.Str(p.source.metadata);
  w.U8(p.processed_is_original ? 1 : 0);
  w.U8(p.has_processed_text ? 1 : 0);
  // The original text is the store's blob already: not sent back.
  w.Str(p.processed_is_original ? std::string_view() : std::string_view(p.processed_text));
  w.U32(static_cast<uint32_t>(p.terms.size()));
  for (const std::string& t : p.terms) w.Str(t);
  w.U32(static_cast<uint32_t>(p.links.size()));
  for (const store::SourceLink& l : p.links) PutLink(w, l);
  w.U32(static_cast<uint32_t>(p.chunks.size()));
  for (const store::ChunkRow& c : p.chunks) PutChunk(w, c);
  const bool fts = p.has_fts_tokens && p.fts_headings.size() == p.chunks.size() && p.fts_bodies.size() == p.chunks.size();
  w.U8(fts ? 1 : 0);
  if (fts) {
    w.Str(p.fts_title);
    for (size_t i = 0; i < p.chunks.size(); ++i) {
      w.Str(p.fts_headings[i]);
      w.Str(p.fts_bodies[i]);
    }
  }
}
// Into `p`, whose row is the handed-off one (the ids must match).
Status GetPrepared(Reader& r, PreparedSource& p) {
  store::SourceRow& row = p.source;
  if (r.Str() != row.id) return Malformed("source order");
  p.failed = r.U8() != 0;
  p.error = r.Str();
  row.keywords = r.Str();
  row.content_summary = r.OptStr();
  row.metadata = r.Str();
  p.processed_is_original = r.U8() != 0;
  p.has_processed_text = r.U8() != 0;
  p.processed_text = r.Str();
  // Counts are bounded by the bytes left (the smallest encoding of each item), so a damaged
  // count cannot make us reserve or loop beyond the input.
  p.terms.assign(r.Count(4), std::string());
  for (std::string& t : p.terms) t = r.Str();
  p.links.clear();
  for (uint32_t i = 0, n = r.Count(17); i < n && r.ok(); ++i) p.links.push_back(GetLink(r));
  p.chunks.clear();
  const uint32_t nchunks = r.Count(60);
  p.chunks.reserve(nchunks);
  for (uint32_t i = 0; i < nchunks && r.ok(); ++i) p.chunks.push_back(GetChunk(r, row));
  p.has_fts_tokens = r.U8() != 0;
  p.fts_title.clear();
  p.fts_headings.clear();
  p.fts_bodies.clear();
  if (p.has_fts_tokens && r.ok()) {
    p.fts_title = r.Str();
    for (uint32_t i = 0; i < nchunks && r.ok(); ++i) {
      p.fts_headings.push_back(r.Str());
      p.fts_bodies.push_back(r.Str());
    }
  }
  return r.ok() ? Status::Ok() : Malformed("source " + row.id);
}

}  // namespace

std::vector<uint8_t> EncodePrepInput(const IngestBatch& batch, std::span<const std::string> blobs) {
  Writer w;
  size_t total = 64;
  for (const std::string& b : blobs) total += b.size() + 256;
  w.Reserve(total);
  w.U32(kPrepInputMagic);
  w.U32(static_cast<uint32_t>(batch.sources.size()));
  for (size_t i = 0; i < batch.sources.size(); ++i) {
    PutInput(w, batch.sources[i].source, i < blobs.size() ? std::string_view(blobs[i]) : std::string_view());
  }
  return w.Take();
}

std::vector<uint8_t> EncodeTermStats(const store::TermStatsBlob& stats) {
  Writer w;
  w.U32(kTermsMagic);
  w.I64(stats.docs);
  const std::string data = store::EncodeTermFrequencies(stats);  // as the store keeps them
  w.Raw(data.data(), data.size());
  return w.Take();
}

Status Preparer::LoadTerms(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  SpaceTerms terms;
  if (r.U32() != kTermsMagic) return InvalidArgument("not term statistics", "bytes");
  terms.stats.docs = r.I64();
  if (!r.ok() || terms.stats.docs < 0 || !store::DecodeTermFrequencies(r.Rest(), terms.stats)) {
    return InvalidArgument("malformed term statistics", "bytes");
  }
  terms_ = std::move(terms);
  return Status::Ok();
}

void Preparer::AddFtsTokens(PreparedSource& p) {
  if (!fts_tried_) {
    fts_tried_ = true;
    auto t = store::FtsTokenizer::Open();
    if (t.ok()) fts_ = std::move(*t);  // else the store's commit tokenises, as without a Preparer
  }
  if (!fts_) return;
  p.fts_headings.resize(p.chunks.size());
  p.fts_bodies.resize(p.chunks.size());
  bool ok = fts_->Tokenize(p.source.title, &p.fts_title);
  for (size_t i = 0; ok && i < p.chunks.size(); ++i) {
    const store::ChunkRow& c = p.chunks[i];
    ok = fts_->Tokenize(store::JoinHeadings(c.heading_path), &p.fts_headings[i]) &&
         fts_->Tokenize(c.body(), &p.fts_bodies[i]);
  }
  p.has_fts_tokens = ok;
  if (!ok) {
    p.fts_title.clear();
    p.fts_headings.clear();
    p.fts_bodies.clear();
  }
}

Result<std::vector<uint8_t>> Preparer::Prepare(std::span<const uint8_t> input) {
  const int64_t t0 = MonotonicMicros();
  Reader r(input);
  if (r.U32() != kPrepInputMagic) return InvalidArgument("not a batch to prepare", "bytes");
  const uint32_t n = r.Count(40);
  const SpaceDf df(terms_);
  std::vector<PreparedSource> prepared;
  prepared.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view blob;
    store::SourceRow row = GetInput(r, &blob);
    if (!r.ok()) return InvalidArgument("malformed batch to prepare", "bytes");
    KS_ASSIGN_OR_RETURN(PreparedSource p, PrepareText(std::move(row), blob, config_, &df));
    if (!p.failed) AddFtsTokens(p);
    prepared.push_back(std::move(p));
  }
  if (!r.done()) return InvalidArgument("malformed batch to prepare", "bytes");

  std::vector<std::string_view> texts;
  size_t text_bytes = 0;
  for (const PreparedSource& p : prepared) {
    for (const store::ChunkRow& c : p.chunks) {
      texts.push_back(c.text);
      text_bytes += 2 * (c.text.size() + c.heading_path.size()) + 128;  // the row, and its FTS tokens
    }
  }
  const size_t dim = static_cast<size_t>(embedder_.dimensions());
  std::vector<float> vectors(texts.size() * dim);
  const int64_t t1 = MonotonicMicros();
  KS_RETURN_IF_ERROR(embedder_.Embed(texts, vectors));
  parse_ms_ = static_cast<double>(t1 - t0) / 1000.0;
  embed_ms_ = static_cast<double>(MonotonicMicros() - t1) / 1000.0;

  Writer w;
  w.Reserve(text_bytes + vectors.size() * sizeof(float) + 4096 * prepared.size());
  w.U32(kPreparedMagic);
  w.U32(static_cast<uint32_t>(prepared.size()));
  for (const PreparedSource& p : prepared) PutPrepared(w, p);
  w.U32(static_cast<uint32_t>(dim));
  w.U32(static_cast<uint32_t>(texts.size()));
  w.Raw(vectors.data(), vectors.size() * sizeof(float));

  // Count the batch as the store's engine does after it commits it (Commit), so that the next
  // batch's keywords see the same statistics as in a serial ingest.
  for (const PreparedSource& p : prepared) {
    if (!p.failed && !p.terms.empty()) TermStatsCache::Adjust(terms_, p.terms, +1);
  }
  return w.Take();
}

Status DecodePrepared(std::span<const uint8_t> bytes, IngestBatch& batch, std::vector<float>& vectors) {
  Reader r(bytes);
  if (r.U32() != kPreparedMagic) return Malformed("magic");
  const uint32_t n = r.U32();
  if (!r.ok() || n != batch.sources.size()) return Malformed("source count");
  size_t total_chunks = 0;
  for (PreparedSource& p : batch.sources) {
    KS_RETURN_IF_ERROR(GetPrepared(r, p));
    total_chunks += p.chunks.size();
  }
  const uint32_t dim = r.U32();
  const uint32_t nvec = r.U32();
  if (!r.ok() || static_cast<int>(dim) != batch.dim || nvec != total_chunks) return Malformed("vectors");
  vectors.resize(static_cast<size_t>(dim) * nvec);
  r.Raw(vectors.data(), vectors.size() * sizeof(float));
  if (!r.done()) return Malformed("length");
  for (float v : vectors) {
    if (!std::isfinite(v)) return Malformed("vector values");
  }
  return Status::Ok();
}

}  // namespace kspace::api
