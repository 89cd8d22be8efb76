// PrepareText (prepare.h): the database-free half of ingest. Apart from the wire format and the
// Preparer (prepare.cc, compiled for speed), this is JSON and string glue, compiled for size with
// the rest of src/api.
#include "api/prepare.h"

#include <algorithm>
#include <set>

#include "api/convert.h"
#include "text/document.h"
#include "text/format.h"
#include "text/utf8.h"
#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {
namespace {

// Binary content: NUL bytes, or many invalid UTF-8 sequences, in the first 8 KB.
bool LooksBinary(std::span<const uint8_t> b) {
  const size_t n = std::min<size_t>(b.size(), 8192);
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    if (b[i] == 0) return true;
    if (b[i] < 0x09 || (b[i] > 0x0d && b[i] < 0x20 && b[i] != 0x1b)) ++bad;
  }
  std::string_view head(reinterpret_cast<const char*>(b.data()), n);
  if (!text::IsValidUtf8(head)) {
    // A cut at the 8 KB boundary may split one character; junk has invalid bytes throughout.
    size_t invalid = 0;
    for (size_t i = 0; i < n;) {
      size_t len = 1;
      unsigned char c = static_cast<unsigned char>(head[i]);
      if (c >= 0x80) {
        len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (len == 1 || i + len > n || !text::IsValidUtf8(head.substr(i, len))) {
          ++invalid;
          len = 1;
        }
      }
      i += len;
    }
    bad += invalid;
  }
  return n > 0 && bad * 10 > n;
}

enum class ContentKind { kText, kMediaOnly, kUnsupported };

ContentKind KindOf(const store::SourceRow& s, std::span<const uint8_t> bytes) {
  const std::string mime = s.mime_type.value_or("");
  auto starts = [&](const char* p) { return mime.rfind(p, 0) == 0; };
  if (starts("text/") || mime == "application/json" || mime == "application/xml" ||
      mime == "application/xhtml+xml" || starts("application/x-markdown")) {
    return ContentKind::kText;
  }
  if (starts("image/") || starts("audio/") || starts("video/")) return ContentKind::kMediaOnly;
  if (mime.empty() && (s.media_type == "image" || s.media_type == "audio" || s.media_type == "video")) {
    return ContentKind::kMediaOnly;
  }
  if (!mime.empty() && mime != "application/octet-stream") return ContentKind::kUnsupported;
  return LooksBinary(bytes) ? (s.media_type == "image" || s.media_type == "audio" || s.media_type == "video"
                                   ? ContentKind::kMediaOnly
                                   : ContentKind::kUnsupported)
                            : ContentKind::kText;
}

// Lower-cased, trimmed, de-duplicated keywords in order.
void AddKeyword(std::vector<std::string>& out, std::set<std::string>& seen, std::string k) {
  size_t b = k.find_first_not_of(" \t#");
  size_t e = k.find_last_not_of(" \t");
  if (b == std::string::npos) return;
  k = k.substr(b, e - b + 1);
  for (char& c : k) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (k.empty() || k.size() > 255 || !seen.insert(k).second) return;
  out.push_back(std::move(k));
}

}  // namespace

Result<PreparedSource> PrepareText(store::SourceRow source, std::string_view blob, const EngineConfig& config,
                                   const text::DfSource* df) {
  PreparedSource p;
  p.source = std::move(source);
  store::SourceRow& row = p.source;
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(blob.data()), blob.size());
  const ContentKind kind = KindOf(row, bytes);
  if (kind == ContentKind::kMediaOnly) return p;  // stored, nothing to read: 0 chunks
  if (kind == ContentKind::kUnsupported) {
    p.failed = true;
    p.error = "cannot extract text from " + row.mime_type.value_or("binary") +
              " content (supported: Markdown, plain text, HTML, reStructuredText)";
    return p;
  }
  std::string_view text_bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const text::Format format = text::DetectFormat(row.mime_type.value_or(""), row.path.value_or(""), text_bytes);
  text::ChunkOptions opts;
  opts.max_tokens = config.chunk_tokens;
  opts.overlap_tokens = config.chunk_overlap;
  opts.default_title = row.title;
  Result<text::Document> parsed = text::ParseDocument(text_bytes, format, opts);
  if (!parsed.ok()) {
    p.failed = true;
    p.error = parsed.status().message();
    return p;
  }
  text::Document& doc = *parsed;

  // Keywords and summary, TF-IDF against the space.
  // One analysis pass serves the three: tokenising and stemming dominate ingest time.
  const text::TextAnalysis analysis(doc);
  p.terms = analysis.DistinctTerms();
  auto [phrases, summary] = analysis.KeyphrasesAndSummary(df);
  std::vector<std::string> keywords;
  std::set<std::string> seen;
  json given = ParseStoredJson(row.keywords, json::array());
  for (const auto& k : given) {
    if (k.is_string()) AddKeyword(keywords, seen, k.get<std::string>());
  }
  for (const auto& k : doc.keywords) AddKeyword(keywords, seen, k);
  for (const auto& ph : phrases) {
    if (keywords.size() >= 24) break;
    AddKeyword(keywords, seen, ph.text);
  }
  row.keywords = json(keywords).dump();
  row.content_summary = summary.empty() ? std::nullopt : std::optional<std::string>(summary);
  if (!doc.metadata.empty()) {
    json meta = ParseStoredJson(row.metadata, json::object());
    meta["frontMatter"] = doc.metadata;
    row.metadata = meta.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // What the text points at: edges and tag filters are built from these.
  std::set<std::string> tags(doc.tags.begin(), doc.tags.end());
  for (const auto& t : doc.tags) p.links.push_back(store::SourceLink{"tag", t, "", "", false});
  if (doc.metadata.contains("tags")) {
    const json& ft = doc.metadata["tags"];
    std::vector<std::string> more;
    if (ft.is_array()) {
      for (const auto& t : ft) {
        if (t.is_string()) more.push_back(t.get<std::string>());
      }
    } else if (ft.is_string()) {
      more.push_back(ft.get<std::string>());
    }
    for (auto t : more) {
      std::vector<std::string> norm;
      std::set<std::string> unused;
      AddKeyword(norm, unused, t);
      if (!norm.empty() && tags.insert(norm[0]).second) p.links.push_back(store::SourceLink{"tag", norm[0], "", "", false});
    }
  }
  for (const auto& w : doc.wikilinks) p.links.push_back(store::SourceLink{"wikilink", w.target, w.heading, w.alias, w.embed});
  for (const auto& u : doc.links) p.links.push_back(store::SourceLink{"url", u, "", "", false});

  const std::string now = NowTimestamp();
  p.chunks.reserve(doc.chunks.size());
  for (const text::Chunk& c : doc.chunks) {
    store::ChunkRow r;
    r.id = NewUuid();
    r.space_id = row.space_id;
    r.content_source_id = row.id;
    r.chunk_index = c.index;
    r.chunk_type = text::ChunkTypeName(c.type);
    r.text = c.text;
    r.context_bytes = c.context_bytes;
    r.heading_path = json(c.heading_path).dump(-1, ' ', false, json::error_handler_t::replace);
    r.token_count = c.token_count;
    r.char_start = c.start;
    r.char_end = c.end;
    r.created_at = now;
    p.chunks.push_back(std::move(r));
  }
  p.processed_is_original = doc.text == text_bytes;
  p.has_processed_text = !doc.text.empty();
  p.processed_text = std::move(doc.text);
  return p;
}

}  // namespace kspace::api
