#include "api/args.h"

#include <cmath>

#include "util/clock.h"
#include "util/uuid.h"

namespace kspace::api {

namespace {

const char* TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "invalid";
    default: return "a number";
  }
}

}  // namespace

Result<std::string> CheckString(std::string s, const StringRule& rule, const std::string& field) {
  // JSON parsing already guarantees valid UTF-8; what is left is shape.
  for (char& c : s) {
    if (c == '\0') return InvalidArgument(field + " must not contain NUL characters", field);
    if (rule.single_line && (c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f')) c = ' ';
  }
  if (rule.trim) {
    size_t b = s.find_first_not_of(" \t\r\n\v\f");
    size_t e = s.find_last_not_of(" \t\r\n\v\f");
    s = b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  }
  if (s.empty() && !rule.allow_empty) return InvalidArgument(field + " must not be empty", field);
  if (s.size() > rule.max_bytes) {
    return InvalidArgument(field + " is too long (" + std::to_string(s.size()) + " bytes; at most " +
                               std::to_string(rule.max_bytes) + ")",
                           field);
  }
  return s;
}

Result<Args> Args::Of(const json& j, std::string prefix) {
  if (j.is_null()) return Args(nullptr, std::move(prefix));
  if (!j.is_object()) {
    std::string name = prefix.empty() ? "arguments" : prefix.substr(0, prefix.size() - 1);
    return InvalidArgument(name + " must be an object, not " + TypeName(j), name);
  }
  return Args(&j, std::move(prefix));
}

bool Args::Has(const char* key) const {
  if (!j_) return false;
  auto it = j_->find(key);
  return it != j_->end() && !it->is_null();
}

const json* Args::Get(const char* key) {
  seen_.insert(key);
  if (!j_) return nullptr;
  auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) return nullptr;
  return &*it;
}

const json* Args::Raw(const char* key) { return Get(key); }

Status Args::Bad(const char* key, const std::string& what) const {
  std::string f = prefix_ + key;
  return InvalidArgument(f + " " + what, f);
}

Result<std::string> Args::RequiredString(const char* key, const StringRule& rule) {
  KS_ASSIGN_OR_RETURN(std::optional<std::string> v, String(key, rule));
  if (!v) return Bad(key, "is required");
  return *v;
}

Result<std::optional<std::string>> Args::String(const char* key, const StringRule& rule) {
  const json* v = Get(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Bad(key, std::string("must be a string, not ") + TypeName(*v));
  KS_ASSIGN_OR_RETURN(std::string s, CheckString(v->get<std::string>(), rule, prefix_ + key));
  return std::optional<std::string>(std::move(s));
}

Result<Field<std::string>> Args::NullableString(const char* key, const StringRule& rule) {
  Field<std::string> f;
  seen_.insert(key);
  if (!j_) return f;
  auto it = j_->find(key);
  if (it == j_->end()) return f;
  f.present = true;
  if (it->is_null()) {
    f.null = true;
    return f;
  }
  if (!it->is_string()) return Bad(key, std::string("must be a string or null, not ") + TypeName(*it));
  KS_ASSIGN_OR_RETURN(f.value, CheckString(it->get<std::string>(), rule, prefix_ + key));
  return f;
}

Result<std::string> Args::RequiredId(const char* key) {
  KS_ASSIGN_OR_RETURN(std::optional<std::string> v, Id(key));
  if (!v) return Bad(key, "is required");
  return *v;
}

Result<std::optional<std::string>> Args::Id(const char* key) {
  const json* v = Get(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Bad(key, std::string("must be a UUID string, not ") + TypeName(*v));
  KS_ASSIGN_OR_RETURN(std::string id, ParseUuid(v->get_ref<const std::string&>(), prefix_ + key));
  return std::optional<std::string>(std::move(id));
}

Result<std::optional<std::vector<std::string>>> Args::IdList(const char* key, size_t max_items) {
  const json* v = Get(key);
  if (!v) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return Bad(key, std::string("must be an array of UUID strings, not ") + TypeName(*v));
  if (v->size() > max_items) return Bad(key, "has too many items (at most " + std::to_string(max_items) + ")");
  std::vector<std::string> out;
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    std::string f = prefix_ + key + "[" + std::to_string(i) + "]";
    if (!e.is_string()) return InvalidArgument(f + " must be a UUID string", f);
    KS_ASSIGN_OR_RETURN(std::string id, ParseUuid(e.get_ref<const std::string&>(), f));
    out.push_back(std::move(id));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<std::string>> Args::Enum(const char* key, std::initializer_list<const char*> allowed) {
  const json* v = Get(key);
  if (!v) return std::optional<std::string>();
  std::string list;
  for (const char* a : allowed) {
    if (v->is_string() && v->get_ref<const std::string&>() == a) return std::optional<std::string>(a);
    list += list.empty() ? "" : ", ";
    list += a;
  }
  return Bad(key, "must be one of: " + list);
}

Result<std::string> Args::RequiredEnum(const char* key, std::initializer_list<const char*> allowed) {
  KS_ASSIGN_OR_RETURN(std::optional<std::string> v, Enum(key, allowed));
  if (!v) return Bad(key, "is required");
  return *v;
}

Result<std::optional<int64_t>> Args::Int(const char* key, int64_t min, int64_t max) {
  const json* v = Get(key);
  if (!v) return std::optional<int64_t>();
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (v->is_number_integer()) {
    // Signed and unsigned JSON integers; compare without overflow.
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(max) || (min > 0 && u < static_cast<uint64_t>(min))) {
        return Bad(key, "must be " + range);
      }
      return std::optional<int64_t>(static_cast<int64_t>(u));
    }
    int64_t i = v->get<int64_t>();
    if (i < min || i > max) return Bad(key, "must be " + range);
    return std::optional<int64_t>(i);
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max)) {
      return Bad(key, "must be " + range);
    }
    return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return Bad(key, "must be " + range + ", not " + TypeName(*v));
}

Result<std::optional<double>> Args::Number(const char* key, double min, double max) {
  const json* v = Get(key);
  if (!v) return std::optional<double>();
  if (!v->is_number()) return Bad(key, std::string("must be a number, not ") + TypeName(*v));
  double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    return Bad(key, "must be a finite number from " + json(min).dump() + " to " + json(max).dump());
  }
  return std::optional<double>(d);
}

Result<std::optional<bool>> Args::Bool(const char* key) {
  const json* v = Get(key);
  if (!v) return std::optional<bool>();
  if (!v->is_boolean()) return Bad(key, std::string("must be true or false, not ") + TypeName(*v));
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<std::vector<std::string>>> Args::StringList(const char* key, size_t max_items,
                                                                 const StringRule& item) {
  const json* v = Get(key);
  if (!v) return std::optional<std::vector<std::string>>();
  if (!v->is_array()) return Bad(key, std::string("must be an array of strings, not ") + TypeName(*v));
  if (v->size() > max_items) return Bad(key, "has too many items (at most " + std::to_string(max_items) + ")");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    std::string f = prefix_ + key + "[" + std::to_string(i) + "]";
    if (!e.is_string()) return InvalidArgument(f + " must be a string", f);
    KS_ASSIGN_OR_RETURN(std::string s, CheckString(e.get<std::string>(), item, f));
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::optional<json>> Args::Object(const char* key, size_t max_bytes) {
  const json* v = Get(key);
  if (!v) return std::optional<json>();
  if (!v->is_object()) return Bad(key, std::string("must be an object, not ") + TypeName(*v));
  size_t size = v->dump().size();
  if (size > max_bytes) {
    return Bad(key, "is too large (" + std::to_string(size) + " bytes of JSON; at most " +
                        std::to_string(max_bytes) + ")");
  }
  return std::optional<json>(*v);
}

Result<std::optional<std::string>> Args::Timestamp(const char* key) {
  const json* v = Get(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return Bad(key, std::string("must be an ISO 8601 date-time string, not ") + TypeName(*v));
  Result<int64_t> ms = ParseTimestamp(v->get_ref<const std::string&>());
  if (!ms.ok()) return Bad(key, "must be an ISO 8601 date-time (e.g. 2026-01-31T12:00:00Z)");
  return std::optional<std::string>(FormatTimestamp(*ms));
}

Result<Field<std::string>> Args::NullableTimestamp(const char* key) {
  Field<std::string> f;
  if (j_ && j_->contains(key)) {
    f.present = true;
    f.null = (*j_)[key].is_null();
  }
  KS_ASSIGN_OR_RETURN(auto ts, Timestamp(key));
  if (ts) f.value = *ts;
  return f;
}

Result<std::optional<Args>> Args::Nested(const char* key) {
  const json* v = Get(key);
  if (!v) return std::optional<Args>();
  KS_ASSIGN_OR_RETURN(Args a, Of(*v, prefix_ + key + "."));
  return std::optional<Args>(std::move(a));
}

Status Args::Finish() const {
  if (!j_) return Status::Ok();
  for (const auto& [k, v] : j_->items()) {
    if (seen_.count(k) == 0) {
      std::string f = prefix_ + k;
      return InvalidArgument("unknown field " + f, f);
    }
  }
  return Status::Ok();
}

}  // namespace kspace::api
