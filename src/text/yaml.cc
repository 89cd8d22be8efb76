#include "text/yaml.h"

#include <charconv>
#include <cstdlib>
#include <vector>

#include "text/utf8.h"

namespace kspace::text {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 16;

struct YLine {
  int indent;             // leading spaces
  std::string_view raw;   // the whole line
  std::string_view body;  // after indentation, comment removed, right-trimmed
  int number;             // 1-based, for messages
};

std::string_view RTrim(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return RTrim(s);
}

// Removes a comment: '#' at the start or after whitespace, outside quotes.
std::string_view StripComment(std::string_view s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == '\\' && quote == '"') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if ((c == '"' || c == '\'') && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '[' ||
                                    s[i - 1] == '{' || s[i - 1] == ',' || s[i - 1] == ':' ||
                                    s[i - 1] == '-')) {
      quote = c;
      continue;
    }
    if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) return RTrim(s.substr(0, i));
  }
  return RTrim(s);
}

class Parser {
 public:
  explicit Parser(std::string_view text) {
    size_t pos = 0;
    int number = 0;
    while (pos <= text.size()) {
      size_t e = text.find('\n', pos);
      if (e == std::string_view::npos) e = text.size();
      std::string_view raw = text.substr(pos, e - pos);
      ++number;
      int indent = 0;
      while (static_cast<size_t>(indent) < raw.size() && raw[indent] == ' ') ++indent;
      if (static_cast<size_t>(indent) < raw.size() && raw[indent] == '\t') {
        error_ = "tab in indentation at line " + std::to_string(number);
      }
      lines_.push_back({indent, raw, StripComment(raw.substr(indent)), number});
      if (e == text.size()) break;
      pos = e + 1;
    }
  }

  Result<json> Run() {
    if (!error_.empty()) return InvalidArgument(error_, "frontMatter");
    Skip();
    if (i_ >= lines_.size()) return json::object();
    json out;
    if (!IsKeyLine(lines_[i_].body)) return Fail("top level is not a mapping");
    if (!ParseMapping(lines_[i_].indent, &out, 0)) return InvalidArgument(error_, "frontMatter");
    Skip();
    if (i_ < lines_.size()) return Fail("unexpected indentation");
    return out;
  }

 private:
  Status Fail(const std::string& what) {
    const int line = i_ < lines_.size() ? lines_[i_].number : static_cast<int>(lines_.size());
    return InvalidArgument("front matter line " + std::to_string(line) + ": " + what,
                           "frontMatter");
  }
  bool Error(const std::string& what) {
    const int line = i_ < lines_.size() ? lines_[i_].number : static_cast<int>(lines_.size());
    error_ = "front matter line " + std::to_string(line) + ": " + what;
    return false;
  }

  void Skip() {
    while (i_ < lines_.size() && lines_[i_].body.empty()) ++i_;
  }

  static bool IsSeqLine(std::string_view b) {
    return !b.empty() && b[0] == '-' && (b.size() == 1 || b[1] == ' ');
  }

  // Finds "key:" (followed by space or end) at the start of `b`; returns the colon's offset.
  static size_t KeyColon(std::string_view b) {
    if (b.empty()) return std::string_view::npos;
    if (b[0] == '"' || b[0] == '\'') {
      const char q = b[0];
      size_t i = 1;
      while (i < b.size() && b[i] != q) i += (b[i] == '\\' && q == '"') ? 2 : 1;
      if (i >= b.size()) return std::string_view::npos;
      size_t j = i + 1;
      while (j < b.size() && b[j] == ' ') ++j;
      return j < b.size() && b[j] == ':' && (j + 1 == b.size() || b[j + 1] == ' ') ? j
                                                                                  : std::string_view::npos;
    }
    if (b[0] == '-' && (b.size() == 1 || b[1] == ' ')) return std::string_view::npos;
    if (b[0] == '[' || b[0] == '{' || b[0] == '?' || b[0] == '&' || b[0] == '*' || b[0] == '!') {
      return std::string_view::npos;
    }
    for (size_t i = 0; i < b.size(); ++i) {
      if (b[i] == ':' && (i + 1 == b.size() || b[i + 1] == ' ')) return i;
    }
    return std::string_view::npos;
  }
  static bool IsKeyLine(std::string_view b) { return KeyColon(b) != std::string_view::npos; }

  bool ParseKey(std::string_view k, std::string* out) {
    k = Trim(k);
    if (!k.empty() && (k[0] == '"' || k[0] == '\'')) {
      json v;
      size_t used = 0;
      if (!Quoted(k, &v, &used) || Trim(k.substr(used)).size() != 0) return Error("bad quoted key");
      *out = v.get<std::string>();
      return true;
    }
    *out = std::string(k);
    return true;
  }

  // Value of a node starting at line i_ with indentation `indent`.
  bool ParseNode(int indent, json* out, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    Skip();
    if (i_ >= lines_.size()) {
      *out = nullptr;
      return true;
    }
    const std::string_view b = lines_[i_].body;
    if (IsSeqLine(b)) return ParseSeq(indent, out, depth);
    if (IsKeyLine(b)) return ParseMapping(indent, out, depth);
    // A multi-line plain or flow scalar indented under its key.
    std::string text;
    while (i_ < lines_.size() && (lines_[i_].body.empty() || lines_[i_].indent >= indent)) {
      if (!lines_[i_].body.empty()) {
        if (!text.empty()) text.push_back(' ');
        text += lines_[i_].body;
      }
      ++i_;
    }
    return Scalar(text, out);
  }

  bool ParseMapping(int indent, json* out, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    *out = json::object();
    while (true) {
      Skip();
      if (i_ >= lines_.size()) return true;
      const YLine& line = lines_[i_];
      if (line.indent < indent) return true;
      if (line.indent > indent) return Error("unexpected indentation");
      const size_t colon = KeyColon(line.body);
      if (colon == std::string_view::npos) {
        if (IsSeqLine(line.body)) return Error("sequence item where a key was expected");
        return Error("expected \"key: value\"");
      }
      std::string key;
      if (!ParseKey(line.body.substr(0, colon), &key)) return false;
      const std::string_view rest = Trim(line.body.substr(colon + 1));
      ++i_;
      json value;
      if (!ParseValue(rest, indent, &value, depth, /*seq_same_indent=*/true)) return false;
      (*out)[key] = std::move(value);
    }
  }

  // The value after "key:" or "- ", on the same line (`rest`) or on the following lines.
  bool ParseValue(std::string_view rest, int indent, json* value, int depth, bool seq_same_indent) {
    if (rest.empty()) {
      Skip();
      if (i_ < lines_.size() && lines_[i_].indent > indent) {
        return ParseNode(lines_[i_].indent, value, depth + 1);
      }
      if (seq_same_indent && i_ < lines_.size() && lines_[i_].indent == indent &&
          IsSeqLine(lines_[i_].body)) {
        return ParseSeq(indent, value, depth + 1);
      }
      *value = nullptr;
      return true;
    }
    if (rest[0] == '|' || rest[0] == '>') return BlockScalar(rest, indent, value);
    if (rest[0] == '&' || rest[0] == '*' || rest[0] == '!') {
      return Error("anchors, aliases and tags are not supported");
    }
    if (rest[0] == '[' || rest[0] == '{') {
      // Flow collection, possibly continued on more indented lines.
      std::string text(rest);
      while (!Balanced(text) && i_ < lines_.size() && lines_[i_].indent > indent) {
        text.push_back(' ');
        text += lines_[i_].body;
        ++i_;
      }
      size_t pos = 0;
      if (!Flow(text, &pos, value, depth + 1)) return false;
      if (!Trim(std::string_view(text).substr(pos)).empty()) return Error("text after flow collection");
      return true;
    }
    // Plain or quoted scalar, plain ones possibly continued on more indented lines.
    std::string text(rest);
    if (rest[0] != '"' && rest[0] != '\'') {
      while (i_ < lines_.size() && !lines_[i_].body.empty() && lines_[i_].indent > indent &&
             !IsKeyLine(lines_[i_].body)) {
        text.push_back(' ');
        text += lines_[i_].body;
        ++i_;
      }
    }
    return Scalar(text, value);
  }

  bool ParseSeq(int indent, json* out, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    *out = json::array();
    while (true) {
      Skip();
      if (i_ >= lines_.size()) return true;
      YLine& line = lines_[i_];
      if (line.indent < indent) return true;
      if (line.indent > indent) return Error("unexpected indentation");
      if (!IsSeqLine(line.body)) return true;  // back to the enclosing mapping
      std::string_view rest = line.body.substr(1);
      int off = 1;
      while (!rest.empty() && rest[0] == ' ') {
        rest.remove_prefix(1);
        ++off;
      }
      json item;
      if (!rest.empty() && (IsKeyLine(rest) || IsSeqLine(rest))) {
        // "- key: value" starts a mapping (or "- - x" a sequence) at the item's column.
        line.indent += off;
        line.body = rest;
        if (!ParseNode(line.indent, &item, depth + 1)) return false;
      } else {
        ++i_;
        if (!ParseValue(rest, indent, &item, depth, /*seq_same_indent=*/false)) return false;
      }
      out->push_back(std::move(item));
    }
  }

  bool BlockScalar(std::string_view header, int indent, json* out) {
    const bool literal = header[0] == '|';
    char chomp = 0;
    for (char c : header.substr(1)) {
      if (c == '-' || c == '+') chomp = c;
      else if (!(c >= '1' && c <= '9')) return Error("bad block scalar header");
    }
    // Content: following lines indented more than the key (blank lines included).
    int content_indent = -1;
    std::vector<std::string_view> parts;
    while (i_ < lines_.size()) {
      const YLine& l = lines_[i_];
      const bool blank = Trim(l.raw).empty();
      if (!blank && l.indent <= indent) break;
      if (!blank && content_indent < 0) content_indent = l.indent;
      if (!blank && l.indent < content_indent) break;
      parts.push_back(blank ? std::string_view() : l.raw.substr(static_cast<size_t>(content_indent)));
      ++i_;
    }
    size_t trailing = 0;
    while (!parts.empty() && parts.back().empty()) {
      parts.pop_back();
      ++trailing;
    }
    std::string s;
    for (size_t k = 0; k < parts.size(); ++k) {
      if (k > 0) {
        if (literal || parts[k].empty() || parts[k - 1].empty()) {
          s.push_back('\n');
        } else {
          s.push_back(' ');
        }
      }
      s += RTrim(parts[k]);
    }
    if (!parts.empty() && chomp != '-') s.push_back('\n');
    if (chomp == '+') s.append(trailing, '\n');
    *out = s;
    return true;
  }

  static bool Balanced(const std::string& s) {
    int depth = 0;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (quote) {
        if (c == '\\' && quote == '"') ++i;
        else if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        --depth;
      }
    }
    return depth <= 0;
  }

  bool Flow(std::string_view s, size_t* pos, json* out, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    auto ws = [&] {
      while (*pos < s.size() && (s[*pos] == ' ' || s[*pos] == '\t')) ++*pos;
    };
    ws();
    if (*pos >= s.size()) return Error("unterminated flow collection");
    const char open = s[*pos];
    if (open == '[' || open == '{') {
      const bool map = open == '{';
      const char close = map ? '}' : ']';
      *out = map ? json::object() : json::array();
      ++*pos;
      while (true) {
        ws();
        if (*pos >= s.size()) return Error("unterminated flow collection");
        if (s[*pos] == close) {
          ++*pos;
          return true;
        }
        if (map) {
          json k;
          if (!FlowScalar(s, pos, &k, /*key=*/true)) return false;
          ws();
          if (*pos >= s.size() || s[*pos] != ':') return Error("expected ':' in flow mapping");
          ++*pos;
          json v;
          ws();
          if (*pos < s.size() && (s[*pos] == ',' || s[*pos] == '}')) {
            v = nullptr;
          } else if (!Flow(s, pos, &v, depth + 1)) {
            return false;
          }
          (*out)[k.is_string() ? k.get<std::string>() : k.dump()] = std::move(v);
        } else {
          json v;
          if (!Flow(s, pos, &v, depth + 1)) return false;
          out->push_back(std::move(v));
        }
        ws();
        if (*pos < s.size() && s[*pos] == ',') {
          ++*pos;
        } else if (*pos >= s.size() || s[*pos] != close) {
          return Error("expected ',' in flow collection");
        }
      }
    }
    return FlowScalar(s, pos, out, false);
  }

  bool FlowScalar(std::string_view s, size_t* pos, json* out, bool key) {
    if (*pos < s.size() && (s[*pos] == '"' || s[*pos] == '\'')) {
      size_t used = 0;
      if (!Quoted(s.substr(*pos), out, &used)) return false;
      *pos += used;
      return true;
    }
    size_t e = *pos;
    while (e < s.size() && s[e] != ',' && s[e] != ']' && s[e] != '}' &&
           !(key && s[e] == ':')) {
      if (s[e] == '[' || s[e] == '{') return Error("unexpected bracket in flow scalar");
      ++e;
    }
    const std::string_view text = Trim(s.substr(*pos, e - *pos));
    *pos = e;
    if (key) {
      *out = std::string(text);
      return true;
    }
    return Resolve(text, out);
  }

  // A quoted scalar at the start of `s`; *used = bytes consumed including the quotes.
  bool Quoted(std::string_view s, json* out, size_t* used) {
    const char q = s[0];
    std::string v;
    size_t i = 1;
    while (i < s.size()) {
      const char c = s[i];
      if (q == '\'' && c == '\'') {
        if (i + 1 < s.size() && s[i + 1] == '\'') {
          v.push_back('\'');
          i += 2;
          continue;
        }
        *used = i + 1;
        *out = v;
        return true;
      }
      if (q == '"' && c == '"') {
        *used = i + 1;
        *out = v;
        return true;
      }
      if (q == '"' && c == '\\' && i + 1 < s.size()) {
        const char e = s[i + 1];
        i += 2;
        int hex = 0;
        switch (e) {
          case 'n': v.push_back('\n'); break;
          case 't': v.push_back('\t'); break;
          case 'r': v.push_back('\r'); break;
          case '0': v.push_back(' '); break;  // NUL is not kept in kspace text
          case '"': v.push_back('"'); break;
          case '\\': v.push_back('\\'); break;
          case '/': v.push_back('/'); break;
          case ' ': v.push_back(' '); break;
          case 'x': hex = 2; break;
          case 'u': hex = 4; break;
          case 'U': hex = 8; break;
          default: return Error("unknown escape in double-quoted string");
        }
        if (hex) {
          if (i + static_cast<size_t>(hex) > s.size()) return Error("short escape");
          char32_t cp = 0;
          for (int k = 0; k < hex; ++k) {
            const char h = s[i + static_cast<size_t>(k)];
            int d;
            if (h >= '0' && h <= '9') d = h - '0';
            else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
            else return Error("bad hex escape");
            cp = cp * 16 + static_cast<char32_t>(d);
          }
          i += static_cast<size_t>(hex);
          AppendUtf8(&v, cp < 0x20 && cp != '\n' && cp != '\t' ? U' ' : cp);
        }
        continue;
      }
      v.push_back(c);
      ++i;
    }
    return Error("unterminated quoted string");
  }

  bool Scalar(std::string_view s, json* out) {
    s = Trim(s);
    if (!s.empty() && (s[0] == '"' || s[0] == '\'')) {
      size_t used = 0;
      if (!Quoted(s, out, &used)) return false;
      if (!Trim(s.substr(used)).empty()) return Error("text after quoted string");
      return true;
    }
    if (!s.empty() && (s[0] == '&' || s[0] == '*' || s[0] == '!')) {
      return Error("anchors, aliases and tags are not supported");
    }
    return Resolve(s, out);
  }

  static bool Resolve(std::string_view s, json* out) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
      *out = nullptr;
      return true;
    }
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return true;
    }
    // Integers and floats (decimal only).
    size_t i = 0;
    if (s[0] == '-' || s[0] == '+') i = 1;
    size_t digits = 0, dots = 0, exp = 0;
    bool ok = i < s.size();
    for (size_t k = i; k < s.size() && ok; ++k) {
      const char c = s[k];
      if (c >= '0' && c <= '9') {
        ++digits;
      } else if (c == '.' && exp == 0) {
        ++dots;
      } else if ((c == 'e' || c == 'E') && digits > 0 && exp == 0) {
        ++exp;
        if (k + 1 < s.size() && (s[k + 1] == '-' || s[k + 1] == '+')) ++k;
        if (k + 1 >= s.size()) ok = false;
      } else {
        ok = false;
      }
    }
    if (ok && digits > 0 && dots <= 1) {
      const std::string_view num = s[0] == '+' ? s.substr(1) : s;
      if (dots == 0 && exp == 0) {
        int64_t v = 0;
        auto r = std::from_chars(num.data(), num.data() + num.size(), v);
        if (r.ec == std::errc() && r.ptr == num.data() + num.size()) {
          *out = v;
          return true;
        }
      } else {
        const std::string tmp(num);
        char* end = nullptr;
        const double d = std::strtod(tmp.c_str(), &end);
        if (end == tmp.c_str() + tmp.size() && d == d && d - d == 0) {
          *out = d;
          return true;
        }
      }
    }
    *out = std::string(s);
    return true;
  }

  std::vector<YLine> lines_;
  size_t i_ = 0;
  std::string error_;
};

}  // namespace

Result<nlohmann::json> ParseYaml(std::string_view yaml) {
  try {
    Parser p(yaml);
    return p.Run();
  } catch (const std::exception& e) {  // nlohmann::json can throw (e.g. on invalid UTF-8)
    return InvalidArgument(std::string("front matter: ") + e.what(), "frontMatter");
  }
}

bool SplitFrontMatter(std::string_view text, std::string_view* yaml, size_t* body) {
  auto fence = [](std::string_view line, bool closing) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    return line == "---" || (closing && line == "...");
  };
  size_t e = text.find('\n');
  if (e == std::string_view::npos || !fence(text.substr(0, e), false)) return false;
  const size_t start = e + 1;
  size_t pos = start;
  // Front matter is small; a "---" far down the note is a thematic break, not a closing fence.
  constexpr size_t kMaxFrontMatter = 256 * 1024;
  while (pos <= text.size() && pos - start <= kMaxFrontMatter) {
    size_t le = text.find('\n', pos);
    if (le == std::string_view::npos) le = text.size();
    if (fence(text.substr(pos, le - pos), true)) {
      *yaml = text.substr(start, pos - start);
      *body = le == text.size() ? le : le + 1;
      return true;
    }
    if (le == text.size()) break;
    pos = le + 1;
  }
  return false;
}

}  // namespace kspace::text
