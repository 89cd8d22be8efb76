// Markdown block structure and inline extraction (CommonMark-ish, enough for real notes).
//
// ParseBlocks finds the block structure in one pass over the lines, O(n):
//   ATX (# ...) and setext (=== / ---) headings, paragraphs, lists (bullets - * +, ordered 1. 1),
//   nested by indentation, task items), GFM pipe tables (header row + delimiter row), fenced code
//   (``` and ~~~, unclosed fences run to the end) and indented code, block quotes (with lazy
//   continuation), HTML blocks (CommonMark types 1, 2 and 6: <script|pre|style|textarea>,
//   comments, block-level tags) and thematic breaks.
// Not modelled: link reference definitions as such (they are paragraphs), nested structure
// inside quotes and list items (a list or quote is one block; the chunker splits it by items and
// lines), CommonMark HTML block types 3-5 and 7.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/document.h"
#include "text/tokenize.h"

namespace kspace::text {

enum class BlockKind { kHeading, kParagraph, kList, kTable, kCode, kQuote, kHtml, kComment, kBreak };

struct Block {
  BlockKind kind = BlockKind::kParagraph;
  uint32_t begin = 0, end = 0;  // byte range of the block's lines, without the final newline
  int level = 0;                // heading level 1..6
  // Index into Outline::paths: the heading path in force for this block (for a heading, the
  // path ending with itself).
  uint32_t section = 0;
  // Table: end of the delimiter row (rows after it are data). Code: 1 if fenced.
  uint32_t aux = 0;
};

struct Outline {
  std::vector<Block> blocks;
  // paths[0] is the empty path (before any heading).
  std::vector<std::vector<std::string>> paths;
};

// Block structure of Markdown `text`.
Outline ParseMarkdownBlocks(std::string_view text);
// Plain text: paragraphs separated by blank lines.
Outline ParsePlainBlocks(std::string_view text);

// Markdown inline syntax removed, for headings, titles and summaries: [text](url) -> text,
// ![alt](src) -> alt, [[target|alias]] -> alias (else target), emphasis and code markers,
// HTML tags and backslash escapes dropped, whitespace collapsed and trimmed.
std::string StripInlineMarkdown(std::string_view s);

// True when `line` starts a list item ("- x", "* x", "+ x", "1. x", "1) x", any indentation).
bool IsListItemLine(std::string_view line);

// Fills doc->tags, doc->wikilinks and doc->links from `text`, skipping the byte ranges in
// `skip` (sorted; code blocks) and inline code spans. `markdown` false: only bare URLs.
void ExtractInline(std::string_view text, const std::vector<Span>& skip, bool markdown,
                   Document* doc);

}  // namespace kspace::text
