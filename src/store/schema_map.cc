#include "store/schema_migrations.h"

namespace kspace::store {

namespace {
const char kSchemaV3[] = R"sql(
CREATE TABLE IF NOT EXISTS map_placeholder_v3 (id INTEGER PRIMARY KEY) STRICT;
DROP TABLE map_placeholder_v3;
)sql";
}  // namespace

Status ApplyV3(Database& db) { return db.Exec(kSchemaV3); }

}  // namespace kspace::store
