// Concepts and communities (seed 004): keyphrases of chunks become concepts, unique per (space,
// name, type); a concept can be merged into another (status "merged", merged_into_concept_id),
// after which its mentions count for the target. The concept co-occurrence graph (two concepts
// mentioned by one chunk) is partitioned into communities with Leiden (layout/community.h), each
// named after its most mentioned concepts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layout/ctfidf.h"
#include "store/db.h"

namespace kspace::graph {

struct ConceptRow {
  std::string id;
  std::string space_id;
  std::string name;
  std::string type;  // keyphrase | entity | tag | user-defined
  std::optional<std::string> description;
  std::string status = "active";
  double salience = 0;
  int64_t mention_count = 0;
  std::optional<std::string> community_id;
  std::optional<std::string> merged_into_concept_id;
  std::string created_at;
  std::string last_updated_ts;
};

struct CommunityRow {
  std::string id;
  std::string space_id;
  std::string name;
  std::optional<std::string> description;
  int64_t size = 0;
  std::optional<std::string> model_version_id;
  std::string created_at;
};

// Keyphrases (and capitalised multi-word names, type "entity") of one chunk body, at most
// `max_terms`, as (name, type, count). Names are lower-cased surface forms.
struct ChunkConcept {
  std::string name;
  std::string type;
  int count = 1;
};
std::vector<ChunkConcept> ExtractChunkConcepts(std::string_view body, int max_terms = 8);

// Recomputes the mentions of the given chunks (labels[i] has body bodies[i]) and the concepts'
// counts and salience. Merged concepts resolve to their target. Returns, per chunk, the concept
// term matrix (term ids index `names`) for c-TF-IDF cluster labels.
struct ConceptTerms {
  layout::TermMatrix terms;
  std::vector<std::string> names;      // term id -> concept name
  std::vector<std::string> ids;        // term id -> concept id
};
Result<ConceptTerms> RefreshConcepts(store::Database& db, const std::string& space_id,
                                     const std::vector<int64_t>& labels, const std::vector<std::string>& bodies,
                                     const std::string& now);

// Leiden communities of the concept co-occurrence graph (concepts with >= 2 mentions); replaces
// the space's communities. Returns (communities, modularity, concepts in the graph, edges).
struct CommunityRun {
  std::vector<CommunityRow> communities;
  double modularity = 0;
  int64_t concepts = 0;
  int64_t edges = 0;
};
Result<CommunityRun> RefreshCommunities(store::Database& db, const std::string& space_id, uint64_t seed,
                                        const std::string& now);
Status SetCommunitiesVersion(store::Database& db, const std::string& space_id, const std::string& version_id);

Result<std::optional<ConceptRow>> FindConcept(store::Database& db, const std::string& id);
struct ConceptQuery {
  std::string space_id;
  std::optional<std::string> community_id;
  std::optional<std::string> type;
  bool include_merged = false;
  int64_t min_mentions = 0;
  int64_t limit = 1000;
};
// Most mentioned first.
Result<std::vector<ConceptRow>> ListConcepts(store::Database& db, const ConceptQuery& q);
Result<std::vector<CommunityRow>> ListCommunities(store::Database& db, const std::string& space_id);
// Merges `from` into `into` (same space, both not merged, different): mentions move, `from`
// becomes status merged with merged_into_concept_id. Chains are flattened.
Status MergeConcepts(store::Database& db, const ConceptRow& from, const ConceptRow& into, const std::string& now);

}  // namespace kspace::graph
