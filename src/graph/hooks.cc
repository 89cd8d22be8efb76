#include "graph/hooks.h"

#include <vector>

#include "graph/edges.h"
#include "graph/nodes.h"

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

Status OnSourceDeleted(store::Database& db, const std::string& source_id, const std::optional<std::string>& deleted_at) {
  return SetSourceNodesDeleted(db, source_id, deleted_at);
}

Status OnSourcePurge(store::Database& db, const std::string& source_id, const std::string& now) {
  return DetachSourceNodes(db, source_id, now);
}

}  // namespace kspace::graph
