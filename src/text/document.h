// Document: what a note becomes after parsing, and ParseDocument, the subsystem's entry point.
//
// ParseDocument(bytes, format, options):
//   1. Normalize (normalize.h): valid UTF-8, LF line ends, no BOM/controls, Latin NFC.
//   2. Convert: HTML and reStructuredText are converted to Markdown (html.h, rst.h); Markdown
//      gets its YAML front matter parsed into `metadata` (yaml.h) and removed from the text.
//   3. Parse blocks (markdown.h): headings, paragraphs, lists, tables, code, quotes, HTML blocks;
//      plain text is paragraphs separated by blank lines.
//   4. Extract #tags, [[wikilinks]] and link URLs from everything but code.
//   5. Chunk (chunker.h) to the token budget.
// It fails only for invalid options (INVALID_ARGUMENT, naming the field) or input over
// kMaxDocumentBytes (TOO_LARGE); any other input, including binary junk, gives a Document
// (possibly with no chunks) and, where something was odd, `warnings`. No exception escapes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/format.h"
#include "util/status.h"

namespace kspace::text {

// The seed's chunk_type values.
enum class ChunkType { kParagraph, kSection, kTable, kCodeBlock, kList };

// "paragraph", "section", "table", "code_block", "list".
const char* ChunkTypeName(ChunkType type);

// How much context a chunk's text carries in front of its body.
enum class ChunkContext {
  kNone,              // text is exactly the body
  kHeadings,          // "Motivation > Async" line, then a blank line, then the body
  kTitleAndHeadings,  // the same with the document title first ("Title > Motivation > Async")
};

struct ChunkOptions {
  // Upper bound on Chunk::token_count (CountTokens of the whole chunk text, context included).
  // Range [8, 1000000].
  int max_tokens = 300;
  // When a block is longer than the budget and split, each piece after the first starts with
  // up to this many tokens of the end of the previous piece (whole sentences, lines or words).
  // Must be >= 0; values above max_tokens / 2 act as max_tokens / 2. Table rows never overlap
  // (the header is repeated instead).
  int overlap_tokens = 30;
  // A section whose chunk would be smaller than this is merged with the following section(s)
  // (the merged chunk's heading_path is their common ancestor path). Must be >= 0; values above
  // max_tokens act as max_tokens.
  int merge_below_tokens = 50;
  ChunkContext context = ChunkContext::kTitleAndHeadings;
  // Document::title when the document has neither a front matter title nor a leading H1
  // (e.g. the file name without extension). Also used in the chunk context.
  std::string default_title;
};

struct Chunk {
  // What gets embedded and full-text indexed: the context line (see ChunkContext), then the body.
  // For a table piece after the first, the table's header and delimiter rows follow the context
  // line, so every piece is a self-describing table.
  std::string text;
  ChunkType type = ChunkType::kParagraph;
  // Every heading enclosing the whole body, outermost first, e.g. {"Motivation", "Async"}.
  std::vector<std::string> heading_path;
  int index = 0;        // 0-based order within the document
  int token_count = 0;  // CountTokens(text)
  // The body's range in Document::text, in UTF-16 code units (for JavaScript) ...
  uint32_t start = 0, end = 0;
  // ... and in bytes. text.substr(context_bytes) == Document::text.substr(byte_start,
  // byte_end - byte_start) always holds.
  uint32_t byte_start = 0, byte_end = 0;
  uint32_t context_bytes = 0;  // length of the context prefix at the front of `text`
};

// [[target#heading|alias]] or, with embed, ![[target#heading|alias]].
struct WikiLink {
  std::string target;   // note name or path, "" for a link into the same note ([[#heading]])
  std::string heading;  // after '#', "" if none (block references keep their '^')
  std::string alias;    // after '|', "" if none
  bool embed = false;
};

struct Document {
  Format format = Format::kMarkdown;
  // Processed text: normalised Markdown without front matter (HTML and RST converted to
  // Markdown); normalised text for plain text. Chunk offsets point into this.
  std::string text;
  // Front matter `title`; else the document's first H1 if it comes before any other content
  // (a "# Title" line opening the note; HTML: <title>, then the first <h1>); else
  // ChunkOptions::default_title. Documents whose first H1 comes after other content (the Rust
  // RFCs open with a metadata list, then "# Summary") have no H1 title: that H1 is a section.
  std::string title;
  nlohmann::json metadata = nlohmann::json::object();  // YAML front matter as a JSON object
  // Front matter tags / keywords / aliases (strings, lists, or comma-separated strings):
  // trimmed, leading '#' removed, whitespace collapsed, lower-cased, de-duplicated, in order.
  std::vector<std::string> keywords;
  // #tags in the body, Obsidian rules: preceded by start of line or whitespace, letters, digits,
  // '_', '-', '/' (nested tags), not all digits, never in code. Lower-cased, without '#',
  // de-duplicated, in order of first appearance.
  std::vector<std::string> tags;
  std::vector<WikiLink> wikilinks;  // in order, duplicates kept out
  // Hyperlink URLs in order, de-duplicated: [text](url), <url> autolinks, bare http(s) URLs,
  // reference definitions. Images, fragment-only and javascript: links are not recorded.
  std::vector<std::string> links;
  std::vector<Chunk> chunks;
  std::vector<std::string> warnings;  // e.g. malformed front matter, replaced bytes
};

// Inputs larger than this are refused with TOO_LARGE (offsets are 32-bit; normalisation can
// triple the size of junk).
inline constexpr size_t kMaxDocumentBytes = 256u << 20;

Result<Document> ParseDocument(std::string_view bytes, Format format, const ChunkOptions& opts);

// Validates options; OK or INVALID_ARGUMENT naming the field ("maxTokens", ...).
Status ValidateChunkOptions(const ChunkOptions& opts);

}  // namespace kspace::text
