// Migrations that live beside the subsystem whose tables they create (one file each), so that
// schema.cc stays the single list of versions. Each runs inside the migration's transaction.
#pragma once

#include "store/db.h"

namespace kspace::store {

// Version 3: the knowledge map (schema_map.cc): nodes, edges, comments, the model registry,
// concepts and communities (seed 000 NODES, EDGES, COMMENTS, ML_MODELS, ML_MODEL_VERSIONS;
// seed 004 concepts and communities).
Status ApplyV3(Database& db);

// Version 4: chats and memories (schema_chat.cc): sessions, messages, branches, agents,
// generations, context links, memories and providers (seed 000 Chat, seed 001, seed 003, seed 004).
Status ApplyV4(Database& db);

}  // namespace kspace::store
