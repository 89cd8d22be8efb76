#include "text/format.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace kspace::text {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool IsAdornmentLine(std::string_view line) {
  line = Trim(line);
  if (line.size() < 3) return false;
  const char c = line[0];
  if (!std::ispunct(static_cast<unsigned char>(c))) return false;
  return std::all_of(line.begin(), line.end(), [c](char x) { return x == c; });
}

// Returns a score for each of Markdown and RST from line-level cues.
Format Sniff(std::string_view text, bool* decided) {
  *decided = true;
  const std::string head = Lower(text.substr(0, 1024));
  const std::string_view h = Trim(head);
  if (StartsWith(h, "<!doctype html") || StartsWith(h, "<html") || StartsWith(h, "<?xml") ||
      head.find("<html") != std::string::npos || head.find("<body") != std::string::npos ||
      head.find("<head>") != std::string::npos) {
    return Format::kHtml;
  }
  text = text.substr(0, 64 * 1024);
  int md = 0, rst = 0;
  if (StartsWith(text, "---\n")) md += 3;
  std::string_view prev;
  size_t pos = 0;
  int lines = 0;
  while (pos < text.size() && lines < 2000) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    std::string_view line = text.substr(pos, e - pos);
    pos = e + 1;
    ++lines;
    if (StartsWith(line, "# ") || StartsWith(line, "## ") || StartsWith(line, "### ")) md += 2;
    if (StartsWith(line, "```") || StartsWith(line, "~~~")) md += 2;
    if (line.find("](") != std::string_view::npos || line.find("[[") != std::string_view::npos) {
      md += 1;
    }
    if (StartsWith(line, "- [ ] ") || StartsWith(line, "- [x] ")) md += 1;
    if (StartsWith(line, ".. ") && line.find("::") != std::string_view::npos) rst += 3;
    if (StartsWith(line, ".. _")) rst += 2;
    if (line.find("`_") != std::string_view::npos || line.find(":ref:`") != std::string_view::npos) {
      rst += 1;
    }
    if (IsAdornmentLine(line) && !Trim(prev).empty() && !IsAdornmentLine(prev)) {
      // "Title\n=====" is a setext heading in Markdown too, but only = and - work there.
      if (line[0] == '=' || line[0] == '-') {
        rst += 1;
        md += 1;
      } else {
        rst += 3;
      }
    }
    prev = line;
  }
  if (rst > md && rst >= 3) return Format::kRst;
  if (md > 0) return Format::kMarkdown;
  *decided = false;
  return Format::kPlainText;
}

}  // namespace

const char* FormatName(Format format) {
  switch (format) {
    case Format::kMarkdown: return "markdown";
    case Format::kPlainText: return "text";
    case Format::kHtml: return "html";
    case Format::kRst: return "rst";
  }
  return "text";
}

Format DetectFormat(std::string_view mime_type, std::string_view path, std::string_view text) {
  std::string mime = Lower(Trim(mime_type.substr(0, mime_type.find(';'))));
  if (mime == "text/markdown" || mime == "text/x-markdown") return Format::kMarkdown;
  if (mime == "text/html" || mime == "application/xhtml+xml") return Format::kHtml;
  if (mime == "text/x-rst" || mime == "text/prs.fallenstein.rst") return Format::kRst;

  const size_t slash = path.find_last_of("/\\");
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = name.find_last_of('.');
  if (dot != std::string_view::npos && dot > 0) {
    const std::string ext = Lower(name.substr(dot + 1));
    if (ext == "md" || ext == "markdown" || ext == "mdown" || ext == "mkd" || ext == "mkdn" ||
        ext == "mdx") {
      return Format::kMarkdown;
    }
    if (ext == "html" || ext == "htm" || ext == "xhtml") return Format::kHtml;
    if (ext == "rst" || ext == "rest") return Format::kRst;
    if (ext == "txt" || ext == "text") return Format::kPlainText;
  }
  bool decided = false;
  const Format sniffed = Sniff(text, &decided);
  if (decided) return sniffed;
  return mime == "text/plain" ? Format::kPlainText : Format::kMarkdown;
}

}  // namespace kspace::text
