#include "store/terms.h"

namespace kspace::store {

namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::span<const uint8_t> b, size_t& at, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= b.size()) return false;
    uint8_t byte = b[at++];
    v |= uint64_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

std::string EncodeTermFrequencies(const TermStatsBlob& stats) {
  std::string data;
  data.reserve(stats.df.size() * 10 + 8);
  size_t live = 0;
  for (const auto& [t, df] : stats.df) live += df > 0 ? 1 : 0;
  PutVarint(data, live);
  for (const auto& [t, df] : stats.df) {
    if (df <= 0) continue;
    PutVarint(data, t.size());
    data += t;
    PutVarint(data, static_cast<uint64_t>(df));
  }
  return data;
}

bool DecodeTermFrequencies(std::span<const uint8_t> b, TermStatsBlob& stats) {
  stats.df.clear();
  size_t at = 0;
  uint64_t n = 0;
  if (!GetVarint(b, at, n) || n > b.size()) return false;
  stats.df.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0, df = 0;
    if (!GetVarint(b, at, len) || len > b.size() - at) return stats.df.clear(), false;
    std::string term(reinterpret_cast<const char*>(b.data() + at), static_cast<size_t>(len));
    at += static_cast<size_t>(len);
    if (!GetVarint(b, at, df)) return stats.df.clear(), false;
    stats.df.emplace(std::move(term), static_cast<int64_t>(df));
  }
  if (at != b.size()) {
    stats.df.clear();
    return false;
  }
  return true;
}

Result<TermStatsBlob> LoadTermStats(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("SELECT docs, data FROM term_stats WHERE space_id = ?"));
  st->Bind(1, space_id);
  TermStatsBlob out;
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return out;
  out.docs = st->Int(0);
  // A damaged blob only costs keyword quality: start over rather than fail ingest.
  if (!DecodeTermFrequencies(st->BlobSpan(1), out)) return TermStatsBlob{};
  return out;
}

Status SaveTermStats(Database& db, const std::string& space_id, const TermStatsBlob& stats) {
  const std::string data = EncodeTermFrequencies(stats);
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT INTO term_stats(space_id, docs, data) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(space_id) DO UPDATE SET docs = ?2, data = ?3"));
  st->BindAll(space_id, stats.docs < 0 ? int64_t{0} : stats.docs, Blob{data.data(), data.size()});
  return st->Run();
}

Status DeleteSpaceTermStats(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare("DELETE FROM term_stats WHERE space_id = ?"));
  st->Bind(1, space_id);
  return st->Run();
}

Status DeleteSpaceLinks(Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "DELETE FROM source_links WHERE content_source_id IN (SELECT id FROM content_sources WHERE space_id = ?)"));
  st->Bind(1, space_id);
  return st->Run();
}

Status ReplaceSourceLinks(Database& db, const std::string& source_id, std::span<const SourceLink> links) {
  KS_ASSIGN_OR_RETURN(CachedStatement del, db.Prepare("DELETE FROM source_links WHERE content_source_id = ?"));
  del->Bind(1, source_id);
  KS_RETURN_IF_ERROR(del->Run());
  KS_ASSIGN_OR_RETURN(CachedStatement ins, db.Prepare(
      "INSERT INTO source_links(content_source_id, kind, target, heading, alias, is_embed) VALUES (?, ?, ?, ?, ?, ?)"));
  for (const SourceLink& l : links) {
    ins->BindAll(source_id, l.kind, l.target, l.heading, l.alias, l.embed);
    KS_RETURN_IF_ERROR(ins->Run());
    ins->Reset();
  }
  return Status::Ok();
}

Result<std::vector<SourceLink>> SourceLinks(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT kind, target, heading, alias, is_embed FROM source_links WHERE content_source_id = ? ORDER BY rowid"));
  st->Bind(1, source_id);
  std::vector<SourceLink> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    out.push_back(SourceLink{st->Text(0), st->Text(1), st->Text(2), st->Text(3), st->Int(4) != 0});
  }
  return out;
}

Result<std::vector<std::string>> SourceTags(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT DISTINCT target FROM source_links WHERE content_source_id = ? AND kind = 'tag' ORDER BY target"));
  st->Bind(1, source_id);
  return st->ReadTexts();
}

std::string WikilinkKey(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string WikilinkPathStem(std::string_view path) {
  size_t slash = path.find_last_of('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot != std::string_view::npos && dot > 0) base = base.substr(0, dot);
  return WikilinkKey(base);
}

namespace {
Status InsertWikilinkKey(Database& db, const std::string& space_id, const std::string& key, int kind,
                         const std::string& source_id) {
  if (key.empty()) return Status::Ok();
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "INSERT OR IGNORE INTO wikilink_keys(space_id, key, kind, content_source_id) VALUES (?, ?, ?, ?)"));
  st->BindAll(space_id, key, int64_t{kind}, source_id);
  return st->Run();
}
}  // namespace

Status IndexSourceNames(Database& db, const std::string& space_id, const std::string& source_id,
                        std::string_view title, const std::optional<std::string>& path) {
  KS_RETURN_IF_ERROR(InsertWikilinkKey(db, space_id, WikilinkKey(title), 0, source_id));
  if (path) KS_RETURN_IF_ERROR(InsertWikilinkKey(db, space_id, WikilinkPathStem(*path), 0, source_id));
  return Status::Ok();
}

Status IndexLinkTarget(Database& db, const std::string& space_id, const std::string& source_id,
                       std::string_view target) {
  KS_RETURN_IF_ERROR(InsertWikilinkKey(db, space_id, WikilinkKey(target), 1, source_id));
  return InsertWikilinkKey(db, space_id, WikilinkPathStem(target), 1, source_id);
}

Status ReplaceWikilinkKeys(Database& db, const std::string& space_id, const std::string& source_id,
                           std::string_view title, const std::optional<std::string>& path,
                           std::span<const SourceLink> links) {
  KS_ASSIGN_OR_RETURN(CachedStatement del, db.Prepare("DELETE FROM wikilink_keys WHERE content_source_id = ?"));
  del->Bind(1, source_id);
  KS_RETURN_IF_ERROR(del->Run());
  KS_RETURN_IF_ERROR(IndexSourceNames(db, space_id, source_id, title, path));
  for (const SourceLink& l : links) {
    if (l.kind == "wikilink") KS_RETURN_IF_ERROR(IndexLinkTarget(db, space_id, source_id, l.target));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SourceNameKeys(Database& db, const std::string& source_id) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT key FROM wikilink_keys WHERE content_source_id = ? AND kind = 0 ORDER BY key"));
  st->Bind(1, source_id);
  return st->ReadTexts();
}

Result<std::vector<std::string>> SourcesLinkingBy(Database& db, const std::string& space_id, const std::string& key) {
  KS_ASSIGN_OR_RETURN(CachedStatement st, db.Prepare(
      "SELECT content_source_id FROM wikilink_keys WHERE space_id = ? AND key = ? AND kind = 1 "
      "ORDER BY content_source_id"));
  st->BindAll(space_id, key);
  return st->ReadTexts();
}

}  // namespace kspace::store
