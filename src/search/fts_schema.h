// The full-text table the storage layer creates for chunks, and how to query it. The storage
// layer (src/store) owns the schema; these constants are the contract between it and ks_bm25,
// whose column weights are by position (title, heading_path, text).
//
//   CREATE VIRTUAL TABLE chunk_fts USING fts5(
//     title,          -- the source's title (repeated on each of its chunks)
//     heading_path,   -- the chunk's heading path joined with " > " ("" if none)
//     text,           -- the chunk BODY: Chunk::text.substr(Chunk::context_bytes), without the
//                     -- "Title > Heading" context line (that is in the columns above; indexing it
//                     -- twice would double-count title words)
//     tokenize = 'porter unicode61 remove_diacritics 2'
//   );
//   -- optional filter columns go AFTER the three above, as UNINDEXED (weights are positional):
//   --   ..., space_id UNINDEXED, source_id UNINDEXED
//   INSERT INTO chunk_fts(chunk_fts, rank) VALUES ('rank', 'ks_bm25()');  -- once, at creation
//
// rowid = the chunk's integer rowid. A normal (not contentless / external-content) table: it keeps
// its own copy of the text, so snippet() works and deletes need no old values
// (DELETE FROM chunk_fts WHERE rowid = ?). Defaults (detail=full, columnsize=1) are required:
// ks_bm25 reads per-column lengths and positions.
//
// Every connection must call RegisterFtsFunctions(db) (fts_rank.h) before touching the table.
//
// Query (best first; the score is negated like FTS5's bm25()):
//   SELECT rowid, -rank AS score,
//          snippet(chunk_fts, 2, '<mark>', '</mark>', '…', 24) AS snippet
//     FROM chunk_fts WHERE chunk_fts MATCH :match ORDER BY rank LIMIT :k;
// with :match = BuildMatchQuery(user_text) (fts_query.h); skip the query when it is "".
//
// Tokenizer choice: FTS5's porter over unicode61 measured as good as or slightly better than the
// kspace1 tokenizer (fts_tokenizer.h: Porter2 + kspace's word rules) on SciFact train
// (nDCG@10 0.7098 vs 0.7062 at the chosen parameters) and indexes ~4x faster, so it is the
// default. kspace1 is the option for spaces with CJK text (unicode61 makes a run of ideographs one
// token, so Chinese/Japanese words inside a sentence cannot be found).
#pragma once

namespace kspace::search {

inline constexpr const char* kChunkFtsTable = "chunk_fts";
inline constexpr const char* kChunkFtsTokenize = "porter unicode61 remove_diacritics 2";
inline constexpr const char* kChunkFtsColumns = "title, heading_path, text";

}  // namespace kspace::search
