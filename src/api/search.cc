// Search: search (text, vector, hybrid), similar, getChunk, listChunks.
//
// Hybrid search runs both rankings over the same candidate set (the filter's allowed chunks) and
// fuses them; neither side is cut by a similarity threshold, so a query with no word in common with
// a passage can still find it through the vector side, and the fused list always holds every
// candidate either side returned. Each hit reports both sides' score and rank.
#include <algorithm>
#include <cstring>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "api/common.h"
#include "api/convert.h"
#include "api/ingest.h"
#include "api/search.h"
#include "embed/builtin_embedder.h"
#include "index/filter.h"
#include "search/fts_query.h"
#include "search/fts_rank.h"
#include "search/fusion.h"
#include "search/hybrid.h"
#include "search/snippet.h"
#include "store/chunks.h"

namespace kspace::api {
namespace {

constexpr int64_t kMaxK = 1000;

// Candidates taken from each side before fusion.
int64_t Depth(int64_t k) { return std::max<int64_t>(search::kCandidates, 4 * k); }

struct Side {
  double score = 0;
  int64_t rank = 0;  // 1-based
};

// Reads `filter` into a ChunkFilter; returns whether any condition is set.
Result<bool> ReadFilter(Args& a, store::ChunkFilter& f) {
  KS_ASSIGN_OR_RETURN(auto nested, a.Nested("filter"));
  if (!nested) return false;
  Args& fa = *nested;
  KS_ASSIGN_OR_RETURN(auto sources, fa.IdList("sourceIds", 100000));
  KS_ASSIGN_OR_RETURN(auto types, fa.StringList("chunkTypes", 16, kShortRule));
  KS_ASSIGN_OR_RETURN(auto tags, fa.StringList("tags", 1000, kShortRule));
  KS_ASSIGN_OR_RETURN(auto media, fa.StringList("mediaTypes", 16, kShortRule));
  KS_ASSIGN_OR_RETURN(f.created_after, fa.Timestamp("createdAfter"));
  KS_ASSIGN_OR_RETURN(f.created_before, fa.Timestamp("createdBefore"));
  KS_ASSIGN_OR_RETURN(auto entities, fa.StringList("entityTypes", 8, kShortRule));
  KS_RETURN_IF_ERROR(fa.Finish());
  static const std::set<std::string> kTypes = {"paragraph", "section", "table", "code_block", "list"};
  static const std::set<std::string> kMedia = {"document", "text", "web", "image", "audio", "video"};
  if (types) {
    for (size_t i = 0; i < types->size(); ++i) {
      if (!kTypes.count((*types)[i])) {
        std::string field = "filter.chunkTypes[" + std::to_string(i) + "]";
        return InvalidArgument(field + " must be one of paragraph, section, table, code_block, list", field);
      }
    }
    f.chunk_types = *types;
  }
  if (media) {
    for (size_t i = 0; i < media->size(); ++i) {
      if (!kMedia.count((*media)[i])) {
        std::string field = "filter.mediaTypes[" + std::to_string(i) + "]";
        return InvalidArgument(field + " must be a media type (document, text, web, image, audio, video)", field);
      }
    }
    f.media_types = *media;
  }
  if (entities) {
    // Only chunks are searchable entities so far.
    for (size_t i = 0; i < entities->size(); ++i) {
      if ((*entities)[i] != "chunk") {
        std::string field = "filter.entityTypes[" + std::to_string(i) + "]";
        return InvalidArgument(field + " must be \"chunk\"", field);
      }
    }
  }
  if (sources) f.source_ids = *sources;
  if (tags) {
    for (auto t : *tags) {
      if (!t.empty() && t[0] == '#') t.erase(0, 1);
      std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      f.tags.push_back(t);
    }
  }
  return !f.source_ids.empty() || !f.chunk_types.empty() || !f.tags.empty() || !f.media_types.empty() ||
         f.created_after.has_value() || f.created_before.has_value();
}

// The query vector: given by the caller (page-side model) or computed with the built-in model,
// whose query words are weighted by their IDF in the full-text index (rare words count more; query
// vectors are never stored, so this does not make stored vectors depend on the corpus).
// Empty when the built-in model finds no word in the text to make a feature of ("?", "the of"):
// its vector would be the one shared by every featureless text, whose nearest passages are
// arbitrary, so the caller has no vector side for that query.
Result<std::vector<float>> QueryVector(Context& ctx, const SpaceModel& model, std::string_view text,
                                       const search::DfLookup& df_lookup) {
  if (!ctx.input.empty()) {
    if (ctx.input.size() != static_cast<size_t>(model.dim) * sizeof(float)) {
      return InvalidArgument("the query vector must have " + std::to_string(model.dim) + " float32 values",
                             "queryVector");
    }
    std::vector<float> v(static_cast<size_t>(model.dim));
    std::memcpy(v.data(), ctx.input.data(), ctx.input.size());
    for (float x : v) {
      if (!std::isfinite(x)) return InvalidArgument("the query vector has a NaN or infinite value", "queryVector");
    }
    return v;
  }
  if (!model.builtin) {
    return FailedPrecondition("this space embeds with \"" + model.id +
                                  "\": the query needs a vector from that embedder (open the store with it)",
                              "embedder");
  }
  if (!embed::BuiltinEmbedder::HasContentWord(text)) return std::vector<float>();
  KS_ASSIGN_OR_RETURN(search::IdfWeights idf, search::FetchIdfWeights(df_lookup, text));
  std::vector<float> v(static_cast<size_t>(model.dim));
  KS_RETURN_IF_ERROR(ctx.state.builtin.EmbedWeighted(text, idf, v));
  return v;
}

json HitJson(const store::ChunkRow& c, const std::map<std::string, std::string>& titles, double score, int64_t rank,
             const Side* text, const Side* vec, const std::string& snippet, bool include_text) {
  json scores = json::object();
  scores["text"] = text ? json{{"score", text->score}, {"rank", text->rank}} : json(nullptr);
  scores["vector"] = vec ? json{{"score", vec->score}, {"rank", vec->rank}} : json(nullptr);
  auto t = titles.find(c.content_source_id);
  json h{{"chunkId", c.id},
         {"sourceId", c.content_source_id},
         {"sourceTitle", t == titles.end() ? json(nullptr) : json(t->second)},
         {"chunkIndex", c.chunk_index},
         {"chunkType", c.chunk_type},
         {"headingPath", ParseStoredJson(c.heading_path, json::array())},
         {"charStart", c.char_start},
         {"charEnd", c.char_end},
         {"snippet", snippet},
         {"score", score},
         {"rank", rank},
         {"scores", scores}};
  if (include_text) h["text"] = std::string(c.body());
  return h;
}

// A short excerpt of a chunk's body for hits the full text did not produce.
std::string Excerpt(const store::ChunkRow& c) {
  std::string_view body = c.body();
  if (body.size() <= 240) return std::string(body);
  size_t cut = 240;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) --cut;  // UTF-8 boundary
  size_t space = body.rfind(' ', cut);
  if (space != std::string_view::npos && space > 160) cut = space;
  return std::string(body.substr(0, cut)) + "…";
}

// Snippets of the hits shown (search/snippet.h): the query's words (the MATCH's, plus its quoted
// phrases and prefix word) and each body tokenised with the full-text tokenizer, so a word is marked exactly where
// FTS5 matched it. A hit without a query word in its body gets none (the caller shows its start).
Result<std::unordered_map<int64_t, std::string>> Snippets(Context& ctx, const std::string& query,
                                                          const search::MatchQueryOptions& match_options,
                                                          const std::vector<const store::ChunkRow*>& rows) {
  std::unordered_map<int64_t, std::string> out;
  if (!ctx.state.snippet_tokenizer) {
    KS_ASSIGN_OR_RETURN(ctx.state.snippet_tokenizer, store::FtsTokenizer::Open());
  }
  store::FtsTokenizer& tok = *ctx.state.snippet_tokenizer;
  std::vector<search::SnippetTerm> terms;
  std::vector<store::FtsTokenizer::Span> spans;
  auto add_term = [&](const std::string& word, bool prefix) -> Status {
    spans.clear();
    if (!tok.TokenizeSpans(word, true, &spans)) return Internal("could not tokenise the query");
    search::SnippetTerm t;
    t.prefix = prefix;
    for (auto& s : spans) t.tokens.push_back(std::move(s.form));
    if (!t.tokens.empty()) terms.push_back(std::move(t));
    return Status::Ok();
  };
  for (const std::string& w : search::QueryWords(query, match_options)) KS_RETURN_IF_ERROR(add_term(w, false));
  for (const std::string& phrase : search::QuotedPhrases(query, match_options)) KS_RETURN_IF_ERROR(add_term(phrase, false));
  if (const std::string p = search::PrefixWord(query, match_options); !p.empty()) KS_RETURN_IF_ERROR(add_term(p, true));
  if (terms.empty()) return out;
  std::vector<search::SnippetToken> tokens;
  for (const store::ChunkRow* c : rows) {
    const std::string_view body = c->body();
    spans.clear();
    if (!tok.TokenizeSpans(body, false, &spans)) return Internal("could not tokenise a passage");
    tokens.clear();
    for (auto& s : spans) tokens.push_back(search::SnippetToken{std::move(s.form), s.begin, s.end});
    std::string snippet = search::MakeSnippet(body, tokens, terms);
    if (!snippet.empty()) out.emplace(c->label, std::move(snippet));
  }
  return out;
}

Result<std::map<std::string, std::string>> SourceTitles(Context& ctx, const std::vector<store::ChunkRow>& chunks) {
  std::map<std::string, std::string> titles;
  for (const auto& c : chunks) {
    if (titles.count(c.content_source_id)) continue;
    KS_ASSIGN_OR_RETURN(auto src, store::FindSource(ctx.db(), c.content_source_id));
    if (src) titles[c.content_source_id] = src->title;
  }
  return titles;
}

// Vector hits for `query` in the space's index, restricted to `allowed` (when filtering).
Result<std::vector<search::ScoredId>> VectorHits(Context& ctx, const store::SpaceRow& space, const SpaceModel& model,
                                                 std::span<const float> query, int64_t limit,
                                                 const std::vector<int64_t>* allowed,
                                                 const std::unordered_set<int64_t>* exclude) {
  std::vector<index::Label> allowed_labels;
  std::unique_ptr<index::Filter> filter;
  if (allowed) {
    allowed_labels.assign(allowed->begin(), allowed->end());
    if (exclude) {
      std::erase_if(allowed_labels, [&](index::Label l) { return exclude->count(static_cast<int64_t>(l)) > 0; });
    }
    filter = std::make_unique<index::LabelListFilter>(std::move(allowed_labels));
  } else if (exclude && !exclude->empty()) {
    filter = std::make_unique<index::PredicateFilter>(
        [exclude](index::Label l) { return exclude->count(static_cast<int64_t>(l)) == 0; });
  }
  if (limit <= 0) return std::vector<search::ScoredId>();
  std::vector<index::Hit> hits;
  std::optional<std::vector<index::Hit>> scanned;
  if (ctx.state.vectors.Loaded(space.id, model.id) == nullptr) {
    // The index is not in memory (the first search after opening): answered from its snapshot by
    // a scan, and loaded later while the worker is idle (warmIndex). nullopt: no usable snapshot.
    KS_ASSIGN_OR_RETURN(scanned, ctx.state.vectors.ScanSearch(ctx.db(), space.id, model.id, model.dim, query,
                                                              static_cast<size_t>(limit), filter.get()));
  }
  if (scanned) {
    hits = std::move(*scanned);
  } else {
    KS_ASSIGN_OR_RETURN(SpaceVectors * sv, ctx.state.vectors.Get(ctx.db(), space.id, model.id, model.dim));
    const size_t k = static_cast<size_t>(std::min<int64_t>(limit, static_cast<int64_t>(sv->index->live_size())));
    if (k == 0) return std::vector<search::ScoredId>();
    KS_ASSIGN_OR_RETURN(hits, ctx.state.vectors.Search(ctx.db(), *sv, query, k, filter.get()));
  }
  std::vector<search::ScoredId> out;
  out.reserve(hits.size());
  for (const auto& h : hits) out.push_back(search::ScoredId{static_cast<int64_t>(h.label), h.score});
  return out;
}

// The document frequencies of `words` (in their order) for common-word pruning: read off the
// frequencies already fetched for the query vector's words when they cover `words` (a hybrid
// search; `idf_words` and their ks_df value), else fetched for `match`. nullopt when no row holds
// any of the words.
Result<std::optional<search::DocFrequencies>> WordFrequencies(const search::DfLookup& df_lookup,
                                                              const std::vector<std::string>& words,
                                                              const std::string& match,
                                                              const std::vector<std::string>* idf_words) {
  const auto known = [&](const std::string& w) {
    return std::find(idf_words->begin(), idf_words->end(), w) != idf_words->end();
  };
  if (idf_words != nullptr && std::all_of(words.begin(), words.end(), known)) {
    KS_ASSIGN_OR_RETURN(std::optional<std::string> all, df_lookup(search::IdfMatch(*idf_words)));
    if (!all) return std::optional<search::DocFrequencies>();
    KS_ASSIGN_OR_RETURN(search::DocFrequencies f, search::ParseDocFrequencies(*all, idf_words->size()));
    return search::SubsetFrequencies(words, *idf_words, f);
  }
  KS_ASSIGN_OR_RETURN(std::optional<std::string> df_text, df_lookup(match));
  if (!df_text) return std::optional<search::DocFrequencies>();
  KS_ASSIGN_OR_RETURN(search::DocFrequencies f, search::ParseDocFrequencies(*df_text, words.size()));
  return std::optional<search::DocFrequencies>(std::move(f));
}

// The best `depth` full-text hits for `match` (= BuildMatchQuery(query)). When a query word is
// common, the pruned query of search::PruneCommonWords runs first (at 100k chunks a word in a fifth
// of them made one query cost 50 ms natively instead of 10); its result is kept only when it is
// provably the full query's.
Result<std::vector<store::FtsHit>> RankedText(Context& ctx, const std::string& space_id, const std::string& query,
                                              const std::string& match, int64_t depth,
                                              const std::vector<int64_t>* allowed,
                                              const search::DfLookup& df_lookup,
                                              const std::vector<std::string>* idf_words, bool extra_phrases) {
  const std::vector<std::string> words = search::QueryWords(query);
  // A prefix or quoted phrase is not one of `words`: the pruned query, made of those, would drop it.
  if (words.size() >= 2 && !extra_phrases) {
    KS_ASSIGN_OR_RETURN(std::optional<search::DocFrequencies> f, WordFrequencies(df_lookup, words, match, idf_words));
    if (!f) return std::vector<store::FtsHit>();  // no row holds any word
    if (auto pruned = search::PruneCommonWords(words, f->df, f->rows, search::kDefaultBm25.k1)) {
      KS_ASSIGN_OR_RETURN(auto hits, store::FtsSearch(ctx.db(), space_id, pruned->match, depth, allowed));
      if (static_cast<int64_t>(hits.size()) >= depth && hits.back().score > pruned->bound) return hits;
    }
  }
  return store::FtsSearch(ctx.db(), space_id, match, depth, allowed);
}

Result<json> Search(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string space_id, a.RequiredId("spaceId"));
  // Not trimmed: whether the query ends inside a word decides the prefix option. Words are the
  // same either way (whitespace only separates them); an all-whitespace query is still an error.
  KS_ASSIGN_OR_RETURN(std::string query, a.RequiredString("query", StringRule{16384, false, false, false}));
  if (query.find_first_not_of(" \t\r\n\v\f") == std::string::npos) {
    return InvalidArgument("query must not be empty", "query");
  }
  KS_ASSIGN_OR_RETURN(auto k_opt, a.Int("k", 1, kMaxK));
  KS_ASSIGN_OR_RETURN(auto mode_opt, a.Enum("mode", {"hybrid", "text", "vector"}));
  KS_ASSIGN_OR_RETURN(auto fusion_opt, a.Enum("fusion", {"rrf", "convex"}));
  KS_ASSIGN_OR_RETURN(auto alpha, a.Number("alpha", 0, 1));
  KS_ASSIGN_OR_RETURN(auto include_text, a.Bool("includeText"));
  KS_ASSIGN_OR_RETURN(auto group_opt, a.Bool("groupBySource"));
  KS_ASSIGN_OR_RETURN(auto prefix_opt, a.Bool("prefix"));
  store::ChunkFilter filter;
  KS_ASSIGN_OR_RETURN(bool filtered, ReadFilter(a, filter));
  KS_RETURN_IF_ERROR(a.Finish());
  const int64_t k = k_opt.value_or(10);
  const std::string mode = mode_opt.value_or("hybrid");
  const bool group = group_opt.value_or(false);
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kRead));

  std::vector<int64_t> allowed;
  if (filtered) {
    KS_ASSIGN_OR_RETURN(allowed, store::FilterChunkLabels(ctx.db(), space_id, filter));
  }
  const std::vector<int64_t>* allowed_ptr = filtered ? &allowed : nullptr;
  // Candidates per side: enough for fusion, and with groupBySource enough chunks to fill k sources.
  const int64_t depth = group ? Depth(k) * 2 : mode == "hybrid" ? Depth(k) : k;

  // Full text.
  std::vector<search::ScoredId> text_list;
  search::MatchQueryOptions match_options;
  match_options.prefix_last = prefix_opt.value_or(false);
  const std::string match = search::BuildMatchQuery(query, match_options);
  // Phrases beyond the query's words (a prefix, quoted runs) rule out the pruned query.
  const bool extra_phrases = !search::PrefixWord(query, match_options).empty() ||
                             !search::QuotedPhrases(query, match_options).empty();
  // Document frequencies (ks_df values) by MATCH expression, fetched once per search: a hybrid
  // search needs them for the query vector's word weights and for the full-text side's pruning,
  // and the second can be read off the first (one pass over the words' posting lists, not two).
  std::map<std::string, std::optional<std::string>> df_cache;
  const search::DfLookup df_lookup = [&](const std::string& m) -> Result<std::optional<std::string>> {
    auto it = df_cache.find(m);
    if (it != df_cache.end()) return it->second;
    KS_ASSIGN_OR_RETURN(std::optional<std::string> v, store::FtsDocFrequencies(ctx.db(), m));
    df_cache.emplace(m, v);
    return v;
  };
  const std::vector<std::string> idf_words = mode == "hybrid" ? search::IdfWords(query) : std::vector<std::string>();
  if (mode != "vector" && !match.empty() && !(filtered && allowed.empty())) {
    KS_ASSIGN_OR_RETURN(auto hits, RankedText(ctx, space_id, query, match, depth, allowed_ptr, df_lookup,
                                              mode == "hybrid" ? &idf_words : nullptr, extra_phrases));
    for (const auto& h : hits) text_list.push_back(search::ScoredId{h.label, h.score});
  }
  // Vectors.
  std::vector<search::ScoredId> vec_list;
  if (mode != "text" && !(filtered && allowed.empty())) {
    KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
    if (!model.available && ctx.input.empty()) {
      return FailedPrecondition("space \"" + space.title + "\" embeds with \"" + model.id +
                                    "\", which this store was not opened with; search with mode \"text\", open the "
                                    "store with that embedder, or reembed the space",
                                "mode");
    }
    KS_ASSIGN_OR_RETURN(std::vector<float> q, QueryVector(ctx, model, query, df_lookup));
    // Without a word the model can embed, the text side alone answers.
    if (!q.empty()) {
      if (mode == "hybrid" && !text_list.empty()) {
        // Pseudo-relevance feedback (Rocchio): pull the query towards the best lexical match, so the
        // vector side also brings that passage's neighbours, which BM25 cannot find.
        // The passages' stored vectors, read from SQLite: the same whether or not the space's
        // index is in memory yet (see VectorHits).
        std::vector<int64_t> top;
        for (size_t i = 0; i < text_list.size() && i < static_cast<size_t>(search::kFeedbackDocs); ++i) {
          top.push_back(text_list[i].id);
        }
        std::map<int64_t, std::vector<float>> stored;
        KS_RETURN_IF_ERROR(store::ReadEmbeddings(ctx.db(), top, model.id, [&](int64_t label, std::span<const float> v) {
          if (v.size() == q.size()) stored[label].assign(v.begin(), v.end());
        }));
        std::vector<float> feedback;
        for (int64_t label : top) {
          auto it = stored.find(label);
          if (it != stored.end()) feedback.insert(feedback.end(), it->second.begin(), it->second.end());
        }
        KS_RETURN_IF_ERROR(search::ExpandQueryVector(q, feedback, search::kFeedbackBeta));
      }
      KS_ASSIGN_OR_RETURN(vec_list, VectorHits(ctx, space, model, q, depth, allowed_ptr, nullptr));
    }
  }

  // With groupBySource, each side is first reduced to one entry per source (its best chunk), so
  // fusion and k count documents, not passages. The chunk shown for a source is its best chunk on
  // the full-text side if it has one there, else on the vector side.
  std::map<int64_t, int64_t> representative;  // document index -> chunk label
  std::vector<std::string> doc_source;        // document index -> source id
  if (group) {
    std::vector<int64_t> all;
    for (const auto& x : text_list) all.push_back(x.id);
    for (const auto& x : vec_list) all.push_back(x.id);
    KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> rows, store::ChunksByLabels(ctx.db(), all));
    std::map<int64_t, std::string> source_of;
    for (const auto& r : rows) source_of[r.label] = r.content_source_id;
    std::map<std::string, int64_t> doc_index;
    auto to_docs = [&](const std::vector<search::ScoredId>& list, bool prefer) {
      std::vector<search::ChunkHit> hits;
      for (const auto& x : list) {
        auto it = source_of.find(x.id);
        if (it == source_of.end()) continue;
        auto [d, fresh] = doc_index.emplace(it->second, static_cast<int64_t>(doc_source.size()));
        if (fresh) doc_source.push_back(it->second);
        hits.push_back(search::ChunkHit{d->second, x.score});
        // Lists are best first: the first chunk seen for a document is its best on this side.
        if (prefer || !representative.count(d->second)) representative.emplace(d->second, x.id);
      }
      return search::AggregateByDocument(hits);
    };
    text_list = to_docs(text_list, true);
    vec_list = to_docs(vec_list, false);
  }

  // Fuse (or take the one side), keep k.
  std::vector<search::ScoredId> fused;
  if (mode == "text") fused = text_list;
  else if (mode == "vector") fused = vec_list;
  else if (fusion_opt.value_or("convex") == "convex") {
    // The default: on SciFact train the convex blend beat RRF by 1-2 points of nDCG@10.
    search::ConvexOptions o;
    o.alpha = alpha.value_or(search::kAlpha);
    o.norm = search::ScoreNorm::kMinMax;
    fused = search::ConvexFusion(text_list, vec_list, o);
  } else {
    fused = search::ReciprocalRankFusion(text_list, vec_list);
  }
  if (static_cast<int64_t>(fused.size()) > k) fused.resize(static_cast<size_t>(k));

  std::map<int64_t, Side> text_side, vec_side;
  for (size_t i = 0; i < text_list.size(); ++i) text_side[text_list[i].id] = Side{text_list[i].score, static_cast<int64_t>(i + 1)};
  for (size_t i = 0; i < vec_list.size(); ++i) vec_side[vec_list[i].id] = Side{vec_list[i].score, static_cast<int64_t>(i + 1)};
  // From here on ids are chunk labels; scores and ranks stay keyed by the fused ids.
  std::vector<int64_t> labels;
  for (const auto& f : fused) labels.push_back(group ? representative[f.id] : f.id);
  KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksByLabels(ctx.db(), labels));
  KS_ASSIGN_OR_RETURN(auto titles, SourceTitles(ctx, chunks));
  std::map<int64_t, const store::ChunkRow*> by_label;
  for (const auto& c : chunks) by_label[c.label] = &c;
  // Snippets only for the hits returned (a vector-only hit gets one too if its body matches).
  std::unordered_map<int64_t, std::string> snippets;
  if (!match.empty()) {
    std::vector<const store::ChunkRow*> shown;
    for (int64_t label : labels) {
      auto it = by_label.find(label);
      if (it != by_label.end()) shown.push_back(it->second);
    }
    KS_ASSIGN_OR_RETURN(snippets, Snippets(ctx, query, match_options, shown));
  }
  json hits = json::array();
  int64_t rank = 0;
  for (size_t i = 0; i < fused.size(); ++i) {
    const search::ScoredId& f = fused[i];
    const int64_t label = labels[i];
    auto it = by_label.find(label);
    if (it == by_label.end()) continue;
    const store::ChunkRow& c = *it->second;
    auto ts = text_side.find(f.id);
    auto vs = vec_side.find(f.id);
    auto sn = snippets.find(label);
    std::string snippet = sn == snippets.end() ? Excerpt(c) : std::move(sn->second);
    hits.push_back(HitJson(c, titles, f.score, ++rank, ts == text_side.end() ? nullptr : &ts->second,
                           vs == vec_side.end() ? nullptr : &vs->second, snippet, include_text.value_or(false)));
  }
  return hits;
}

// similar: the chunks nearest to a chunk, a source (the mean of its chunks) or a text.
Result<json> Similar(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(auto chunk_id, a.Id("chunkId"));
  KS_ASSIGN_OR_RETURN(auto source_id, a.Id("sourceId"));
  KS_ASSIGN_OR_RETURN(auto text, a.String("text", StringRule{16384, false, false, true}));
  KS_ASSIGN_OR_RETURN(auto space_opt, a.Id("spaceId"));
  KS_ASSIGN_OR_RETURN(auto k_opt, a.Int("k", 1, kMaxK));
  KS_ASSIGN_OR_RETURN(auto include_text, a.Bool("includeText"));
  store::ChunkFilter filter;
  KS_ASSIGN_OR_RETURN(bool filtered, ReadFilter(a, filter));
  KS_RETURN_IF_ERROR(a.Finish());
  if (int(chunk_id.has_value()) + int(source_id.has_value()) + int(text.has_value()) != 1) {
    return InvalidArgument("give exactly one of chunkId, sourceId or text", "chunkId");
  }
  const int64_t k = k_opt.value_or(10);
  std::string space_id;
  std::unordered_set<int64_t> exclude;
  std::vector<int64_t> seed_labels;
  if (chunk_id) {
    KS_ASSIGN_OR_RETURN(auto c, store::FindChunkById(ctx.db(), *chunk_id));
    if (!c) return NotFound("no chunk with id " + *chunk_id, "chunkId");
    space_id = c->space_id;
    seed_labels.push_back(c->label);
  } else if (source_id) {
    KS_ASSIGN_OR_RETURN(store::SourceRow src, RequireSource(ctx, *source_id, Access::kRead));
    space_id = src.space_id;
    KS_ASSIGN_OR_RETURN(auto chunks, store::ChunksOfSource(ctx.db(), src.id));
    for (const auto& c : chunks) seed_labels.push_back(c.label);
  } else {
    if (!space_opt) return InvalidArgument("similar by text needs a spaceId", "spaceId");
    space_id = *space_opt;
  }
  if (space_opt && *space_opt != space_id) return InvalidArgument("the chunk or source is in another space", "spaceId");
  KS_ASSIGN_OR_RETURN(store::SpaceRow space, RequireSpace(ctx, space_id, Access::kRead));
  KS_ASSIGN_OR_RETURN(SpaceModel model, ModelOfSpace(ctx, space));
  std::vector<float> q;
  if (text) {
    KS_ASSIGN_OR_RETURN(q, QueryVector(ctx, model, *text, [&](const std::string& m) {
      return store::FtsDocFrequencies(ctx.db(), m);
    }));
    if (q.empty()) return json::array();  // no word to embed: nothing is similar to it
  } else {
    // The seed's own vectors (mean for a source), from SQLite: the model need not be available.
    q.assign(static_cast<size_t>(model.dim), 0.0f);
    int found = 0;
    for (int64_t label : seed_labels) {
      exclude.insert(label);
      KS_ASSIGN_OR_RETURN(auto v, store::GetEmbedding(ctx.db(), label, model.id));
      if (!v || v->size() != q.size()) continue;
      double norm = 0;
      for (float x : *v) norm += double(x) * x;
      norm = norm > 0 ? std::sqrt(norm) : 1;
      for (size_t i = 0; i < q.size(); ++i) q[i] += static_cast<float>((*v)[i] / norm);
      ++found;
    }
    if (found == 0) return json::array();  // nothing embedded (e.g. an image source)
  }
  std::vector<int64_t> allowed;
  if (filtered) {
    KS_ASSIGN_OR_RETURN(allowed, store::FilterChunkLabels(ctx.db(), space_id, filter));
  }
  KS_ASSIGN_OR_RETURN(auto vec_list, VectorHits(ctx, space, model, q, k, filtered ? &allowed : nullptr, &exclude));
  std::vector<int64_t> labels;
  for (const auto& h : vec_list) labels.push_back(h.id);
  KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksByLabels(ctx.db(), labels));
  KS_ASSIGN_OR_RETURN(auto titles, SourceTitles(ctx, chunks));
  json hits = json::array();
  for (size_t i = 0; i < chunks.size() && i < vec_list.size(); ++i) {
    Side s{vec_list[i].score, static_cast<int64_t>(i + 1)};
    hits.push_back(HitJson(chunks[i], titles, s.score, s.rank, nullptr, &s, Excerpt(chunks[i]), include_text.value_or(false)));
  }
  return hits;
}

Result<json> GetChunk(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("chunkId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_ASSIGN_OR_RETURN(auto c, store::FindChunkById(ctx.db(), id));
  if (!c) return NotFound("no chunk with id " + id, "chunkId");
  KS_ASSIGN_OR_RETURN(store::SourceRow src, RequireSource(ctx, c->content_source_id, Access::kRead, "chunkId"));
  json j = ChunkToJson(*c);
  j["sourceTitle"] = src.title;
  j["sourceDeleted"] = src.deleted_at.has_value();
  return j;
}

Result<json> ListChunks(Context& ctx, Args& a) {
  KS_ASSIGN_OR_RETURN(std::string id, a.RequiredId("sourceId"));
  KS_RETURN_IF_ERROR(a.Finish());
  KS_RETURN_IF_ERROR(RequireSource(ctx, id, Access::kRead).status());
  KS_ASSIGN_OR_RETURN(auto chunks, store::ChunksOfSource(ctx.db(), id));
  json out = json::array();
  for (const auto& c : chunks) out.push_back(ChunkToJson(c));
  return out;
}

}  // namespace

// For chat retrieval (search.h).
Result<json> SearchChunks(Context& ctx, const json& args) {
  KS_ASSIGN_OR_RETURN(Args a, Args::Of(args));
  return Search(ctx, a);
}

void RegisterSearchMethods(MethodTable& t) {
  t["search"] = Search;
  t["similar"] = Similar;
  t["getChunk"] = GetChunk;
  t["listChunks"] = ListChunks;
}

}  // namespace kspace::api
