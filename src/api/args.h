// Args: typed, validating access to one API call's JSON arguments.
//
// Every public entry point reads its arguments through Args, so every bad input becomes
// INVALID_ARGUMENT with the offending field named, before anything is written. Accessors record
// which keys were read; Finish() then rejects any key nobody asked for (a misspelt option must not
// be silently ignored). JSON null is treated like an absent key except where a field is nullable
// (NullableString), where null means "clear this value".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace kspace::api {

using json = nlohmann::json;

struct StringRule {
  size_t max_bytes = 1000;
  bool allow_empty = false;  // judged after trimming
  bool single_line = false;  // tabs/newlines become spaces (titles, names)
  bool trim = true;
};

// Preset rules.
inline constexpr StringRule kTitleRule{1000, false, true, true};
inline constexpr StringRule kTextRule{64 * 1024, true, false, false};
inline constexpr StringRule kShortRule{255, false, true, true};
inline constexpr StringRule kUrlRule{4096, true, true, true};

// A nullable field: absent, explicitly null, or a value.
template <typename T>
struct Field {
  bool present = false;
  bool null = false;
  T value{};
};

class Args {
 public:
  // `j` must be an object, or null (no arguments). Field names in errors get `prefix`.
  static Result<Args> Of(const json& j, std::string prefix = {});

  Result<std::string> RequiredString(const char* key, const StringRule& rule);
  Result<std::optional<std::string>> String(const char* key, const StringRule& rule);
  Result<Field<std::string>> NullableString(const char* key, const StringRule& rule);
  // A UUID, lower-cased.
  Result<std::string> RequiredId(const char* key);
  Result<std::optional<std::string>> Id(const char* key);
  Result<std::optional<std::vector<std::string>>> IdList(const char* key, size_t max_items);
  // One of `allowed`.
  Result<std::optional<std::string>> Enum(const char* key, std::initializer_list<const char*> allowed);
  Result<std::string> RequiredEnum(const char* key, std::initializer_list<const char*> allowed);
  // An integer in [min, max] (JSON numbers with a fractional part are rejected).
  Result<std::optional<int64_t>> Int(const char* key, int64_t min, int64_t max);
  // A finite number in [min, max].
  Result<std::optional<double>> Number(const char* key, double min, double max);
  Result<std::optional<bool>> Bool(const char* key);
  // A list of strings, each checked with `item`; duplicates removed, order kept.
  Result<std::optional<std::vector<std::string>>> StringList(const char* key, size_t max_items,
                                                             const StringRule& item);
  // A JSON object whose serialisation is at most `max_bytes`.
  Result<std::optional<json>> Object(const char* key, size_t max_bytes);
  // An ISO 8601 timestamp, returned normalised ("...Z").
  Result<std::optional<std::string>> Timestamp(const char* key);
  Result<Field<std::string>> NullableTimestamp(const char* key);
  // A nested object, validated with its own Args (field names get "key.").
  Result<std::optional<Args>> Nested(const char* key);
  // The raw value of `key` (marks it read), or nullptr.
  const json* Raw(const char* key);

  // INVALID_ARGUMENT naming the first key that no accessor read.
  Status Finish() const;
  std::string FieldName(const char* key) const { return prefix_ + key; }
  bool Has(const char* key) const;

 private:
  Args(const json* j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {}
  const json* Get(const char* key);
  Status Bad(const char* key, const std::string& what) const;

  const json* j_;  // null when there were no arguments
  std::string prefix_;
  std::set<std::string, std::less<>> seen_;
};

// Checks and cleans one string against `rule` (the value's field name is `field`).
Result<std::string> CheckString(std::string s, const StringRule& rule, const std::string& field);

}  // namespace kspace::api
