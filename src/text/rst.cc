#include "text/rst.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace kspace::text {
namespace {

using Lines = std::vector<std::string_view>;

constexpr int kMaxDepth = 8;

bool Blank(std::string_view l) {
  return l.find_first_not_of(" \t") == std::string_view::npos;
}
int IndentOf(std::string_view l) {
  int i = 0;
  while (static_cast<size_t>(i) < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
  return i;
}
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A line of one repeated punctuation character (RST adornment), at least `min` long.
bool Adornment(std::string_view l, size_t min, char* ch) {
  l = Trim(l);
  if (l.size() < min) return false;
  const char c = l[0];
  if (!std::strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) || c == '\0') return false;
  for (char x : l) {
    if (x != c) return false;
  }
  *ch = c;
  return true;
}

// Display width of a title (code points).
size_t Width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

// Finds `needle` in s[from, from + 2048): inline markup never spans further, and the bound keeps
// a long paragraph full of unmatched markers linear.
size_t FindNear(std::string_view s, std::string_view needle, size_t from) {
  if (from >= s.size()) return std::string_view::npos;
  const size_t r = s.substr(from, 2048).find(needle);
  return r == std::string_view::npos ? r : r + from;
}

// Converts RST inline markup.
std::string Inline(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  const size_t n = s.size();
  auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  while (i < n) {
    const char c = s[i];
    if (c == '\\' && i + 1 < n) {
      out.push_back(s[i + 1]);
      i += 2;
      continue;
    }
    if (c == '`' && i + 1 < n && s[i + 1] == '`') {  // ``literal``
      const size_t e = FindNear(s, "``", i + 2);
      if (e != std::string_view::npos) {
        out += '`';
        out += s.substr(i + 2, e - i - 2);
        out += '`';
        i = e + 2;
        continue;
      }
    }
    if (c == ':' && i + 1 < n && is_word(s[i + 1])) {  // :role:`text`
      size_t j = i + 1;
      while (j < n && j - i < 48 && (is_word(s[j]) || s[j] == '-' || s[j] == '_' || s[j] == '.' ||
                       (s[j] == ':' && j + 1 < n && s[j + 1] != '`'))) {
        ++j;
      }
      if (j + 1 < n && s[j] == ':' && s[j + 1] == '`') {
        const size_t e = FindNear(s, "`", j + 2);
        if (e != std::string_view::npos) {
          const std::string_view role = s.substr(i + 1, j - i - 1);
          std::string_view text = s.substr(j + 2, e - j - 2);
          const size_t lt = text.rfind('<');
          if (lt != std::string_view::npos && !text.empty() && text.back() == '>' && lt > 0) {
            text = Trim(text.substr(0, lt));
          }
          if (role == "code" || role == "literal" || role == "samp" || role == "file" ||
              role == "command" || role == "kbd") {
            out += '`';
            out += text;
            out += '`';
          } else {
            out += text;
          }
          i = e + 1;
          continue;
        }
      }
    }
    if (c == '`') {  // `text <url>`_, `ref`_, `interpreted`
      const size_t e = FindNear(s, "`", i + 1);
      if (e != std::string_view::npos) {
        std::string_view text = s.substr(i + 1, e - i - 1);
        size_t after = e + 1;
        bool ref = false;
        while (after < n && s[after] == '_' && after - e <= 2) {
          ref = true;
          ++after;
        }
        // trailing role form `text`:role:
        if (!ref && after < n && s[after] == ':') {
          size_t k = after + 1;
          while (k < n && k - after < 48 && (is_word(s[k]) || s[k] == '-')) ++k;
          if (k < n && s[k] == ':') after = k + 1;
        }
        const size_t lt = text.rfind('<');
        if (ref && lt != std::string_view::npos && !text.empty() && text.back() == '>') {
          std::string_view label = Trim(text.substr(0, lt));
          const std::string_view url = text.substr(lt + 1, text.size() - lt - 2);
          if (label.empty()) label = url;
          if (!url.empty() && url.back() != '_') {
            out += '[';
            out += label;
            out += "](";
            out += url;
            out += ')';
          } else {
            out += label;
          }
        } else {
          out += text;
        }
        i = after;
        continue;
      }
    }
    if (c == '|' && i + 1 < n && s[i + 1] != ' ') {  // |substitution|
      const size_t e = FindNear(s, "|", i + 1);
      if (e != std::string_view::npos && e > i + 1 && s[e - 1] != ' ' && e - i < 64) {
        out += s.substr(i + 1, e - i - 1);
        i = e + 1;
        while (i < n && s[i] == '_') ++i;
        continue;
      }
    }
    if (c == '[' && i + 1 < n) {  // footnote / citation references [1]_ [#]_
      const size_t e = FindNear(s, "]_", i + 1);
      if (e != std::string_view::npos && e - i < 32 && s.substr(i + 1, e - i - 1).find(' ') == std::string_view::npos) {
        out += s.substr(i, e - i + 1);
        i = e + 2;
        continue;
      }
    }
    if (c == '_' && i > 0 && is_word(s[i - 1]) && (i + 1 == n || !is_word(s[i + 1])) &&
        (i + 1 == n || s[i + 1] != '_')) {
      ++i;  // reference_ -> reference
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

bool BulletItem(std::string_view l, size_t* content) {
  const size_t i = static_cast<size_t>(IndentOf(l));
  if (i >= l.size()) return false;
  size_t mlen = 0;
  if (std::strchr("-*+", l[i]) && l[i] != '\0') {
    mlen = 1;
  } else if (StartsWith(l.substr(i), "\u2022") || StartsWith(l.substr(i), "\u2023") ||
             StartsWith(l.substr(i), "\u2043")) {
    mlen = 3;
  } else {
    return false;
  }
  if (i + mlen < l.size() && l[i + mlen] != ' ') return false;
  *content = std::min(l.size(), i + mlen + 1);
  return true;
}

bool EnumItem(std::string_view l, size_t* content, std::string* number) {
  size_t i = static_cast<size_t>(IndentOf(l));
  const size_t start = i;
  bool paren = false;
  if (i < l.size() && l[i] == '(') {
    paren = true;
    ++i;
  }
  size_t j = i;
  if (j < l.size() && l[j] == '#') {
    ++j;
  } else {
    while (j < l.size() && j - i < 9 && l[j] >= '0' && l[j] <= '9') ++j;
    if (j == i) {
      // single letter or short roman numeral
      while (j < l.size() && j - i < 5 &&
             std::strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", l[j]) && l[j] != '\0') {
        ++j;
      }
      if (j == i || (j - i > 1 && l.substr(i, j - i).find_first_not_of("ivxlcdmIVXLCDM") != std::string_view::npos)) {
        return false;
      }
    }
  }
  if (j >= l.size()) return false;
  if (paren ? l[j] != ')' : (l[j] != '.' && l[j] != ')')) return false;
  if (j + 1 < l.size() && l[j + 1] != ' ') return false;
  if (j + 1 >= l.size()) return false;
  *number = std::string(l.substr(i, j - i));
  (void)start;
  *content = j + 2 <= l.size() ? j + 2 : l.size();
  return true;
}

class Converter {
 public:
  Converter(std::string* out, nlohmann::json* docinfo) : out_(out), docinfo_(docinfo) {}

  void Run(const Lines& lines, int depth, bool top) {
    const size_t n = lines.size();
    size_t i = 0;
    bool seen_content = !top;
    while (i < n) {
      const std::string_view l = lines[i];
      if (Blank(l)) {
        ++i;
        continue;
      }
      const int ind = IndentOf(l);
      char ch = 0, ch2 = 0;
      // Docinfo field list at the top.
      if (!seen_content && ind == 0 && l.size() > 2 && l[0] == ':' && docinfo_) {
        const size_t e = l.find(": ", 1);
        const size_t e2 = l.size() > 1 && l.back() == ':' ? l.size() - 1 : std::string_view::npos;
        const size_t colon = e != std::string_view::npos ? e : e2;
        if (colon != std::string_view::npos && colon > 1) {
          std::string value(Trim(l.substr(std::min(l.size(), colon + 1))));
          size_t j = i + 1;
          while (j < n && !Blank(lines[j]) && IndentOf(lines[j]) > 0) {
            value += ' ';
            value += Trim(lines[j]);
            ++j;
          }
          std::string key(l.substr(1, colon - 1));
          for (char& c : key) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
          }
          (*docinfo_)[key] = Inline(value);
          i = j;
          continue;
        }
      }
      // Section title with overline.
      if (ind == 0 && Adornment(l, 2, &ch) && i + 2 < n && !Blank(lines[i + 1]) &&
          Adornment(lines[i + 2], 2, &ch2) && ch == ch2) {
        Heading(Trim(lines[i + 1]), ch, true);
        seen_content = true;
        i += 3;
        continue;
      }
      // Transition.
      if (ind == 0 && Adornment(l, 4, &ch) && (i + 1 >= n || Blank(lines[i + 1]))) {
        Para("---");
        i += 1;
        continue;
      }
      // Section title with underline only.
      if (ind == 0 && i + 1 < n && !Adornment(l, 1, &ch2) && Adornment(lines[i + 1], 1, &ch) &&
          Width(Trim(lines[i + 1])) >= std::min<size_t>(3, Width(Trim(l))) &&
          (i + 2 >= n || Blank(lines[i + 2]) || true)) {
        if (Width(Trim(lines[i + 1])) >= Width(Trim(l)) || Width(Trim(lines[i + 1])) >= 3) {
          Heading(Trim(l), ch, false);
          seen_content = true;
          i += 2;
          continue;
        }
      }
      seen_content = true;
      // Directives and comments.
      if (StartsWith(Trim(l), "..") && (Trim(l).size() == 2 || Trim(l)[2] == ' ')) {
        i = Directive(lines, i, depth);
        continue;
      }
      // Grid table.
      if (Trim(l).size() > 2 && Trim(l)[0] == '+' && (Trim(l)[1] == '-' || Trim(l)[1] == '=')) {
        i = GridTable(lines, i);
        continue;
      }
      // Simple table.
      if (Trim(l).size() > 2 && Trim(l)[0] == '=' && Trim(l).find(' ') != std::string_view::npos &&
          Trim(l).find_first_not_of("= ") == std::string_view::npos) {
        i = SimpleTable(lines, i);
        continue;
      }
      // Doctest.
      if (StartsWith(Trim(l), ">>>")) {
        size_t j = i;
        while (j < n && !Blank(lines[j])) ++j;
        Code(lines, i, j, "python", IndentOf(l));
        i = j;
        continue;
      }
      // Indented block: block quote.
      if (ind > 0) {
        size_t j = i;
        while (j < n && (Blank(lines[j]) || IndentOf(lines[j]) >= ind)) ++j;
        while (j > i && Blank(lines[j - 1])) --j;
        Quote(lines, i, j, ind, depth, "");
        i = j;
        continue;
      }
      // Lists.
      size_t content = 0;
      std::string number;
      const bool bullet = BulletItem(l, &content);
      if (bullet || EnumItem(l, &content, &number)) {
        i = ListItem(lines, i, content, bullet, number, depth);
        continue;
      }
      // Line block.
      if (StartsWith(l, "| ") || l == "|") {
        size_t j = i;
        std::string block;
        while (j < n && (StartsWith(lines[j], "| ") || lines[j] == "|")) {
          if (!block.empty()) block += '\n';
          block += Inline(Trim(lines[j].substr(1)));
          ++j;
        }
        Para(block);
        i = j;
        continue;
      }
      // Paragraph.
      size_t j = i;
      while (j < n && !Blank(lines[j]) && IndentOf(lines[j]) == 0 &&
             !(j > i && (Adornment(lines[j], 4, &ch)))) {
        ++j;
      }
      if (j == i) j = i + 1;
      std::string para;
      for (size_t k = i; k < j; ++k) {
        if (!para.empty()) para += '\n';
        para += Trim(lines[k]);
      }
      // Literal block marker.
      bool literal = false;
      std::string_view trimmed = Trim(para);
      if (trimmed.size() >= 2 && trimmed.substr(trimmed.size() - 2) == "::") {
        literal = true;
        std::string p(trimmed.substr(0, trimmed.size() - 2));
        while (!p.empty() && p.back() == ' ') p.pop_back();
        if (!p.empty() && trimmed.size() >= 3 && trimmed[trimmed.size() - 3] != ' ') p += ':';
        para = p;
      }
      if (!Trim(para).empty()) Para(Inline(para));
      i = j;
      if (literal) {
        size_t k = i;
        while (k < n && Blank(lines[k])) ++k;
        if (k < n && IndentOf(lines[k]) > 0) {
          const int lind = IndentOf(lines[k]);
          size_t e = k;
          while (e < n && (Blank(lines[e]) || IndentOf(lines[e]) >= lind)) ++e;
          while (e > k && Blank(lines[e - 1])) --e;
          Code(lines, k, e, "", lind);
          i = e;
        }
      }
    }
  }

 private:
  void Para(std::string_view text) {
    if (!out_->empty()) *out_ += "\n\n";
    *out_ += text;
  }

  void Heading(std::string_view title, char ch, bool over) {
    const int key = (over ? 256 : 0) + static_cast<unsigned char>(ch);
    auto it = std::find(styles_.begin(), styles_.end(), key);
    size_t level = static_cast<size_t>(it - styles_.begin());
    if (it == styles_.end()) styles_.push_back(key);
    level = std::min<size_t>(level + 1, 6);
    Para(std::string(level, '#') + " " + Inline(title));
  }

  void Code(const Lines& lines, size_t b, size_t e, std::string_view lang, int ind) {
    std::string body;
    bool ticks = false;
    for (size_t k = b; k < e; ++k) {
      std::string_view l = lines[k];
      l = l.size() >= static_cast<size_t>(ind) ? l.substr(static_cast<size_t>(ind)) : std::string_view();
      if (l.find("```") != std::string_view::npos) ticks = true;
      body += l;
      body += '\n';
    }
    const std::string fence = ticks ? "~~~~" : "```";
    Para(fence + std::string(lang) + "\n" + body + fence);
  }

  void Quote(const Lines& lines, size_t b, size_t e, int ind, int depth, std::string_view lead) {
    Lines inner;
    for (size_t k = b; k < e; ++k) {
      const std::string_view l = lines[k];
      inner.push_back(l.size() >= static_cast<size_t>(ind) ? l.substr(static_cast<size_t>(ind)) : std::string_view());
    }
    std::string sub;
    if (depth < kMaxDepth) {
      Converter c(&sub, nullptr);
      c.styles_ = styles_;
      c.Run(inner, depth + 1, false);
    } else {
      for (auto l : inner) {
        sub += l;
        sub += '\n';
      }
    }
    std::string quoted(lead);
    size_t pos = 0;
    while (pos <= sub.size()) {
      size_t le = sub.find('\n', pos);
      if (le == std::string::npos) le = sub.size();
      if (!quoted.empty()) quoted += '\n';
      quoted += le > pos ? "> " : ">";
      quoted += std::string_view(sub).substr(pos, le - pos);
      if (le == sub.size()) break;
      pos = le + 1;
    }
    Para(quoted);
  }

  size_t ListItem(const Lines& lines, size_t i, size_t content, bool bullet,
                  const std::string& number, int depth) {
    const size_t n = lines.size();
    const int ind = IndentOf(lines[i]);
    std::string item = bullet ? "- " : (number.find_first_not_of("0123456789") == std::string::npos
                                            ? number + ". "
                                            : std::to_string(++enum_counter_) + ". ");
    item.insert(0, static_cast<size_t>(ind), ' ');
    item += Inline(Trim(lines[i].substr(content)));
    size_t j = i + 1;
    const int cont = static_cast<int>(content);
    // Continuation lines: indented to the item's text, or lazy non-blank lines.
    while (j < n) {
      const std::string_view l = lines[j];
      if (Blank(l)) {
        size_t k = j + 1;
        while (k < n && Blank(lines[k])) ++k;
        if (k < n && IndentOf(lines[k]) >= cont && depth < kMaxDepth) {
          // nested content (e.g. a nested list) after a blank line
          size_t e = k;
          while (e < n && (Blank(lines[e]) || IndentOf(lines[e]) >= cont)) ++e;
          while (e > k && Blank(lines[e - 1])) --e;
          Lines inner;
          for (size_t m = k; m < e; ++m) {
            inner.push_back(lines[m].size() >= content ? lines[m].substr(content) : std::string_view());
          }
          std::string sub;
          Converter c(&sub, nullptr);
          c.styles_ = styles_;
          c.Run(inner, depth + 1, false);
          // indent the nested Markdown under the item
          std::string pad(static_cast<size_t>(ind) + 2, ' ');
          item += "\n";
          size_t pos = 0;
          while (pos <= sub.size()) {
            size_t le = sub.find('\n', pos);
            if (le == std::string::npos) le = sub.size();
            item += '\n';
            if (le > pos) item += pad + sub.substr(pos, le - pos);
            if (le == sub.size()) break;
            pos = le + 1;
          }
          j = e;
          continue;
        }
        break;
      }
      size_t c2 = 0;
      std::string num2;
      if (IndentOf(l) <= ind && (BulletItem(l, &c2) || EnumItem(l, &c2, &num2))) break;
      if (IndentOf(l) < cont && IndentOf(l) <= ind && j > i) break;
      if (IndentOf(l) >= cont && (BulletItem(l, &c2) || EnumItem(l, &c2, &num2))) {
        // nested list without a blank line
        item += '\n';
        item += std::string(static_cast<size_t>(ind) + 2, ' ');
        item += BulletItem(l, &c2) ? "- " : "1. ";
        item += Inline(Trim(l.substr(c2)));
        ++j;
        continue;
      }
      item += ' ';
      item += Inline(Trim(l));
      ++j;
    }
    // Consecutive items of one list stay tight (single newline).
    if (!out_->empty() && last_was_item_ && out_end_ == out_->size()) {
      *out_ += '\n';
      *out_ += item;
    } else {
      Para(item);
    }
    last_was_item_ = true;
    out_end_ = out_->size();
    return j;
  }

  size_t Directive(const Lines& lines, size_t i, int depth) {
    const size_t n = lines.size();
    const std::string_view l = Trim(lines[i]);
    const int ind = IndentOf(lines[i]);
    // Body: following lines indented more than the directive (and blank lines).
    size_t e = i + 1;
    while (e < n && (Blank(lines[e]) || IndentOf(lines[e]) > ind)) ++e;
    while (e > i + 1 && Blank(lines[e - 1])) --e;
    const std::string_view rest = Trim(l.substr(2));
    const size_t dc = rest.find("::");
    if (dc == std::string_view::npos || rest.empty() || rest[0] == '_' || rest[0] == '|') {
      if (!rest.empty() && rest[0] == '[') {  // footnote / citation: keep its text
        std::string text(rest);
        for (size_t k = i + 1; k < e; ++k) {
          if (!Blank(lines[k])) {
            text += ' ';
            text += Trim(lines[k]);
          }
        }
        Para(Inline(text));
      }
      return e;  // comment, target or substitution definition
    }
    std::string name(Trim(rest.substr(0, dc)));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    const std::string_view arg = Trim(rest.substr(dc + 2));
    // Skip directive options (":linenos:") at the start of the body.
    size_t b = i + 1;
    while (b < e && !Blank(lines[b]) && Trim(lines[b]).size() > 1 && Trim(lines[b])[0] == ':') ++b;
    while (b < e && Blank(lines[b])) ++b;
    int body_ind = ind + 3;
    for (size_t k = b; k < e; ++k) {
      if (!Blank(lines[k])) {
        body_ind = IndentOf(lines[k]);
        break;
      }
    }
    if (name == "code" || name == "code-block" || name == "sourcecode" || name == "highlight") {
      if (b < e) Code(lines, b, e, arg, body_ind);
      return e;
    }
    if (name == "image" || name == "figure" || name == "toctree" || name == "contents" ||
        name == "include" || name == "raw" || name == "meta" || name == "index" ||
        name == "literalinclude" || name == "only" || name == "sectnum" || name == "csv-table" ||
        name == "list-table" || name == "math" || name == "automodule" || name == "autoclass") {
      if (name == "math" && b < e) Code(lines, b, e, "math", body_ind);
      return e;
    }
    static constexpr std::string_view kAdmonitions[] = {
        "note", "warning", "tip", "important", "caution", "danger", "attention", "hint",
        "error", "admonition", "seealso", "topic", "sidebar", "versionadded", "versionchanged",
        "deprecated", "todo"};
    std::string lead;
    if (std::find(std::begin(kAdmonitions), std::end(kAdmonitions), name) != std::end(kAdmonitions)) {
      std::string label = name;
      label[0] = static_cast<char>(label[0] - 32);
      lead = "> **" + label + ":**";
      if (!arg.empty()) lead += " " + Inline(arg);
    } else if (!arg.empty()) {
      Para(Inline(arg));
    }
    if (b < e && depth < kMaxDepth) {
      Quote(lines, b, e, body_ind, depth, lead.empty() ? std::string_view() : std::string_view(lead));
    } else if (!lead.empty()) {
      Para(lead);
    }
    return e;
  }

  size_t GridTable(const Lines& lines, size_t i) {
    const size_t n = lines.size();
    size_t j = i;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> current;
    auto flush = [&] {
      if (!current.empty()) rows.push_back(std::move(current));
      current.clear();
    };
    while (j < n) {
      const std::string_view t = Trim(lines[j]);
      if (t.empty() || (t[0] != '+' && t[0] != '|')) break;
      if (t[0] == '+') {
        flush();
      } else {
        // split on '|'
        std::vector<std::string> cells;
        size_t p = 1;
        while (p < t.size()) {
          size_t q = t.find('|', p);
          if (q == std::string_view::npos) q = t.size();
          cells.emplace_back(Trim(t.substr(p, q - p)));
          p = q + 1;
        }
        if (current.empty()) {
          current = std::move(cells);
        } else {
          for (size_t k = 0; k < cells.size() && k < current.size(); ++k) {
            if (!cells[k].empty()) {
              if (!current[k].empty()) current[k] += ' ';
              current[k] += cells[k];
            }
          }
        }
      }
      ++j;
    }
    flush();
    std::string table;
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string row = "|";
      for (const auto& c : rows[r]) {
        std::string cell = Inline(c);
        std::string esc;
        for (char ch : cell) {
          if (ch == '|') esc += "\\|";
          else esc.push_back(ch);
        }
        row += " " + esc + " |";
      }
      if (!table.empty()) table += '\n';
      table += row;
      if (r == 0) {
        table += "\n|";
        for (size_t k = 0; k < rows[0].size(); ++k) table += " --- |";
      }
    }
    if (!table.empty()) Para(table);
    return j > i ? j : i + 1;
  }

  size_t SimpleTable(const Lines& lines, size_t i) {
    const size_t n = lines.size();
    size_t j = i + 1;
    int borders = 1;
    while (j < n) {
      const std::string_view t = Trim(lines[j]);
      const bool border = !t.empty() && t[0] == '=' && t.find_first_not_of("= ") == std::string_view::npos;
      if (border) {
        ++borders;
        ++j;
        if (borders >= 3 || j >= n || Blank(lines[j])) {
          if (borders >= 2 && (j >= n || Blank(lines[j]))) break;
        }
        continue;
      }
      if (t.empty() && borders >= 2) break;
      ++j;
    }
    Code(lines, i, j, "", 0);
    return j;
  }

  std::string* out_;
  nlohmann::json* docinfo_;
  std::vector<int> styles_;
  int enum_counter_ = 0;
  bool last_was_item_ = false;
  size_t out_end_ = 0;
};

}  // namespace

std::string RstToMarkdown(std::string_view rst, nlohmann::json* docinfo) {
  Lines lines;
  size_t pos = 0;
  while (pos < rst.size()) {
    const void* nl = std::memchr(rst.data() + pos, '\n', rst.size() - pos);
    const size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - rst.data()) : rst.size();
    lines.push_back(rst.substr(pos, e - pos));
    pos = e + 1;
  }
  std::string out;
  out.reserve(rst.size());
  Converter c(&out, docinfo);
  c.Run(lines, 0, true);
  return out;
}

}  // namespace kspace::text
