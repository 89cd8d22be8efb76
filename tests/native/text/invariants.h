// Invariants every parsed Document must satisfy, shared by the tests and the fuzz target
// (header-only, no GoogleTest). CheckDocument returns "" when all hold, else a description.
#pragma once

#include <string>
#include <vector>

#include "text/document.h"
#include "text/tokenize.h"
#include "text/utf8.h"

namespace kspace::text::testing {

inline std::string CheckDocument(const Document& doc, const ChunkOptions& opts) {
  if (!IsValidUtf8(doc.text)) return "document text is not valid UTF-8";
  if (!IsValidUtf8(doc.title)) return "title is not valid UTF-8";
  for (const auto& t : doc.tags) {
    if (t.empty() || !IsValidUtf8(t)) return "bad tag";
  }
  for (const auto& l : doc.links) {
    if (l.empty() || !IsValidUtf8(l)) return "bad link";
  }
  for (const auto& k : doc.keywords) {
    if (k.empty() || !IsValidUtf8(k)) return "bad keyword";
  }
  for (const auto& w : doc.wikilinks) {
    if (!IsValidUtf8(w.target) || !IsValidUtf8(w.heading) || !IsValidUtf8(w.alias)) {
      return "bad wikilink";
    }
    if (w.target.empty() && w.heading.empty()) return "empty wikilink";
  }
  if (!doc.metadata.is_object()) return "metadata is not an object";
  std::vector<uint32_t> byte_offsets;
  for (const Chunk& c : doc.chunks) {
    byte_offsets.push_back(c.byte_start);
    byte_offsets.push_back(c.byte_end);
  }
  const std::vector<uint32_t> utf16 = Utf16Offsets(doc.text, byte_offsets);
  uint32_t prev_start = 0, prev_end = 0;
  for (size_t i = 0; i < doc.chunks.size(); ++i) {
    const Chunk& c = doc.chunks[i];
    const std::string where = "chunk " + std::to_string(i) + ": ";
    if (c.index != static_cast<int>(i)) return where + "index out of order";
    if (!IsValidUtf8(c.text)) return where + "text is not valid UTF-8";
    if (c.token_count != CountTokens(c.text)) return where + "token_count != CountTokens(text)";
    if (c.token_count > opts.max_tokens) {
      return where + "over budget: " + std::to_string(c.token_count) + " > " +
             std::to_string(opts.max_tokens);
    }
    if (c.byte_start >= c.byte_end || c.byte_end > doc.text.size()) return where + "bad byte range";
    if (c.context_bytes > c.text.size()) return where + "context longer than text";
    if (std::string_view(c.text).substr(c.context_bytes) !=
        std::string_view(doc.text).substr(c.byte_start, c.byte_end - c.byte_start)) {
      return where + "body differs from Document::text";
    }
    if (c.start != utf16[2 * i] || c.end != utf16[2 * i + 1]) {
      return where + "UTF-16 offsets wrong";
    }
    if (i > 0 && (c.byte_start < prev_start || c.byte_end < prev_end)) {
      return where + "offsets not monotonic";
    }
    for (const auto& h : c.heading_path) {
      if (!IsValidUtf8(h)) return where + "heading not valid UTF-8";
    }
    prev_start = c.byte_start;
    prev_end = c.byte_end;
  }
  return {};
}

}  // namespace kspace::text::testing
