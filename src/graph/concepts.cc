#include "graph/concepts.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <unordered_map>

#include "graph/sql_util.h"
#include "layout/community.h"
#include "text/document.h"
#include "text/keywords.h"

namespace kspace::graph {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsCapitalised(std::string_view w) {
  return w.size() >= 2 && std::isupper(static_cast<unsigned char>(w[0])) &&
         std::islower(static_cast<unsigned char>(w[1]));
}

// Runs of 2-3 capitalised words ("Graham Hutton", "Rust Foundation") whose first word is not a
// stopword: a cheap stand-in for named entities (no model needed).
void AddEntities(std::string_view body, std::map<std::string, int>& out) {
  std::vector<std::string_view> run;
  auto flush = [&]() {
    if (run.size() >= 2 && run.size() <= 3 && !text::TermKey(run[0]).empty()) {
      std::string name;
      for (size_t i = 0; i < run.size(); ++i) name += (i ? " " : "") + std::string(run[i]);
      out[Lower(name)]++;
    }
    run.clear();
  };
  size_t i = 0;
  while (i < body.size()) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (std::isalpha(c)) {
      size_t j = i;
      while (j < body.size() && std::isalnum(static_cast<unsigned char>(body[j]))) ++j;
      std::string_view w = body.substr(i, j - i);
      if (IsCapitalised(w)) run.push_back(w);
      else flush();
      i = j;
      // Words of a name are separated by exactly one space.
      if (i < body.size() && body[i] != ' ') flush();
      else if (i < body.size()) ++i;
    } else {
      flush();
      ++i;
    }
  }
  flush();
}

ConceptRow ReadConcept(const store::Statement& st) {
  ConceptRow r;
  r.id = st.Text(0);
  r.space_id = st.Text(1);
  r.name = st.Text(2);
  r.type = st.Text(3);
  r.description = OptText(st, 4);
  r.status = st.Text(5);
  r.salience = st.IsNull(6) ? 0 : st.Double(6);
  r.mention_count = st.Int(7);
  r.community_id = OptText(st, 8);
  r.merged_into_concept_id = OptText(st, 9);
  r.created_at = st.Text(10);
  r.last_updated_ts = st.Text(11);
  return r;
}
constexpr const char* kConceptSelect =
    "SELECT id, space_id, name, type, description, status, salience, mention_count, community_id, "
    "merged_into_concept_id, created_at, last_updated_ts FROM concepts ";

}  // namespace

std::vector<ChunkConcept> ExtractChunkConcepts(std::string_view body, int max_terms) {
  std::vector<ChunkConcept> out;
  if (body.empty() || max_terms <= 0) return out;
  text::Document doc;
  doc.format = text::Format::kMarkdown;
  doc.text = std::string(body);
  text::TextAnalysis a(doc, text::TextAnalysis::kKeyphrases);
  text::KeyphraseOptions ko;
  ko.max_phrases = std::clamp(max_terms, 1, 100);
  for (const text::Keyphrase& k : a.Keyphrases(nullptr, ko)) {
    std::string name = Lower(k.text);
    if (name.size() < 3 || name.size() > 80) continue;
    out.push_back(ChunkConcept{name, "keyphrase", std::max(1, k.count)});
  }
  std::map<std::string, int> ents;
  AddEntities(body, ents);
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [n, c] : ents) ranked.emplace_back(-c, n);
  std::sort(ranked.begin(), ranked.end());
  for (size_t i = 0; i < ranked.size() && i < 3; ++i) out.push_back(ChunkConcept{ranked[i].second, "entity", -ranked[i].first});
  if (static_cast<int>(out.size()) > max_terms + 3) out.resize(static_cast<size_t>(max_terms) + 3);
  return out;
}

Result<ConceptTerms> RefreshConcepts(store::Database& db, const std::string& space_id,
                                     const std::vector<int64_t>& labels, const std::vector<std::string>& bodies,
                                     const std::string& now) {
  if (labels.size() != bodies.size()) return InvalidArgument("labels and bodies differ in size", "labels");
  // Existing concepts of the space: (name, type) -> (id, resolved id).
  std::map<std::pair<std::string, std::string>, std::string> by_key;
  std::unordered_map<std::string, std::string> resolve;  // id -> merge target (or itself)
  {
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
        "SELECT id, name, type, merged_into_concept_id FROM concepts WHERE space_id = ?1"));
    st->Bind(1, space_id);
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      by_key[{st->Text(1), st->Text(2)}] = st->Text(0);
      resolve[st->Text(0)] = st->IsNull(3) ? st->Text(0) : st->Text(3);
    }
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement del, db.Prepare("DELETE FROM concept_mentions WHERE chunk_label = ?1"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement ins, db.Prepare(
      "INSERT INTO concepts(id, space_id, name, type, status, mention_count, created_at, last_updated_ts) "
      "VALUES (?1, ?2, ?3, ?4, 'active', 0, ?5, ?5)"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement men, db.Prepare(
      "INSERT INTO concept_mentions(concept_id, chunk_label, count) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(concept_id, chunk_label) DO UPDATE SET count = count + excluded.count"));
  ConceptTerms out;
  std::unordered_map<std::string, int32_t> term_of;  // concept id -> term id
  out.terms.row_offsets.push_back(0);
  for (size_t i = 0; i < labels.size(); ++i) {
    del->Bind(1, labels[i]);
    KS_RETURN_IF_ERROR(del->Run());
    del->Reset();
    std::map<int32_t, float> row_terms;
    for (const ChunkConcept& c : ExtractChunkConcepts(bodies[i])) {
      auto key = std::make_pair(c.name, c.type);
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        std::string id = NewId();
        ins->BindAll(id, space_id, c.name, c.type, now);
        KS_RETURN_IF_ERROR(ins->Run());
        ins->Reset();
        it = by_key.emplace(key, id).first;
        resolve[id] = id;
      }
      const std::string& target = resolve[it->second];
      men->BindAll(target, labels[i], int64_t{c.count});
      KS_RETURN_IF_ERROR(men->Run());
      men->Reset();
      auto t = term_of.find(target);
      if (t == term_of.end()) {
        t = term_of.emplace(target, static_cast<int32_t>(out.names.size())).first;
        out.names.push_back(c.name);
        out.ids.push_back(target);
      }
      row_terms[t->second] += static_cast<float>(c.count);
    }
    for (auto& [t, n] : row_terms) {
      out.terms.term_ids.push_back(t);
      out.terms.counts.push_back(n);
    }
    out.terms.row_offsets.push_back(static_cast<int64_t>(out.terms.term_ids.size()));
  }
  out.terms.num_terms = static_cast<int>(out.names.size());
  // Counts and salience (share of the space's chunks mentioning the concept, log-scaled).
  KS_ASSIGN_OR_RETURN(store::CachedStatement upd, db.Prepare(
      "UPDATE concepts SET mention_count = (SELECT count(*) FROM concept_mentions m WHERE m.concept_id = concepts.id), "
      "last_updated_ts = ?2 WHERE space_id = ?1"));
  upd->BindAll(space_id, now);
  KS_RETURN_IF_ERROR(upd->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement sal, db.Prepare(
      "UPDATE concepts SET salience = CASE WHEN mention_count = 0 THEN 0 ELSE "
      "ln(1 + mention_count) / ln(2 + (SELECT count(*) FROM chunks c WHERE c.space_id = ?1)) END WHERE space_id = ?1"));
  sal->Bind(1, space_id);
  KS_RETURN_IF_ERROR(sal->Run());
  return out;
}

Result<CommunityRun> RefreshCommunities(store::Database& db, const std::string& space_id, uint64_t seed,
                                        const std::string& now) {
  CommunityRun run;
  // Concepts in the graph: active, mentioned at least twice.
  std::vector<std::string> ids, names;
  std::vector<int64_t> counts;
  std::unordered_map<std::string, int32_t> index;
  {
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
        "SELECT id, name, mention_count FROM concepts WHERE space_id = ?1 AND status = 'active' AND mention_count >= 2 "
        "ORDER BY mention_count DESC, name LIMIT 20000"));
    st->Bind(1, space_id);
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      index[st->Text(0)] = static_cast<int32_t>(ids.size());
      ids.push_back(st->Text(0));
      names.push_back(st->Text(1));
      counts.push_back(st->Int(2));
    }
  }
  KS_ASSIGN_OR_RETURN(store::CachedStatement clear, db.Prepare(
      "UPDATE concepts SET community_id = NULL WHERE space_id = ?1 AND community_id IS NOT NULL"));
  clear->Bind(1, space_id);
  KS_RETURN_IF_ERROR(clear->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement drop, db.Prepare("DELETE FROM communities WHERE space_id = ?1"));
  drop->Bind(1, space_id);
  KS_RETURN_IF_ERROR(drop->Run());
  run.concepts = static_cast<int64_t>(ids.size());
  if (ids.size() < 2) return run;
  // Co-occurrence: pairs of graph concepts mentioned by one chunk.
  std::map<std::pair<int32_t, int32_t>, float> weights;
  {
    KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
        "SELECT m.chunk_label, m.concept_id FROM concept_mentions m JOIN chunks c ON c.label = m.chunk_label "
        "WHERE c.space_id = ?1 ORDER BY m.chunk_label"));
    st->Bind(1, space_id);
    int64_t current = -1;
    std::vector<int32_t> group;
    auto flush = [&]() {
      std::sort(group.begin(), group.end());
      for (size_t a = 0; a < group.size(); ++a) {
        for (size_t b = a + 1; b < group.size(); ++b) weights[{group[a], group[b]}] += 1.0f;
      }
      group.clear();
    };
    for (;;) {
      KS_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) break;
      if (st->Int(0) != current) {
        flush();
        current = st->Int(0);
      }
      auto it = index.find(st->Text(1));
      if (it != index.end()) group.push_back(it->second);
    }
    flush();
  }
  std::vector<layout::GraphEdge> edges;
  edges.reserve(weights.size());
  for (auto& [uv, w] : weights) edges.push_back(layout::GraphEdge{uv.first, uv.second, w});
  run.edges = static_cast<int64_t>(edges.size());
  layout::CommunityParams cp;
  cp.seed = seed;
  KS_ASSIGN_OR_RETURN(layout::CommunityResult cr,
                      layout::DetectCommunities(static_cast<int>(ids.size()), edges, cp));
  run.modularity = cr.modularity;
  std::vector<std::vector<int32_t>> members(static_cast<size_t>(cr.num_communities));
  for (size_t i = 0; i < ids.size(); ++i) members[static_cast<size_t>(cr.community[i])].push_back(static_cast<int32_t>(i));
  KS_ASSIGN_OR_RETURN(store::CachedStatement ins, db.Prepare(
      "INSERT INTO communities(id, space_id, name, description, size, created_at, last_analyzed_ts) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"));
  KS_ASSIGN_OR_RETURN(store::CachedStatement set, db.Prepare("UPDATE concepts SET community_id = ?1 WHERE id = ?2"));
  for (auto& m : members) {
    if (m.size() < 2) continue;  // isolated concepts are not a community
    // Already ordered by mention count (ids are sorted that way).
    std::sort(m.begin(), m.end());
    CommunityRow c;
    c.id = NewId();
    c.space_id = space_id;
    c.size = static_cast<int64_t>(m.size());
    for (size_t i = 0; i < m.size() && i < 3; ++i) c.name += (i ? " / " : "") + names[static_cast<size_t>(m[i])];
    std::string desc = std::to_string(m.size()) + " concepts: ";
    for (size_t i = 0; i < m.size() && i < 8; ++i) desc += (i ? ", " : "") + names[static_cast<size_t>(m[i])];
    c.description = desc;
    c.created_at = now;
    ins->BindAll(c.id, c.space_id, c.name, *c.description, c.size, now);
    KS_RETURN_IF_ERROR(ins->Run());
    ins->Reset();
    for (int32_t i : m) {
      set->BindAll(c.id, ids[static_cast<size_t>(i)]);
      KS_RETURN_IF_ERROR(set->Run());
      set->Reset();
    }
    run.communities.push_back(std::move(c));
  }
  return run;
}

Status SetCommunitiesVersion(store::Database& db, const std::string& space_id, const std::string& version_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE communities SET model_version_id = ?2 WHERE space_id = ?1"));
  st->BindAll(space_id, version_id);
  return st->Run();
}

Result<std::optional<ConceptRow>> FindConcept(store::Database& db, const std::string& id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(std::string(kConceptSelect) + "WHERE id = ?1"));
  st->Bind(1, id);
  KS_ASSIGN_OR_RETURN(bool row, st->Step());
  if (!row) return std::optional<ConceptRow>();
  return std::optional<ConceptRow>(ReadConcept(*st));
}

Result<std::vector<ConceptRow>> ListConcepts(store::Database& db, const ConceptQuery& q) {
  std::string sql = std::string(kConceptSelect) + "WHERE space_id = ?1 AND mention_count >= ?2";
  if (q.community_id) sql += " AND community_id = ?3";
  if (q.type) sql += " AND type = ?4";
  if (!q.include_merged) sql += " AND status <> 'merged'";
  sql += " ORDER BY mention_count DESC, name, type LIMIT ?5";
  KS_ASSIGN_OR_RETURN(store::Statement st, db.PrepareUncached(sql));
  st.Bind(1, q.space_id).Bind(2, q.min_mentions).Bind(5, q.limit);
  if (q.community_id) st.Bind(3, *q.community_id);
  if (q.type) st.Bind(4, *q.type);
  std::vector<ConceptRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadConcept(st));
  }
  return out;
}

Result<std::vector<CommunityRow>> ListCommunities(store::Database& db, const std::string& space_id) {
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "SELECT id, space_id, name, description, size, model_version_id, created_at FROM communities "
      "WHERE space_id = ?1 AND deleted_at IS NULL ORDER BY size DESC, rowid"));
  st->Bind(1, space_id);
  std::vector<CommunityRow> out;
  for (;;) {
    KS_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) break;
    CommunityRow c;
    c.id = st->Text(0);
    c.space_id = st->Text(1);
    c.name = st->Text(2);
    c.description = OptText(*st, 3);
    c.size = st->Int(4);
    c.model_version_id = OptText(*st, 5);
    c.created_at = st->Text(6);
    out.push_back(std::move(c));
  }
  return out;
}

Status MergeConcepts(store::Database& db, const ConceptRow& from, const ConceptRow& into, const std::string& now) {
  // Mentions move to the target (summing where both were mentioned by one chunk).
  KS_ASSIGN_OR_RETURN(store::CachedStatement mv, db.Prepare(
      "INSERT INTO concept_mentions(concept_id, chunk_label, count) SELECT ?2, chunk_label, count FROM "
      "concept_mentions WHERE concept_id = ?1 ON CONFLICT(concept_id, chunk_label) DO UPDATE SET count = count + "
      "excluded.count"));
  mv->BindAll(from.id, into.id);
  KS_RETURN_IF_ERROR(mv->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement del, db.Prepare("DELETE FROM concept_mentions WHERE concept_id = ?1"));
  del->Bind(1, from.id);
  KS_RETURN_IF_ERROR(del->Run());
  // Earlier merges into `from` now point at `into` (no chains).
  KS_ASSIGN_OR_RETURN(store::CachedStatement chain, db.Prepare(
      "UPDATE concepts SET merged_into_concept_id = ?2, last_updated_ts = ?3 WHERE merged_into_concept_id = ?1"));
  chain->BindAll(from.id, into.id, now);
  KS_RETURN_IF_ERROR(chain->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement st, db.Prepare(
      "UPDATE concepts SET status = 'merged', merged_into_concept_id = ?2, mention_count = 0, community_id = NULL, "
      "last_updated_ts = ?3 WHERE id = ?1"));
  st->BindAll(from.id, into.id, now);
  KS_RETURN_IF_ERROR(st->Run());
  KS_ASSIGN_OR_RETURN(store::CachedStatement cnt, db.Prepare(
      "UPDATE concepts SET mention_count = (SELECT count(*) FROM concept_mentions WHERE concept_id = ?1), "
      "last_updated_ts = ?2 WHERE id = ?1"));
  cnt->BindAll(into.id, now);
  KS_RETURN_IF_ERROR(cnt->Run());
  // Concept nodes of `from` are soft-deleted; the target's node stays.
  KS_ASSIGN_OR_RETURN(store::CachedStatement nd, db.Prepare(
      "UPDATE nodes SET deleted_at = ?2, updated_at = ?2 WHERE concept_id = ?1 AND deleted_at IS NULL"));
  nd->BindAll(from.id, now);
  return nd->Run();
}

}  // namespace kspace::graph
