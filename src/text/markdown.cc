#include "text/markdown.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_set>

#include "text/utf8.h"

namespace kspace::text {
namespace {

// Longest heading text kept in heading paths and titles (bytes); longer ones are cut with "…".
// A path is copied into every chunk of its section, so an absurd heading must not multiply.
constexpr size_t kMaxHeadingBytes = 200;

struct Line {
  uint32_t begin, end;  // end excludes the '\n'
};

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  lines.reserve(text.size() / 40 + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data())
                        : text.size();
    lines.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(e)});
    pos = e + 1;
  }
  return lines;
}

inline bool IsSp(char c) { return c == ' ' || c == '\t'; }

// Indentation in columns (tab stops of 4) and the offset of the first non-blank character.
int Indent(std::string_view line, size_t* first = nullptr) {
  int col = 0;
  size_t i = 0;
  while (i < line.size() && IsSp(line[i])) {
    col = line[i] == '\t' ? (col / 4 + 1) * 4 : col + 1;
    ++i;
  }
  if (first) *first = i;
  return col;
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (!IsSp(c)) return false;
  }
  return true;
}

std::string_view TrimSp(std::string_view s) {
  while (!s.empty() && (IsSp(s.front()) || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (IsSp(s.back()) || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Up to 3 spaces of indentation; returns the offset after them, or npos if indented 4+.
size_t SmallIndent(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && i < 4 && line[i] == ' ') ++i;
  if (i == 4 || (i < line.size() && line[i] == '\t')) return std::string_view::npos;
  return i;
}

bool AtxHeading(std::string_view line, int* level, std::string_view* content) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos) return false;
  size_t j = i;
  while (j < line.size() && line[j] == '#' && j - i < 7) ++j;
  const size_t hashes = j - i;
  if (hashes == 0 || hashes > 6) return false;
  if (j < line.size() && !IsSp(line[j])) return false;
  std::string_view rest = TrimSp(line.substr(j));
  // Optional closing sequence: spaces then #s at the end.
  size_t k = rest.size();
  while (k > 0 && rest[k - 1] == '#') --k;
  if (k == 0) {
    rest = {};
  } else if (k < rest.size() && IsSp(rest[k - 1])) {
    rest = TrimSp(rest.substr(0, k));
  }
  *level = static_cast<int>(hashes);
  *content = rest;
  return true;
}

bool ThematicBreak(std::string_view line) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos || i >= line.size()) return false;
  const char c = line[i];
  if (c != '-' && c != '*' && c != '_') return false;
  int count = 0;
  for (; i < line.size(); ++i) {
    if (line[i] == c) {
      ++count;
    } else if (!IsSp(line[i])) {
      return false;
    }
  }
  return count >= 3;
}

bool FenceOpen(std::string_view line, char* ch, size_t* len) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos || i >= line.size()) return false;
  const char c = line[i];
  if (c != '`' && c != '~') return false;
  size_t j = i;
  while (j < line.size() && line[j] == c) ++j;
  if (j - i < 3) return false;
  if (c == '`' && line.substr(j).find('`') != std::string_view::npos) return false;
  *ch = c;
  *len = j - i;
  return true;
}

bool FenceClose(std::string_view line, char ch, size_t len) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos) return false;
  size_t j = i;
  while (j < line.size() && line[j] == ch) ++j;
  if (j - i < len) return false;
  return IsBlank(line.substr(j));
}

// A list item marker: returns true and whether the item is ordered, its start number and whether
// it has content after the marker.
bool ListItem(std::string_view line, bool* ordered = nullptr, long* number = nullptr,
              bool* has_content = nullptr) {
  size_t i = 0;
  Indent(line, &i);
  if (i >= line.size()) return false;
  const char c = line[i];
  size_t j;
  bool ord = false;
  long num = 0;
  if (c == '-' || c == '*' || c == '+') {
    j = i + 1;
  } else if (c >= '0' && c <= '9') {
    j = i;
    while (j < line.size() && j - i < 10 && line[j] >= '0' && line[j] <= '9') {
      num = num * 10 + (line[j] - '0');
      ++j;
    }
    if (j - i > 9 || j >= line.size() || (line[j] != '.' && line[j] != ')')) return false;
    ++j;
    ord = true;
  } else {
    return false;
  }
  if (j < line.size() && !IsSp(line[j])) return false;
  if (ordered) *ordered = ord;
  if (number) *number = num;
  if (has_content) *has_content = !IsBlank(line.substr(j));
  return true;
}

bool SetextUnderline(std::string_view line, int* level) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos || i >= line.size()) return false;
  const char c = line[i];
  if (c != '=' && c != '-') return false;
  size_t j = i;
  while (j < line.size() && line[j] == c) ++j;
  if (!IsBlank(line.substr(j))) return false;
  *level = c == '=' ? 1 : 2;
  return true;
}

bool QuoteStart(std::string_view line) {
  size_t i = SmallIndent(line);
  return i != std::string_view::npos && i < line.size() && line[i] == '>';
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (x != b[i]) return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

constexpr std::string_view kBlockTags[] = {
    "address", "article", "aside",    "base",     "basefont", "blockquote", "body",   "caption",
    "center",  "col",     "colgroup", "dd",       "details",  "dialog",     "dir",    "div",
    "dl",      "dt",      "fieldset", "figcaption", "figure", "footer",     "form",   "frame",
    "frameset", "h1",     "h2",       "h3",       "h4",       "h5",         "h6",     "head",
    "header",  "hr",      "html",     "iframe",   "legend",   "li",         "link",   "main",
    "menu",    "menuitem", "nav",     "noframes", "ol",       "optgroup",   "option", "p",
    "param",   "section", "summary",  "table",    "tbody",    "td",         "tfoot",  "th",
    "thead",   "title",   "tr",       "track",    "ul"};

// CommonMark HTML block start: 1 (script/pre/style/textarea), 2 (comment), 6 (block tag), 0 none.
int HtmlBlockStart(std::string_view line) {
  size_t i = SmallIndent(line);
  if (i == std::string_view::npos || i >= line.size() || line[i] != '<') return 0;
  std::string_view rest = line.substr(i + 1);
  if (rest.substr(0, 3) == "!--") return 2;
  bool closing = false;
  if (!rest.empty() && rest[0] == '/') {
    closing = true;
    rest.remove_prefix(1);
  }
  size_t n = 0;
  while (n < rest.size() && n < 12 &&
         ((rest[n] >= 'a' && rest[n] <= 'z') || (rest[n] >= 'A' && rest[n] <= 'Z') ||
          (n > 0 && rest[n] >= '0' && rest[n] <= '9'))) {
    ++n;
  }
  if (n == 0) return 0;
  const std::string_view name = rest.substr(0, n);
  const char after = n < rest.size() ? rest[n] : ' ';
  if (!(IsSp(after) || after == '>' || (after == '/' && n + 1 < rest.size() && rest[n + 1] == '>'))) {
    return 0;
  }
  if (!closing) {
    for (std::string_view t : {"script", "pre", "style", "textarea"}) {
      if (IEquals(name, t)) return 1;
    }
  }
  for (std::string_view t : kBlockTags) {
    if (IEquals(name, t)) return 6;
  }
  return 0;
}

bool HtmlBlockEnds(int type, std::string_view line) {
  if (type == 2) return line.find("-->") != std::string_view::npos;
  return IContains(line, "</script>") || IContains(line, "</pre>") ||
         IContains(line, "</style>") || IContains(line, "</textarea>");
}

// Cells of a pipe-table row (leading/trailing pipes ignored, "\|" escaped).
int CountCells(std::string_view line) {
  std::string_view s = TrimSp(line);
  if (!s.empty() && s.front() == '|') s.remove_prefix(1);
  if (!s.empty() && s.back() == '|' && !(s.size() >= 2 && s[s.size() - 2] == '\\')) {
    s.remove_suffix(1);
  }
  int cells = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '|') {
      ++cells;
    }
  }
  return cells;
}

bool IsDelimiterRow(std::string_view line, int* cells) {
  if (SmallIndent(line) == std::string_view::npos) return false;
  std::string_view s = TrimSp(line);
  if (s.empty()) return false;
  bool pipe = false, dash = false;
  int count = 1;
  bool cell_has_dash = false;
  for (size_t k = 0; k < s.size(); ++k) {
    const char c = s[k];
    if (c == '|') {
      pipe = true;
      if (k != 0 && k + 1 != s.size()) {
        if (!cell_has_dash) return false;
        ++count;
        cell_has_dash = false;
      }
    } else if (c == '-') {
      dash = cell_has_dash = true;
    } else if (c != ':' && !IsSp(c)) {
      return false;
    }
  }
  if (!dash || !cell_has_dash) return false;
  if (!pipe && count == 1) return false;  // "---" alone is a setext underline or a break
  *cells = count;
  return true;
}

bool StartsBlock(std::string_view line) {
  int level;
  std::string_view content;
  char ch;
  size_t len;
  return AtxHeading(line, &level, &content) || FenceOpen(line, &ch, &len) ||
         ThematicBreak(line) || QuoteStart(line) || ListItem(line) || HtmlBlockStart(line) != 0;
}

// Whether `line` may interrupt a paragraph (CommonMark: a list item only if it has content and,
// when ordered, starts at 1).
bool InterruptsParagraph(std::string_view line) {
  int level;
  std::string_view content;
  char ch;
  size_t len;
  if (AtxHeading(line, &level, &content) || FenceOpen(line, &ch, &len) || ThematicBreak(line) ||
      QuoteStart(line) || HtmlBlockStart(line) != 0) {
    return true;
  }
  bool ordered = false, has_content = false;
  long number = 0;
  if (Indent(line) < 4 && ListItem(line, &ordered, &number, &has_content)) {
    return has_content && (!ordered || number == 1);
  }
  return false;
}

std::string CutHeading(std::string s) {
  if (s.size() <= kMaxHeadingBytes) return s;
  s.resize(FloorCharBoundary(s, kMaxHeadingBytes));
  s += "\u2026";
  return s;
}

}  // namespace

bool IsListItemLine(std::string_view line) { return ListItem(line) && !ThematicBreak(line); }

Outline ParseMarkdownBlocks(std::string_view text) {
  Outline out;
  out.paths.emplace_back();
  const std::vector<Line> lines = SplitLines(text);
  const size_t n = lines.size();
  auto L = [&](size_t k) {
    return text.substr(lines[k].begin, lines[k].end - lines[k].begin);
  };
  std::vector<std::pair<int, std::string>> stack;
  uint32_t section = 0;
  auto add = [&](BlockKind kind, size_t first, size_t last, int level = 0, uint32_t aux = 0) {
    Block b;
    b.kind = kind;
    b.begin = lines[first].begin;
    b.end = lines[last].end;
    b.level = level;
    b.section = section;
    b.aux = aux;
    out.blocks.push_back(b);
  };
  auto heading = [&](size_t first, size_t last, int level, std::string title) {
    while (!stack.empty() && stack.back().first >= level) stack.pop_back();
    stack.emplace_back(level, CutHeading(std::move(title)));
    std::vector<std::string> path;
    path.reserve(stack.size());
    for (const auto& [lvl, t] : stack) path.push_back(t);
    out.paths.push_back(std::move(path));
    section = static_cast<uint32_t>(out.paths.size() - 1);
    add(BlockKind::kHeading, first, last, level);
  };

  size_t i = 0;
  while (i < n) {
    const std::string_view line = L(i);
    if (IsBlank(line)) {
      ++i;
      continue;
    }
    const int indent = Indent(line);
    if (indent >= 4) {  // indented code (no paragraph is open here)
      size_t last = i, j = i + 1;
      while (j < n) {
        if (IsBlank(L(j))) {
          ++j;
        } else if (Indent(L(j)) >= 4) {
          last = j++;
        } else {
          break;
        }
      }
      add(BlockKind::kCode, i, last);
      i = last + 1;
      continue;
    }
    char fch;
    size_t flen;
    if (FenceOpen(line, &fch, &flen)) {
      size_t j = i + 1;
      while (j < n && !FenceClose(L(j), fch, flen)) ++j;
      const size_t last = std::min(j, n - 1);
      add(BlockKind::kCode, i, last, 0, 1);
      i = last + 1;
      continue;
    }
    int level;
    std::string_view content;
    if (AtxHeading(line, &level, &content)) {
      heading(i, i, level, StripInlineMarkdown(content));
      ++i;
      continue;
    }
    if (ThematicBreak(line)) {
      add(BlockKind::kBreak, i, i);
      ++i;
      continue;
    }
    if (const int type = HtmlBlockStart(line); type != 0) {
      size_t j = i;
      if (type == 6) {
        while (j + 1 < n && !IsBlank(L(j + 1))) ++j;
      } else {
        while (j < n && !HtmlBlockEnds(type, L(j))) ++j;
        j = std::min(j, n - 1);
      }
      const std::string_view body = TrimSp(text.substr(lines[i].begin, lines[j].end - lines[i].begin));
      const bool comment = type == 2 && body.size() >= 7 && body.substr(body.size() - 3) == "-->";
      add(comment ? BlockKind::kComment : BlockKind::kHtml, i, j);
      i = j + 1;
      continue;
    }
    if (QuoteStart(line)) {
      size_t j = i + 1;
      while (j < n && !IsBlank(L(j)) && (QuoteStart(L(j)) || !StartsBlock(L(j)))) ++j;
      add(BlockKind::kQuote, i, j - 1);
      i = j;
      continue;
    }
    if (ListItem(line)) {
      const int base = indent;
      size_t last = i, j = i + 1;
      while (j < n) {
        const std::string_view l = L(j);
        if (IsBlank(l)) {
          size_t k = j + 1;
          while (k < n && IsBlank(L(k))) ++k;
          if (k >= n) break;
          const std::string_view nl = L(k);
          if (Indent(nl) >= base + 2 || (ListItem(nl) && !ThematicBreak(nl))) {
            j = k;
            continue;
          }
          break;
        }
        if ((ListItem(l) && !ThematicBreak(l)) || Indent(l) >= base + 2) {
          last = j++;
          continue;
        }
        if (j == last + 1 && !StartsBlock(l)) {  // lazy paragraph continuation
          last = j++;
          continue;
        }
        break;
      }
      add(BlockKind::kList, i, last);
      i = last + 1;
      continue;
    }
    int cells = 0;
    if (i + 1 < n && line.find('|') != std::string_view::npos && IsDelimiterRow(L(i + 1), &cells) &&
        CountCells(line) == cells) {
      size_t j = i + 2;
      while (j < n && !IsBlank(L(j)) && !StartsBlock(L(j))) ++j;
      add(BlockKind::kTable, i, j - 1, 0, lines[i + 1].end);
      i = j;
      continue;
    }
    // Paragraph.
    size_t j = i + 1;
    bool done = false;
    while (j < n) {
      const std::string_view l = L(j);
      if (IsBlank(l)) break;
      int slevel;
      if (SetextUnderline(l, &slevel)) {
        std::string title;
        for (size_t k = i; k < j; ++k) {
          if (!title.empty()) title.push_back(' ');
          title += TrimSp(L(k));
        }
        heading(i, j, slevel, StripInlineMarkdown(title));
        i = j + 1;
        done = true;
        break;
      }
      if (j + 1 < n && l.find('|') != std::string_view::npos &&
          IsDelimiterRow(L(j + 1), &cells) && CountCells(l) == cells) {
        break;  // a table starts at l
      }
      if (InterruptsParagraph(l)) break;
      ++j;
    }
    if (done) continue;
    add(BlockKind::kParagraph, i, j - 1);
    i = j;
  }
  return out;
}

Outline ParsePlainBlocks(std::string_view text) {
  Outline out;
  out.paths.emplace_back();
  const std::vector<Line> lines = SplitLines(text);
  size_t i = 0;
  const size_t n = lines.size();
  auto blank = [&](size_t k) {
    return IsBlank(text.substr(lines[k].begin, lines[k].end - lines[k].begin));
  };
  while (i < n) {
    if (blank(i)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j + 1 < n && !blank(j + 1)) ++j;
    Block b;
    b.kind = BlockKind::kParagraph;
    b.begin = lines[i].begin;
    b.end = lines[j].end;
    out.blocks.push_back(b);
    i = j + 1;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Inline

std::string StripInlineMarkdown(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  auto space = [&]() {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  constexpr size_t kLook = 512;  // bounded look-ahead keeps this linear on any input
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const char c = s[i];
    if (c == '\\' && i + 1 < n && std::ispunct(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(s[i + 1]);
      i += 2;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      space();
      ++i;
      continue;
    }
    if (c == '*' || c == '`' || c == '~' || c == '=') {
      size_t j = i;
      while (j < n && s[j] == c) ++j;
      if (c == '*' || c == '`' || j - i >= 2) {
        i = j;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    if (c == '_') {
      const bool inner = i > 0 && i + 1 < n && is_alnum(s[i - 1]) && is_alnum(s[i + 1]);
      if (inner) out.push_back('_');
      ++i;
      continue;
    }
    if (c == '[' && i + 1 < n && s[i + 1] == '[') {
      const size_t close = s.substr(i, kLook).find("]]");
      if (close != std::string_view::npos) {
        std::string_view inner = s.substr(i + 2, close - 2);
        const size_t bar = inner.find('|');
        std::string_view shown = bar != std::string_view::npos ? inner.substr(bar + 1) : inner;
        if (bar == std::string_view::npos) {
          const size_t hash = shown.find('#');
          if (hash == 0) shown.remove_prefix(1);
          else if (hash != std::string_view::npos) shown = shown.substr(0, hash);
        }
        if (!out.empty() && out.back() == '!') out.pop_back();
        out += TrimSp(shown);
        i += close + 2;
        continue;
      }
    }
    if (c == '[' || (c == '!' && i + 1 < n && s[i + 1] == '[')) {
      const size_t open = c == '[' ? i : i + 1;
      const std::string_view win = s.substr(open, kLook);
      const size_t close = win.find(']');
      if (close != std::string_view::npos && close + 1 < win.size() &&
          (win[close + 1] == '(' || win[close + 1] == '[')) {
        const char endc = win[close + 1] == '(' ? ')' : ']';
        const size_t end = win.find(endc, close + 2);
        if (end != std::string_view::npos) {
          out += StripInlineMarkdown(win.substr(1, close - 1));
          i = open + end + 1;
          continue;
        }
      }
      if (c == '!') {
        out.push_back('!');
        ++i;
        continue;
      }
    }
    if (c == '<') {
      const std::string_view win = s.substr(i, 256);
      const size_t close = win.find('>');
      if (close != std::string_view::npos && close > 1) {
        const std::string_view inner = win.substr(1, close - 1);
        if (inner.substr(0, 4) == "http" || inner.substr(0, 7) == "mailto:") {
          out += inner;  // autolink
          i += close + 1;
          continue;
        }
        const char f = inner[0];
        if ((f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z') || f == '/' || f == '!') {
          i += close + 1;
          continue;
        }
      }
    }
    // c is ordinary here; it and the ordinary bytes after it are copied in one append (a
    // push_back per byte is a call into libc++, which the wasm build compiles for size).
    static constexpr auto kSpecial = [] {
      std::array<bool, 256> t{};
      for (unsigned char x : std::string_view("\\ \t\n*`~=_[!<")) t[x] = true;
      return t;
    }();
    size_t j = i + 1;
    while (j < n && !kSpecial[static_cast<unsigned char>(s[j])]) ++j;
    out.append(s.data() + i, j - i);
    i = j;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

bool TagChar(const unsigned char* p, size_t n, size_t i, size_t* len) {
  const unsigned char c = p[i];
  if (c < 0x80) {
    *len = 1;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '/';
  }
  const Decoded d = DecodeUtf8(std::string_view(reinterpret_cast<const char*>(p), n), i);
  *len = d.len;
  return d.valid && (IsWordChar(d.cp) || (d.cp >= 0x1F300 && d.cp <= 0x1FAFF));
}

class InlineScanner {
 public:
  InlineScanner(std::string_view text, bool markdown, Document* doc)
      : text_(text), p_(reinterpret_cast<const unsigned char*>(text.data())), markdown_(markdown),
        doc_(doc) {}

  // Scans [begin, end) (a range outside code blocks). Bytes that cannot start anything are
  // skipped in a tight loop; only ` \\ # [ ] < : (and line starts, for reference definitions)
  // are looked at.
  void Scan(size_t begin, size_t end) {
    static constexpr auto kInteresting = [] {
      std::array<bool, 256> t{};
      for (unsigned char c : std::string_view("`\\#[]<:\n")) t[c] = true;
      return t;
    }();
    size_t i = begin;
    while (i < end) {
      if (!markdown_) {
        const void* colon = std::memchr(p_ + i, ':', end - i);
        if (!colon) return;
        i = static_cast<size_t>(static_cast<const unsigned char*>(colon) - p_);
        i = Colon(i, begin, end);
        continue;
      }
      while (i < end && !kInteresting[p_[i]]) ++i;
      if (i >= end) return;
      const unsigned char c = p_[i];
      switch (c) {
        case '\n': {
          // "[label]: url" after up to 3 spaces of indentation
          size_t j = i + 1;
          while (j < end && j - i <= 4 && p_[j] == ' ') ++j;
          if (j < end && p_[j] == '[') {
            const size_t after = RefDefinition(j, end);
            if (after != 0) {
              i = after;
              continue;
            }
          }
          i = j > i + 1 ? j : i + 1;
          break;
        }
        case '`':
          i = CodeSpan(i, end);
          break;
        case '\\':
          i += 2;
          break;
        case '#':
          i = Tag(i, end);
          break;
        case '[':
          if (i == begin || (i > 0 && p_[i - 1] == '\n')) {
            const size_t after = RefDefinition(i, end);
            if (after != 0) {
              i = after;
              break;
            }
          }
          if (i + 1 < end && p_[i + 1] == '[') {
            i = Wiki(i, end);
          } else {
            image_ = i > 0 && p_[i - 1] == '!';
            ++i;
          }
          break;
        case ']':
          i = (i + 1 < end && p_[i + 1] == '(') ? LinkDest(i + 2, end) : i + 1;
          break;
        case '<':
          i = (i + 1 < end && (p_[i + 1] == 'h' || p_[i + 1] == 'm')) ? Autolink(i, end) : i + 1;
          break;
        default:  // ':'
          i = Colon(i, begin, end);
          break;
      }
    }
  }

 private:
  bool StartsWith(size_t i, size_t end, std::string_view s) const {
    return end - i >= s.size() && std::memcmp(p_ + i, s.data(), s.size()) == 0;
  }

  void AddLink(std::string_view url) {
    while (!url.empty() && (url.back() == ' ' || url.back() == '\t')) url.remove_suffix(1);
    if (url.empty() || url.size() > 2048 || url[0] == '#') return;
    if (url.size() >= 11 && IEquals(url.substr(0, 11), "javascript:")) return;
    std::string u(url);
    if (seen_links_.insert(u).second) doc_->links.push_back(std::move(u));
  }

  // A code span opening at i: returns the position after its close, or after the opening run if
  // there is no close (then the backticks are literal). Remembers failed searches per run length
  // so that many unmatched backticks stay linear.
  size_t CodeSpan(size_t i, size_t end) {
    size_t j = i;
    while (j < end && p_[j] == '`') ++j;
    const size_t len = j - i;
    if (len >= no_close_.size()) return j;
    if (no_close_[len] > j) return j;
    size_t k = j;
    while (k < end) {
      if (p_[k] == '\n' && k + 1 < end) {
        // a blank line ends the paragraph, and with it any code span
        size_t m = k + 1;
        while (m < end && (p_[m] == ' ' || p_[m] == '\t')) ++m;
        if (m < end && p_[m] == '\n') break;
      }
      if (p_[k] == '`') {
        size_t r = k;
        while (r < end && p_[r] == '`') ++r;
        if (r - k == len) return r;
        k = r;
        continue;
      }
      ++k;
    }
    no_close_[len] = k;
    return j;
  }

  size_t Tag(size_t i, size_t end) {
    const bool boundary = i == 0 || p_[i - 1] == ' ' || p_[i - 1] == '\t' || p_[i - 1] == '\n' ||
                          p_[i - 1] == '(' || p_[i - 1] == ',';
    size_t j = i + 1;
    bool non_digit = false;
    while (j < end) {
      size_t len = 1;
      if (!TagChar(p_, end, j, &len)) break;
      if (!(p_[j] >= '0' && p_[j] <= '9')) non_digit = true;
      j += len;
    }
    if (!boundary || j == i + 1) return j == i + 1 ? i + 1 : j;
    std::string_view tag = text_.substr(i + 1, j - i - 1);
    while (!tag.empty() && (tag.back() == '/' || tag.back() == '-')) tag.remove_suffix(1);
    while (!tag.empty() && tag.front() == '/') tag.remove_prefix(1);
    bool has_letter = false;
    for (char ch : tag) {
      if (!(ch >= '0' && ch <= '9') && ch != '/' && ch != '-' && ch != '_') has_letter = true;
    }
    if (tag.empty() || !non_digit || !has_letter || tag.size() > 200) return j;
    std::string t;
    t.reserve(tag.size());
    for (char ch : tag) t.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + 32) : ch);
    if (seen_tags_.insert(t).second) doc_->tags.push_back(std::move(t));
    return j;
  }

  size_t Wiki(size_t i, size_t end) {
    // The first "]]" after i on this line, cached so that runs of "[[" stay linear.
    if (i < no_wiki_until_) return i + 2;
    if (next_close_ == std::string_view::npos || next_close_ < i + 2) {
      next_close_ = std::string_view::npos;
      for (size_t k = i + 2; k + 1 < end && p_[k] != '\n'; ++k) {
        if (p_[k] == ']' && p_[k + 1] == ']') {
          next_close_ = k;
          break;
        }
      }
      if (next_close_ == std::string_view::npos) {
        // none on this line: no "[[" before its end can close either
        size_t k = i + 2;
        while (k < end && p_[k] != '\n') ++k;
        no_wiki_until_ = k;
        return i + 2;
      }
    }
    const size_t close = next_close_;
    std::string_view inner = text_.substr(i + 2, close - i - 2);
    if (inner.find("[[") != std::string_view::npos || inner.size() > 1000) return i + 2;
    WikiLink w;
    w.embed = i > 0 && p_[i - 1] == '!';
    // alias after the first '|' (Obsidian escapes it as "\|" inside tables)
    size_t bar = std::string_view::npos;
    for (size_t k = 0; k < inner.size(); ++k) {
      if (inner[k] == '|') {
        bar = k;
        break;
      }
    }
    std::string_view left = inner;
    if (bar != std::string_view::npos) {
      w.alias = std::string(TrimSp(inner.substr(bar + 1)));
      left = inner.substr(0, bar);
      if (!left.empty() && left.back() == '\\') left.remove_suffix(1);
    }
    const size_t hash = left.find('#');
    if (hash != std::string_view::npos) {
      w.heading = std::string(TrimSp(left.substr(hash + 1)));
      left = left.substr(0, hash);
    }
    w.target = std::string(TrimSp(left));
    if (!w.target.empty() || !w.heading.empty()) {
      std::string key = w.target + '\x1f' + w.heading + '\x1f' + w.alias + (w.embed ? "!" : "");
      if (seen_wiki_.insert(std::move(key)).second) doc_->wikilinks.push_back(std::move(w));
    }
    return close + 2;
  }

  // Link destination after "](": <url> or url up to whitespace / unbalanced ')'.
  size_t LinkDest(size_t i, size_t end) {
    const bool image = image_;
    image_ = false;
    while (i < end && (p_[i] == ' ' || p_[i] == '\t')) ++i;
    if (i < end && p_[i] == '<') {
      size_t j = i + 1;
      while (j < end && j - i < 2048 && p_[j] != '>' && p_[j] != '\n') ++j;
      if (j < end && p_[j] == '>') {
        if (!image) AddLink(text_.substr(i + 1, j - i - 1));
        return j + 1;
      }
      return i + 1;
    }
    size_t j = i;
    int depth = 0;
    while (j < end && j - i < 2048) {
      const unsigned char c = p_[j];
      if (c == ' ' || c == '\t' || c == '\n') break;
      if (c == '(') ++depth;
      if (c == ')') {
        if (depth == 0) break;
        --depth;
      }
      ++j;
    }
    if (!image && j > i) AddLink(text_.substr(i, j - i));
    return j;
  }

  size_t Autolink(size_t i, size_t end) {
    size_t j = i + 1;
    while (j < end && j - i < 2048 && p_[j] != '>' && p_[j] != ' ' && p_[j] != '\n' &&
           p_[j] != '<') {
      ++j;
    }
    if (j < end && p_[j] == '>') {
      const std::string_view u = text_.substr(i + 1, j - i - 1);
      if (u.substr(0, 7) == "http://" || u.substr(0, 8) == "https://" ||
          u.substr(0, 7) == "mailto:") {
        AddLink(u);
        return j + 1;
      }
    }
    return i + 1;
  }

  // At a ':' : a bare URL if "http://" or "https://" ends here; returns where to continue.
  size_t Colon(size_t i, size_t begin, size_t end) {
    if (i + 2 < end && p_[i + 1] == '/' && p_[i + 2] == '/') {
      for (size_t scheme : {size_t{4}, size_t{5}}) {
        if (i >= begin + scheme && (i - scheme == begin || !std::isalnum(p_[i - scheme - 1])) &&
            (StartsWith(i - scheme, end, "http:") || StartsWith(i - scheme, end, "https:"))) {
          return BareUrl(i - scheme, end);
        }
      }
    }
    return i + 1;
  }

  size_t BareUrl(size_t i, size_t end) {
    size_t j = i;
    if (StartsWith(i, end, "http://")) {
      j = i + 7;
    } else if (StartsWith(i, end, "https://")) {
      j = i + 8;
    } else {
      return i + 1;
    }
    const size_t host = j;
    int parens = 0;
    while (j < end && j - i < 2048) {
      const unsigned char c = p_[j];
      if (c <= ' ' || c == '<' || c == '>' || c == '"' || c == '`' || c == '|') break;
      if (c == '(') ++parens;
      if (c == ')') {
        if (parens == 0) break;
        --parens;
      }
      ++j;
    }
    // trailing punctuation is not part of a bare URL (GFM autolink extension)
    while (j > host && std::strchr(".,:;!?*_~'", static_cast<char>(p_[j - 1])) != nullptr) --j;
    if (j > host) AddLink(text_.substr(i, j - i));
    return std::max(j, i + 1);
  }

  // "[label]: url" at the start of a line: records url, returns the position after it, else 0.
  size_t RefDefinition(size_t i, size_t end) {
    size_t j = i + 1;
    while (j < end && j - i < 1000 && p_[j] != ']' && p_[j] != '\n') ++j;
    if (j + 2 >= end || p_[j] != ']' || p_[j + 1] != ':' || j == i + 1) return 0;
    if (p_[i + 1] == '^') return 0;  // footnote definition
    size_t k = j + 2;
    while (k < end && (p_[k] == ' ' || p_[k] == '\t')) ++k;
    size_t e = k;
    while (e < end && e - k < 2048 && p_[e] > ' ') ++e;
    if (e == k) return 0;
    std::string_view url = text_.substr(k, e - k);
    if (url.size() >= 2 && url.front() == '<' && url.back() == '>') url = url.substr(1, url.size() - 2);
    AddLink(url);
    return e;
  }

  std::string_view text_;
  const unsigned char* p_;
  bool markdown_;
  Document* doc_;
  bool image_ = false;
  size_t next_close_ = std::string_view::npos;
  size_t no_wiki_until_ = 0;
  std::array<size_t, 33> no_close_{};
  std::unordered_set<std::string> seen_links_, seen_tags_, seen_wiki_;
};

}  // namespace

void ExtractInline(std::string_view text, const std::vector<Span>& skip, bool markdown,
                   Document* doc) {
  InlineScanner scanner(text, markdown, doc);
  size_t pos = 0;
  for (const Span& s : skip) {
    if (s.begin > pos) scanner.Scan(pos, std::min<size_t>(s.begin, text.size()));
    pos = std::max<size_t>(pos, s.end);
  }
  if (pos < text.size()) scanner.Scan(pos, text.size());
}

}  // namespace kspace::text
