#include "text/html.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "text/utf8.h"

namespace kspace::text {
namespace {

struct NamedEntity {
  const char* name;
  char32_t cp;
};

// Latin-1 names for U+00A0..U+00FF, in code point order.
constexpr const char* kLatin1Names[96] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",
    "uml",    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",
    "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",  "para",   "middot",
    "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil",
    "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave", "Iacute", "Icirc",  "Iuml",
    "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",   "times",
    "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",
    "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",
    "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
    "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};

// Greek letter names, U+0391.. and U+03B1.. (index 17 is final sigma / unassigned).
constexpr const char* kGreekUpper[25] = {
    "Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota",
    "Kappa", "Lambda", "Mu", "Nu", "Xi", "Omicron", "Pi", "Rho", nullptr, "Sigma",
    "Tau", "Upsilon", "Phi", "Chi", "Psi", "Omega"};
constexpr const char* kGreekLower[25] = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigmaf", "sigma",
    "tau", "upsilon", "phi", "chi", "psi", "omega"};

constexpr NamedEntity kOther[] = {
    {"amp", '&'},        {"lt", '<'},         {"gt", '>'},         {"quot", '"'},
    {"apos", '\''},      {"OElig", 0x152},    {"oelig", 0x153},    {"Scaron", 0x160},
    {"scaron", 0x161},   {"Yuml", 0x178},     {"fnof", 0x192},     {"circ", 0x2C6},
    {"tilde", 0x2DC},    {"thetasym", 0x3D1}, {"upsih", 0x3D2},    {"piv", 0x3D6},
    {"ensp", 0x2002},    {"emsp", 0x2003},    {"thinsp", 0x2009},  {"zwnj", 0x200C},
    {"zwj", 0x200D},     {"lrm", 0x200E},     {"rlm", 0x200F},     {"ndash", 0x2013},
    {"mdash", 0x2014},   {"lsquo", 0x2018},   {"rsquo", 0x2019},   {"sbquo", 0x201A},
    {"ldquo", 0x201C},   {"rdquo", 0x201D},   {"bdquo", 0x201E},   {"dagger", 0x2020},
    {"Dagger", 0x2021},  {"bull", 0x2022},    {"hellip", 0x2026},  {"permil", 0x2030},
    {"prime", 0x2032},   {"Prime", 0x2033},   {"lsaquo", 0x2039},  {"rsaquo", 0x203A},
    {"oline", 0x203E},   {"frasl", 0x2044},   {"euro", 0x20AC},    {"image", 0x2111},
    {"weierp", 0x2118},  {"real", 0x211C},    {"trade", 0x2122},   {"alefsym", 0x2135},
    {"larr", 0x2190},    {"uarr", 0x2191},    {"rarr", 0x2192},    {"darr", 0x2193},
    {"harr", 0x2194},    {"crarr", 0x21B5},   {"lArr", 0x21D0},    {"uArr", 0x21D1},
    {"rArr", 0x21D2},    {"dArr", 0x21D3},    {"hArr", 0x21D4},    {"forall", 0x2200},
    {"part", 0x2202},    {"exist", 0x2203},   {"empty", 0x2205},   {"nabla", 0x2207},
    {"isin", 0x2208},    {"notin", 0x2209},   {"ni", 0x220B},      {"prod", 0x220F},
    {"sum", 0x2211},     {"minus", 0x2212},   {"lowast", 0x2217},  {"radic", 0x221A},
    {"prop", 0x221D},    {"infin", 0x221E},   {"ang", 0x2220},     {"and", 0x2227},
    {"or", 0x2228},      {"cap", 0x2229},     {"cup", 0x222A},     {"int", 0x222B},
    {"there4", 0x2234},  {"sim", 0x223C},     {"cong", 0x2245},    {"asymp", 0x2248},
    {"ne", 0x2260},      {"equiv", 0x2261},   {"le", 0x2264},      {"ge", 0x2265},
    {"sub", 0x2282},     {"sup", 0x2283},     {"nsub", 0x2284},    {"sube", 0x2286},
    {"supe", 0x2287},    {"oplus", 0x2295},   {"otimes", 0x2297},  {"perp", 0x22A5},
    {"sdot", 0x22C5},    {"lceil", 0x2308},   {"rceil", 0x2309},   {"lfloor", 0x230A},
    {"rfloor", 0x230B},  {"lang", 0x2329},    {"rang", 0x232A},    {"loz", 0x25CA},
    {"spades", 0x2660},  {"clubs", 0x2663},   {"hearts", 0x2665},  {"diams", 0x2666},
};

// HTML5: numeric references to 0x80..0x9F mean Windows-1252.
constexpr char32_t kCp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

char32_t LookupEntity(std::string_view name) {
  for (int i = 0; i < 96; ++i) {
    if (name == kLatin1Names[i]) return static_cast<char32_t>(0xA0 + i);
  }
  for (int i = 0; i < 25; ++i) {
    if (kGreekUpper[i] && name == kGreekUpper[i]) return static_cast<char32_t>(0x391 + i);
    if (name == kGreekLower[i]) return static_cast<char32_t>(0x3B1 + i);
  }
  for (const auto& e : kOther) {
    if (name == e.name) return e.cp;
  }
  return 0;
}

inline bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
inline bool IsHtmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f'; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// Case-insensitive search for `needle` (lower-case) from `pos`.
size_t IFind(std::string_view hay, std::string_view needle, size_t pos) {
  if (needle.empty()) return pos;
  const char first = needle[0];
  while (pos + needle.size() <= hay.size()) {
    const char* hit = static_cast<const char*>(
        std::memchr(hay.data() + pos, '<', hay.size() - pos));
    if (first != '<') {
      // generic slow path (only used with needles starting with '<')
      hit = hay.data() + pos;
    }
    if (!hit) return std::string_view::npos;
    pos = static_cast<size_t>(hit - hay.data());
    if (pos + needle.size() > hay.size()) return std::string_view::npos;
    bool eq = true;
    for (size_t k = 0; k < needle.size() && eq; ++k) {
      char c = hay[pos + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      eq = c == needle[k];
    }
    if (eq) return pos;
    ++pos;
  }
  return std::string_view::npos;
}

struct Tag {
  std::string name;  // lower-case
  bool end = false;
  bool self_closing = false;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string Attr(std::string_view key) const {
    for (const auto& [k, v] : attrs) {
      if (k == key) return v;
    }
    return {};
  }
};

bool InList(std::string_view name, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

class Converter {
 public:
  explicit Converter(std::string_view in) : in_(in) { out_.reserve(in.size()); }

  HtmlConversion Run() {
    size_t pos = 0;
    const size_t n = in_.size();
    while (pos < n) {
      const void* lt = std::memchr(in_.data() + pos, '<', n - pos);
      const size_t next = lt ? static_cast<size_t>(static_cast<const char*>(lt) - in_.data()) : n;
      if (next > pos) Text(in_.substr(pos, next - pos), true);
      if (next >= n) break;
      pos = Markup(next);
    }
    while (!links_.empty()) CloseLink();
    EndRow();
    // Trim trailing whitespace and bare quote prefixes.
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\n')) out_.pop_back();
    HtmlConversion result;
    result.markdown = std::move(out_);
    result.title = std::move(title_);
    result.meta = std::move(meta_);
    if (result.title.empty()) result.title = std::move(first_h1_);
    return result;
  }

 private:
  // ---- output primitives --------------------------------------------------------------------

  std::string Prefix() const {
    std::string p;
    for (int i = 0; i < quote_; ++i) p += "> ";
    return p;
  }
  void Reprefix() {
    if (line_start_) {
      out_.resize(line_begin_);
      out_ += Prefix();
    }
  }
  void TrimSpaces() {
    while (!out_.empty() && out_.size() > line_begin_ && out_.back() == ' ') out_.pop_back();
  }
  void BreakLine() {
    space_ = false;
    if (out_.empty()) return;
    if (line_start_) {
      Reprefix();
      return;
    }
    TrimSpaces();
    out_ += '\n';
    line_begin_ = out_.size();
    out_ += Prefix();
    line_start_ = true;
  }
  void BreakPara() {
    space_ = false;
    if (out_.empty()) return;
    if (para_start_) {
      Reprefix();
      return;
    }
    if (line_start_) {
      out_.resize(line_begin_);
    } else {
      TrimSpaces();
      out_ += '\n';
    }
    for (int i = 0; i < quote_; ++i) out_ += '>';
    out_ += '\n';
    line_begin_ = out_.size();
    out_ += Prefix();
    line_start_ = para_start_ = true;
  }
  void Content() {
    if (line_start_) Reprefix();
    line_start_ = para_start_ = false;
  }
  void Raw(std::string_view s) {
    Content();
    out_ += s;
  }

  // Text between tags: entities decoded; whitespace collapsed unless in <pre>.
  void Text(std::string_view s, bool decode) {
    if (skip_text_ > 0 || in_head_) {
      if (in_title_) {
        for (char c : s) title_.push_back(IsHtmlSpace(c) ? ' ' : c);
      }
      return;
    }
    if (table_ > 0 && !in_cell_) return;  // stray text between table tags
    std::string tmp;
    if (decode && s.find('&') != std::string_view::npos) {
      tmp.reserve(s.size());
      for (size_t i = 0; i < s.size();) {
        if (s[i] == '&') {
          const size_t used = DecodeEntity(s.substr(i), &tmp);
          if (used) {
            i += used;
            continue;
          }
        }
        tmp.push_back(s[i++]);
      }
      s = tmp;
    }
    if (pre_ > 0) {
      for (char c : s) {
        if (c == '\n') {
          out_ += '\n';
          line_begin_ = out_.size();
          out_ += Prefix();
        } else {
          out_.push_back(c);
        }
      }
      line_start_ = para_start_ = false;
      return;
    }
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (IsHtmlSpace(c) || c == '\r') {
        space_ = true;
        continue;
      }
      // U+00A0 (from &nbsp;) is a space too
      if (static_cast<unsigned char>(c) == 0xC2 && i + 1 < s.size() &&
          static_cast<unsigned char>(s[i + 1]) == 0xA0) {
        space_ = true;
        ++i;
        continue;
      }
      if (space_ && !line_start_) out_.push_back(' ');
      space_ = false;
      Content();
      out_.push_back(c);
    }
  }

  // ---- markup -------------------------------------------------------------------------------

  // Handles markup at in_[pos] == '<'; returns the position after it.
  size_t Markup(size_t pos) {
    const size_t n = in_.size();
    std::string_view rest = in_.substr(pos);
    if (rest.substr(0, 4) == "<!--") {
      const size_t e = in_.find("-->", pos + 4);
      return e == std::string_view::npos ? n : e + 3;
    }
    if (rest.substr(0, 9) == "<![CDATA[") {
      const size_t e = in_.find("]]>", pos + 9);
      const size_t stop = e == std::string_view::npos ? n : e;
      Text(in_.substr(pos + 9, stop - pos - 9), false);
      return e == std::string_view::npos ? n : e + 3;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      const size_t e = in_.find('>', pos);
      return e == std::string_view::npos ? n : e + 1;
    }
    const bool end = rest.size() >= 2 && rest[1] == '/';
    const size_t name_at = pos + (end ? 2 : 1);
    if (name_at >= n || !IsAlpha(in_[name_at])) {
      Text("<", false);
      return pos + 1;
    }
    Tag tag;
    tag.end = end;
    size_t i = name_at;
    while (i < n && (IsAlnum(in_[i]) || in_[i] == '-' || in_[i] == ':')) ++i;
    tag.name = LowerAscii(in_.substr(name_at, i - name_at));
    // Attributes.
    while (i < n && in_[i] != '>') {
      if (IsHtmlSpace(in_[i]) || in_[i] == '\r') {
        ++i;
        continue;
      }
      if (in_[i] == '/') {
        tag.self_closing = true;
        ++i;
        continue;
      }
      tag.self_closing = false;
      const size_t k0 = i;
      while (i < n && !IsHtmlSpace(in_[i]) && in_[i] != '=' && in_[i] != '>' && in_[i] != '/') ++i;
      if (i == k0) {
        ++i;
        continue;
      }
      std::string key = LowerAscii(in_.substr(k0, i - k0));
      std::string value;
      while (i < n && IsHtmlSpace(in_[i])) ++i;
      if (i < n && in_[i] == '=') {
        ++i;
        while (i < n && IsHtmlSpace(in_[i])) ++i;
        if (i < n && (in_[i] == '"' || in_[i] == '\'')) {
          const char q = in_[i++];
          const size_t v0 = i;
          while (i < n && in_[i] != q) ++i;
          value = DecodeAll(in_.substr(v0, i - v0));
          if (i < n) ++i;
        } else {
          const size_t v0 = i;
          while (i < n && !IsHtmlSpace(in_[i]) && in_[i] != '>') ++i;
          value = DecodeAll(in_.substr(v0, i - v0));
        }
      }
      if (tag.attrs.size() < 32) tag.attrs.emplace_back(std::move(key), std::move(value));
    }
    const size_t after = i < n ? i + 1 : n;
    return Handle(tag, after);
  }

  static std::string DecodeAll(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      if (s[i] == '&') {
        const size_t used = DecodeEntity(s.substr(i), &out);
        if (used) {
          i += used;
          continue;
        }
      }
      out.push_back(s[i++]);
    }
    return out;
  }

  size_t Handle(const Tag& t, size_t after) {
    const std::string& name = t.name;
    if (!t.end && InList(name, {"script", "style", "noscript", "template", "svg", "math",
                                "iframe", "object", "textarea", "select", "canvas", "audio",
                                "video"})) {
      if (t.self_closing) return after;
      const size_t e = IFind(in_, "</" + name, after);
      if (e == std::string_view::npos) return in_.size();
      const size_t gt = in_.find('>', e);
      return gt == std::string_view::npos ? in_.size() : gt + 1;
    }
    if (name == "head") {
      in_head_ = !t.end;
      return after;
    }
    if (name == "body" || name == "html") {
      in_head_ = false;
      return after;
    }
    if (name == "title") {
      in_title_ = !t.end;
      if (!t.end) {
        head_open_before_title_ = in_head_;
        in_head_ = true;  // capture only
        title_.clear();
      } else {
        in_head_ = head_open_before_title_;
        std::string collapsed;
        for (char c : title_) {
          if (c == ' ' && (collapsed.empty() || collapsed.back() == ' ')) continue;
          collapsed.push_back(c);
        }
        while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
        title_ = DecodeAll(collapsed);
      }
      return after;
    }
    if (name == "meta") {
      const std::string key = LowerAscii(t.Attr("name"));
      if (key == "description" || key == "keywords" || key == "author") {
        meta_[key] = t.Attr("content");
      }
      return after;
    }
    if (in_head_) {
      // A body element ends an unclosed <head>, as in HTML parsing.
      if (InList(name, {"link", "base", "style", "script", "noscript", "template"})) return after;
      in_head_ = false;
    }

    const bool in_cell = table_ > 0 && in_cell_;
    // Headings.
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      if (in_cell) return after;
      if (!t.end) {
        BreakPara();
        Content();
        heading_start_ = out_.size();
        out_.append(static_cast<size_t>(name[1] - '0'), '#');
        out_ += ' ';
        heading_ = name[1] - '0';
        heading_text_ = out_.size();
      } else if (heading_ > 0) {
        std::string text = out_.substr(heading_text_);
        while (!text.empty() && text.back() == ' ') text.pop_back();
        if (text.empty()) out_.resize(heading_start_);
        if (heading_ == 1 && first_h1_.empty()) first_h1_ = text;
        heading_ = 0;
        BreakPara();
      }
      return after;
    }
    if (name == "br") {
      if (pre_ > 0) {
        Text("\n", false);
      } else if (heading_ > 0 || in_cell) {
        space_ = true;
      } else {
        BreakLine();
      }
      return after;
    }
    if (name == "hr") {
      if (in_cell || heading_ > 0) return after;
      BreakPara();
      Raw("---");
      BreakPara();
      return after;
    }
    if (name == "pre") {
      if (in_cell) return after;
      if (!t.end) {
        BreakPara();
        // A fence longer than any backtick run in the content.
        // Cached: many unclosed <pre> must not rescan the rest of the input each time.
        if (!pre_close_known_ || (pre_close_ != std::string_view::npos && pre_close_ < after)) {
          pre_close_ = IFind(in_, "</pre", after);
          pre_close_known_ = true;
        }
        const size_t e = pre_close_;
        const std::string_view body = in_.substr(after, e == std::string_view::npos ? std::string_view::npos : e - after);
        fence_ = body.find("```") != std::string_view::npos ? "~~~~" : "```";
        std::string lang = Language(t.Attr("class"));
        if (lang.empty()) {
          // <pre><code class="language-x">
          size_t k = after;
          while (k < in_.size() && IsHtmlSpace(in_[k])) ++k;
          if (in_.substr(k, 5) == "<code") {
            const size_t gt = in_.find('>', k);
            if (gt != std::string_view::npos) {
              const std::string_view attrs = in_.substr(k, gt - k);
              const size_t c = attrs.find("class=");
              if (c != std::string_view::npos && c + 7 < attrs.size()) {
                const char q = attrs[c + 6];
                const size_t ce = attrs.find(q, c + 7);
                if ((q == '"' || q == '\'') && ce != std::string_view::npos) {
                  lang = Language(attrs.substr(c + 7, ce - c - 7));
                }
              }
            }
          }
        }
        Raw(fence_ + lang);
        out_ += '\n';
        line_begin_ = out_.size();
        out_ += Prefix();
        ++pre_;
        // HTML ignores one newline right after <pre>.
        if (after < in_.size() && in_[after] == '\n') return after + 1;
      } else if (pre_ > 0) {
        --pre_;
        if (out_.size() > line_begin_ + Prefix().size()) {
          out_ += '\n';
          line_begin_ = out_.size();
          out_ += Prefix();
        }
        out_ += fence_;
        line_start_ = para_start_ = false;
        BreakPara();
      }
      return after;
    }
    if (pre_ > 0) return after;  // other markup inside <pre> is ignored
    if (name == "code") {
      Content();
      if (space_ && !t.end) out_ += ' ';
      space_ = false;
      out_ += '`';
      return after;
    }
    if (name == "a") {
      if (!t.end) {
        if (space_ && !line_start_) out_ += ' ';
        space_ = false;
        Content();
        // Nested or unclosed anchors: only a few are tracked (closing each copies its text).
        if (links_.size() < 8) links_.push_back({t.Attr("href"), out_.size()});
      } else if (!links_.empty()) {
        CloseLink();
      }
      return after;
    }
    // Tables.
    if (name == "table") {
      if (!t.end) {
        if (table_++ == 0) {
          BreakPara();
          rows_ = 0;
        }
      } else if (table_ > 0) {
        if (table_ == 1) {
          EndRow();
          table_ = 0;
          BreakPara();
        } else {
          --table_;
        }
      }
      return after;
    }
    if (table_ == 1 && (name == "tr" || name == "td" || name == "th")) {
      if (name == "tr") {
        EndRow();
      } else if (!t.end) {
        EndCell();
        in_cell_ = true;
        Content();
        cell_at_ = out_.size();
      } else {
        EndCell();
      }
      return after;
    }
    if (in_cell) {
      if (InList(name, {"p", "div", "li", "ul", "ol", "tr", "td", "th"})) space_ = true;
      return after;
    }
    // Lists.
    if (name == "ul" || name == "ol") {
      if (!t.end) {
        BreakLine();
        if (lists_.empty()) BreakPara();
        long start = 1;
        if (name == "ol") {
          const std::string s = t.Attr("start");
          if (!s.empty()) start = std::max(0L, std::min(999999999L, std::strtol(s.c_str(), nullptr, 10)));
        }
        lists_.push_back({name == "ol", start});
      } else if (!lists_.empty()) {
        lists_.pop_back();
        if (lists_.empty()) {
          BreakPara();
        } else {
          BreakLine();
        }
      }
      return after;
    }
    if (name == "li") {
      if (!t.end) {
        BreakLine();
        Content();
        const size_t depth = lists_.empty() ? 0 : lists_.size() - 1;
        out_.append(depth * 2, ' ');
        if (!lists_.empty() && lists_.back().ordered) {
          out_ += std::to_string(lists_.back().next++) + ". ";
        } else {
          out_ += "- ";
        }
      } else {
        BreakLine();
      }
      return after;
    }
    if (name == "blockquote") {
      if (heading_ > 0) return after;
      BreakPara();
      quote_ = t.end ? std::max(0, quote_ - 1) : std::min(quote_ + 1, 8);
      if (t.end) {
        // leave the quote: the paragraph break written above carried its prefix
        if (line_start_) {
          out_.resize(line_begin_);
          if (quote_ == 0 && !out_.empty()) {
            // replace the ">"-only separator line by a blank line
            size_t k = out_.size();
            while (k > 0 && out_[k - 1] == '\n') --k;
            size_t ls = out_.rfind('\n', k == 0 ? 0 : k - 1);
            ls = ls == std::string::npos ? 0 : ls + 1;
            if (k > ls && out_.find_first_not_of('>', ls) >= k) {
              out_.resize(ls);
              while (!out_.empty() && out_.back() == '\n') out_.pop_back();
              out_ += "\n\n";
            }
          }
          line_begin_ = out_.size();
          out_ += Prefix();
        }
      }
      return after;
    }
    if (InList(name, {"p", "div", "section", "article", "header", "footer", "main", "nav",
                      "aside", "figure", "figcaption", "address", "details", "summary", "form",
                      "fieldset", "dl", "dt", "dd", "center", "caption", "hgroup", "legend",
                      "body", "noframes", "menu"})) {
      if (heading_ > 0) {
        space_ = true;
      } else if (!lists_.empty()) {
        BreakLine();
      } else {
        BreakPara();
      }
      return after;
    }
    return after;  // inline or unknown tags: ignored, their text kept
  }

  static std::string Language(std::string_view cls) {
    size_t p = cls.find("language-");
    size_t skip = 9;
    if (p == std::string_view::npos) {
      p = cls.find("lang-");
      skip = 5;
    }
    if (p == std::string_view::npos) return {};
    size_t e = p + skip;
    while (e < cls.size() && (IsAlnum(cls[e]) || cls[e] == '-' || cls[e] == '+' || cls[e] == '_')) ++e;
    return std::string(cls.substr(p + skip, e - p - skip));
  }

  void CloseLink() {
    const LinkFrame f = links_.back();
    links_.pop_back();
    if (f.pos > out_.size()) return;
    std::string text = out_.substr(f.pos);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    const std::string& href = f.href;
    const bool usable = !href.empty() && href[0] != '#' &&
                        LowerAscii(href.substr(0, 11)) != "javascript:";
    if (!usable || text.empty() || text.find('\n') != std::string::npos) return;
    std::string url;
    for (char c : href) {
      if (c == ' ') url += "%20";
      else if (c == '(') url += "%28";
      else if (c == ')') url += "%29";
      else if (c == '\n' || c == '\t' || c == '\r') continue;
      else url.push_back(c);
    }
    out_.resize(f.pos);
    out_ += '[';
    out_ += text;
    out_ += "](";
    out_ += url;
    out_ += ')';
  }

  void EndCell() {
    if (!in_cell_) return;
    in_cell_ = false;
    std::string raw = out_.substr(cell_at_);
    out_.resize(cell_at_);
    std::string cell;
    for (char c : raw) {
      if (c == '\n' || c == ' ') {
        if (!cell.empty() && cell.back() != ' ') cell.push_back(' ');
      } else if (c == '|') {
        cell += "\\|";
      } else {
        cell.push_back(c);
      }
    }
    while (!cell.empty() && cell.back() == ' ') cell.pop_back();
    cells_.push_back(std::move(cell));
    space_ = false;
  }

  void EndRow() {
    EndCell();
    if (cells_.empty()) return;
    BreakLine();
    std::string row = "|";
    for (const auto& c : cells_) row += " " + c + " |";
    Raw(row);
    if (rows_++ == 0) {
      BreakLine();
      std::string delim = "|";
      for (size_t k = 0; k < cells_.size(); ++k) delim += " --- |";
      Raw(delim);
    }
    cells_.clear();
  }

  struct ListFrame {
    bool ordered;
    long next;
  };
  struct LinkFrame {
    std::string href;
    size_t pos;
  };

  std::string_view in_;
  std::string out_;
  size_t line_begin_ = 0;
  bool line_start_ = true, para_start_ = true, space_ = false;
  int quote_ = 0, pre_ = 0, heading_ = 0, table_ = 0, skip_text_ = 0;
  size_t heading_start_ = 0, heading_text_ = 0;
  bool in_head_ = false, in_title_ = false, head_open_before_title_ = false;
  bool in_cell_ = false;
  size_t cell_at_ = 0;
  int rows_ = 0;
  std::vector<std::string> cells_;
  std::vector<ListFrame> lists_;
  std::vector<LinkFrame> links_;
  std::string fence_ = "```";
  size_t pre_close_ = 0;
  bool pre_close_known_ = false;
  std::string title_, first_h1_;
  nlohmann::json meta_ = nlohmann::json::object();
};

}  // namespace

size_t DecodeEntity(std::string_view s, std::string* out) {
  if (s.size() < 3 || s[0] != '&') return 0;
  if (s[1] == '#') {
    size_t i = 2;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const size_t d0 = i;
    uint64_t v = 0;
    while (i < s.size() && i - d0 < 10) {
      const char c = s[i];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else break;
      v = v * (hex ? 16 : 10) + static_cast<uint64_t>(d);
      ++i;
    }
    if (i == d0) return 0;
    if (i < s.size() && s[i] == ';') ++i;
    char32_t cp;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      cp = kReplacementChar;
    } else if (v >= 0x80 && v <= 0x9F) {
      cp = kCp1252[v - 0x80];
    } else if (v < 0x20 && v != '\n' && v != '\t') {
      cp = ' ';
    } else {
      cp = static_cast<char32_t>(v);
    }
    AppendUtf8(out, cp == 0xA0 ? U' ' : cp);
    return i;
  }
  size_t i = 1;
  while (i < s.size() && i < 12 && IsAlnum(s[i])) ++i;
  if (i == 1) return 0;
  const std::string_view name = s.substr(1, i - 1);
  const bool semi = i < s.size() && s[i] == ';';
  const char32_t cp = LookupEntity(name);
  if (cp == 0) return 0;
  // Without ';' only the legacy few are recognised (HTML5 keeps them for old pages).
  if (!semi && !InList(name, {"amp", "lt", "gt", "quot", "nbsp", "copy", "reg"})) return 0;
  AppendUtf8(out, cp == 0xA0 ? U' ' : cp);
  return semi ? i + 1 : i;
}

HtmlConversion HtmlToMarkdown(std::string_view html) {
  Converter c(html);
  return c.Run();
}

}  // namespace kspace::text
