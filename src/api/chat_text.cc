#include "api/chat_text.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

namespace kspace::api {
namespace {

// Extra bytes the escapes of `v` take (beyond the bytes themselves).
size_t EscapeExtra(std::string_view v) {
  size_t extra = 0;
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    const bool short_form = c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f';
    extra += short_form ? 1 : 5;
  }
  return extra;
}

// Writes `v` as a JSON string literal at `w` (room for v.size() + extra + 2 bytes); returns the end.
char* WriteJsonString(char* w, std::string_view v, size_t extra) {
  static constexpr char kHex[] = "0123456789abcdef";
  *w++ = '"';
  if (extra == 0) {
    if (!v.empty()) std::memcpy(w, v.data(), v.size());  // an empty view's data() may be null
    w += v.size();
  } else {
    size_t run = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      std::memcpy(w, v.data() + run, i - run);
      w += i - run;
      run = i + 1;
      *w++ = '\\';
      switch (c) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '\n': *w++ = 'n'; break;
        case '\r': *w++ = 'r'; break;
        case '\t': *w++ = 't'; break;
        case '\b': *w++ = 'b'; break;
        case '\f': *w++ = 'f'; break;
        default:
          *w++ = 'u';
          *w++ = '0';
          *w++ = '0';
          *w++ = kHex[c >> 4];
          *w++ = kHex[c & 15];
      }
    }
    std::memcpy(w, v.data() + run, v.size() - run);
    w += v.size() - run;
  }
  *w++ = '"';
  return w;
}

// One string member of a message: its value (or null) and the escape bytes it needs.
struct Field {
  std::string_view value;
  bool present = true;
  size_t extra = 0;
  size_t Size() const { return present ? value.size() + extra + 2 : 4; }
};

Field Of(std::string_view v) { return Field{v, true, EscapeExtra(v)}; }
Field Of(const std::optional<std::string_view>& v) { return v ? Of(*v) : Field{{}, false, 0}; }

char* Write(char* w, const Field& f) {
  if (f.present) return WriteJsonString(w, f.value, f.extra);
  std::memcpy(w, "null", 4);
  return w + 4;
}

template <size_t N>
char* Lit(char* w, const char (&s)[N]) {
  std::memcpy(w, s, N - 1);
  return w + N - 1;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view v) {
  const size_t extra = EscapeExtra(v);
  const size_t at = out.size();
  out.resize(at + v.size() + extra + 2);
  WriteJsonString(out.data() + at, v, extra);
}

void AppendCitationObject(const store::CitationView& c, std::string_view score, std::string& out) {
  const bool purged = !c.chunk_exists, deleted = purged || !c.source_live;
  char n[24];
  const auto [n_end, ec] = std::to_chars(n, n + sizeof(n), c.n);
  (void)ec;  // 24 bytes hold any int64
  out += "{\"chunkId\":";
  AppendJsonString(out, c.chunk_id);
  out += deleted ? ",\"deleted\":true,\"excerpt\":" : ",\"deleted\":false,\"excerpt\":";
  AppendJsonString(out, c.excerpt);
  out += ",\"n\":";
  out.append(n, static_cast<size_t>(n_end - n));
  out += purged ? ",\"purged\":true,\"score\":" : ",\"purged\":false,\"score\":";
  out += score;
  out += ",\"sourceId\":";
  AppendJsonString(out, c.source_id);
  out += ",\"sourceTitle\":";
  AppendJsonString(out, c.source_title);
  out += '}';
}

void AppendMessageObject(const store::MessageView& m, std::string_view citations, std::string_view error,
                         std::string& out) {
  // Keys in json's (sorted) order, as MessageJson's dump writes them.
  static constexpr char kAgent[] = "{\"agentId\":", kCitations[] = ",\"citations\":", kCreated[] = ",\"createdAt\":",
                        kError[] = ",\"error\":", kFeedback[] = ",\"feedback\":", kId[] = ",\"id\":",
                        kRootTrue[] = ",\"isBranchRoot\":true", kRootFalse[] = ",\"isBranchRoot\":false",
                        kMeta[] = ",\"metadata\":", kModel[] = ",\"modelVersion\":", kParent[] = ",\"parentId\":",
                        kRole[] = ",\"role\":", kSeq[] = ",\"sequence\":", kSession[] = ",\"sessionId\":",
                        kStatus[] = ",\"status\":", kText[] = ",\"text\":";
  const Field agent = Of(m.agent_id), created = Of(m.created_at), feedback = Of(m.user_feedback), id = Of(m.id),
              model = Of(m.model_version), parent = Of(m.parent_message_id), role = Of(m.role),
              session = Of(m.session_id), status = Of(m.status), text = Of(m.text);
  const std::string_view meta = m.response_metadata.empty() ? std::string_view("{}") : m.response_metadata;
  char seq[24];
  const auto [seq_end, ec] = std::to_chars(seq, seq + sizeof(seq), m.sequence_number);
  (void)ec;  // 24 bytes hold any int64
  const size_t seq_len = static_cast<size_t>(seq_end - seq);

  size_t n = sizeof(kAgent) + sizeof(kCreated) + sizeof(kFeedback) + sizeof(kId) + sizeof(kRootFalse) +
             sizeof(kMeta) + sizeof(kModel) + sizeof(kParent) + sizeof(kRole) + sizeof(kSeq) + sizeof(kSession) +
             sizeof(kStatus) + sizeof(kText) + 1;  // each sizeof counts one NUL too: room to spare
  n += agent.Size() + created.Size() + feedback.Size() + id.Size() + model.Size() + parent.Size() + role.Size() +
       session.Size() + status.Size() + text.Size() + meta.size() + seq_len;
  if (!citations.empty()) n += sizeof(kCitations) + citations.size();
  if (!error.empty()) n += sizeof(kError) + error.size();

  const size_t at = out.size();
  if (at + n > out.capacity()) out.reserve(std::max(at + n, 2 * out.capacity()));
  out.resize(at + n);
  char* const begin = out.data() + at;
  char* w = begin;
  w = Write(Lit(w, kAgent), agent);
  if (!citations.empty()) {
    w = Lit(w, kCitations);
    std::memcpy(w, citations.data(), citations.size());
    w += citations.size();
  }
  w = Write(Lit(w, kCreated), created);
  if (!error.empty()) {
    w = Lit(w, kError);
    std::memcpy(w, error.data(), error.size());
    w += error.size();
  }
  w = Write(Lit(w, kFeedback), feedback);
  w = Write(Lit(w, kId), id);
  w = m.is_branch_root ? Lit(w, kRootTrue) : Lit(w, kRootFalse);
  w = Lit(w, kMeta);
  std::memcpy(w, meta.data(), meta.size());
  w += meta.size();
  w = Write(Lit(w, kModel), model);
  w = Write(Lit(w, kParent), parent);
  w = Write(Lit(w, kRole), role);
  w = Lit(w, kSeq);
  std::memcpy(w, seq, seq_len);
  w += seq_len;
  w = Write(Lit(w, kSession), session);
  w = Write(Lit(w, kStatus), status);
  w = Write(Lit(w, kText), text);
  *w++ = '}';
  out.resize(at + static_cast<size_t>(w - begin));
}

}  // namespace kspace::api
