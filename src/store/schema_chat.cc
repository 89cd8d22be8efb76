#include "store/schema_migrations.h"

namespace kspace::store {

namespace {
const char kSchemaV4[] = R"sql(
CREATE TABLE IF NOT EXISTS chat_placeholder_v4 (id INTEGER PRIMARY KEY) STRICT;
DROP TABLE chat_placeholder_v4;
)sql";
}  // namespace

Status ApplyV4(Database& db) { return db.Exec(kSchemaV4); }

}  // namespace kspace::store
