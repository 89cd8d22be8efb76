// The chunker: turns a document's block outline into chunks within a token budget.
//
// Rules (ChunkOptions in document.h holds the knobs):
//   * Blocks of one section are merged in order while the chunk stays within max_tokens; a merged
//     chunk of several content blocks has type `section`, a chunk of one block keeps the block's
//     type (paragraph, list, table, code_block; quotes and HTML blocks count as paragraphs).
//   * Heading lines belong to the body of the chunk that follows them. A section whose chunk
//     would stay under merge_below_tokens is merged with the next section(s); the chunk's
//     heading_path is then the path common to all of it.
//   * A block over the budget is split at its natural boundaries, coarsest first, only as fine as
//     needed: list items / table rows / code lines, then sentences, then words, then characters
//     (never inside a UTF-8 sequence). Pieces overlap by up to overlap_tokens (whole units),
//     except table pieces, which repeat the header rows in their context instead.
//   * Context (ChunkContext): the chunk text starts with "Title > Heading > Subheading" and a
//     blank line, naming the headings that enclose the body but are not in it. Retrieval of a
//     chunk such as "It is disabled by default." only works if the embedding also knows it is
//     about "Configuration > Caching". The context counts against the budget; it is capped at a
//     quarter of it (outer headings are dropped first).
// Every chunk's token_count <= max_tokens. Linear time in the text size.
#pragma once

#include <string_view>
#include <vector>

#include "text/document.h"
#include "text/markdown.h"

namespace kspace::text {

// Chunks `text` according to `outline` (from ParseMarkdownBlocks / ParsePlainBlocks). Fills
// every Chunk field, including UTF-16 offsets. `opts` must be valid (ValidateChunkOptions).
std::vector<Chunk> ChunkOutline(std::string_view text, const Outline& outline,
                                const ChunkOptions& opts, std::string_view title);

}  // namespace kspace::text
