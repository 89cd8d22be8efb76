// Format: which parser a document goes through.
#pragma once

#include <string_view>

namespace kspace::text {

enum class Format { kMarkdown, kPlainText, kHtml, kRst };

// "markdown", "text", "html", "rst".
const char* FormatName(Format format);

// Decides the format of a document, most reliable evidence first:
//   1. the MIME type (parameters such as "; charset=utf-8" ignored, case-insensitive):
//      text/markdown, text/x-markdown -> Markdown; text/html, application/xhtml+xml -> HTML;
//      text/x-rst, text/prs.fallenstein.rst -> RST. Generic types ("", text/plain,
//      application/octet-stream) say nothing and fall through, because browsers report .md
//      files as "" or text/plain on many systems;
//   2. the extension of `path`: .md .markdown .mdown .mkd .mkdn .mdx -> Markdown,
//      .html .htm .xhtml -> HTML, .rst .rest -> RST, .txt .text -> plain text;
//   3. sniffing the first 64 KiB of `text`: a doctype or <html>/<body>/<head> tag -> HTML;
//      RST section adornments or directives (".. name::") -> RST; Markdown headings, fences,
//      links, lists or front matter -> Markdown;
//   4. then text/plain if the MIME type said so, else Markdown (plain prose is valid Markdown,
//      and notes dropped without a type are most often Markdown).
Format DetectFormat(std::string_view mime_type, std::string_view path, std::string_view text);

}  // namespace kspace::text
