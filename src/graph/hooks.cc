#include "graph/hooks.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/edges.h"
#include "graph/nodes.h"
#include "store/schema.h"

namespace kspace::graph {

Status OnSourceProcessed(store::Database& db, const store::SourceRow& source, std::span<const store::ChunkRow> chunks,
                         const std::string& now) {
  std::vector<ChunkRef> refs;
  refs.reserve(chunks.size());
  for (const store::ChunkRow& c : chunks) {
    std::string_view body = c.body();
    while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '#')) body.remove_prefix(1);
    std::string title(body.substr(0, std::min<size_t>(80, body.size())));
    if (title.size() < body.size()) {
      while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xC0) == 0x80) title.pop_back();
      if (!title.empty() && (static_cast<unsigned char>(title.back()) & 0x80)) title.pop_back();
      title += "…";
    }
    for (char& ch : title) {
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    }
    refs.push_back(ChunkRef{c.label, std::move(title)});
  }
  return SyncSourceNodes(db, source.space_id, source.id, source.title, source.media_type, refs,
                         source.deleted_at.has_value(), now);
}

Status OnSourcesProcessed(store::Database& db, const std::string& space_id, const std::string& user_id,
                          const std::string& now, std::span<const std::string> source_ids) {
  return SyncWikilinkEdges(db, space_id, user_id, now, source_ids);
}

Status OnStoreOpened(store::Database& db, const std::string& user_id, const std::string& now) {
  KS_ASSIGN_OR_RETURN(bool pending, store::HasMarker(db, store::kSourceNodesPending));
  if (!pending) return Status::Ok();
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  std::vector<std::string> ids;
  {
    KS_ASSIGN_OR_RETURN(store::Statement st, db.PrepareUncached(
        "SELECT id FROM content_sources s WHERE status = 'processed' AND NOT EXISTS "
        "(SELECT 1 FROM nodes n WHERE n.content_source_id = s.id AND n.kind = 'source') ORDER BY rowid"));
    KS_ASSIGN_OR_RETURN(ids, st.ReadTexts());
  }
  std::map<std::string, std::vector<std::string>> by_space;
  for (const std::string& id : ids) {
    KS_ASSIGN_OR_RETURN(std::optional<store::SourceRow> row, store::FindSource(db, id));
    if (!row) continue;
    KS_ASSIGN_OR_RETURN(std::vector<store::ChunkRow> chunks, store::ChunksOfSource(db, id));
    KS_RETURN_IF_ERROR(OnSourceProcessed(db, *row, chunks, now));
    by_space[row->space_id].push_back(id);
  }
  for (const auto& [space_id, sources] : by_space) {
    KS_RETURN_IF_ERROR(SyncWikilinkEdges(db, space_id, user_id, now, sources));
  }
  KS_RETURN_IF_ERROR(store::ClearMarker(db, store::kSourceNodesPending));
  return tx.Commit();
}

Status OnSourceDeleted(store::Database& db, const std::string& source_id, const std::optional<std::string>& deleted_at) {
  return SetSourceNodesDeleted(db, source_id, deleted_at);
}

Status OnSourcePurge(store::Database& db, const std::string& source_id, const std::string& now) {
  return DetachSourceNodes(db, source_id, now);
}

}  // namespace kspace::graph
