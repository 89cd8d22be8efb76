// HTML -> Markdown-ish text, so that HTML documents go through the same chunker as notes.
//
// One linear pass with a forgiving tokenizer (unclosed and misnested tags are fine):
//   * dropped with their content: <script>, <style>, <head> (except <title> and <meta>),
//     <noscript>, <template>, <svg>, <math>, <iframe>, <object>, comments, doctype, CDATA;
//   * <h1>..<h6> -> "#".."######" headings; <p>, <div>, <section>, <article>, ... -> paragraphs;
//     <br> -> line break; <hr> -> "---"; <blockquote> -> "> " lines;
//   * <ul>/<ol>/<li> -> "- " / "1. " items, nested lists indented;
//   * <pre> -> fenced code (language from class="language-x"/"lang-x"), text kept verbatim;
//     <code> -> `code`;
//   * <a href> -> [text](url) (the URL is recorded as a link by the Markdown pass); images
//     are dropped;
//   * <table> -> pipe rows with a delimiter row after the first row ("|" in cells escaped);
//   * entities: the HTML 4 named set (Latin-1, Greek, math, arrows, typographic) and numeric
//     &#...; / &#x...; (invalid code points -> U+FFFD, 0x80..0x9F as Windows-1252); &nbsp; -> space;
//   * whitespace collapsed outside <pre>.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kspace::text {

struct HtmlConversion {
  std::string markdown;
  std::string title;  // <title>, whitespace collapsed ("" if none)
  nlohmann::json meta = nlohmann::json::object();  // <meta name=description|keywords|author>
};

// `html` must be valid UTF-8 (Normalize it first).
HtmlConversion HtmlToMarkdown(std::string_view html);

// Decodes one entity at s[0] == '&': appends the text to *out and returns the bytes consumed,
// or 0 if s does not start with a recognised entity.
size_t DecodeEntity(std::string_view s, std::string* out);

}  // namespace kspace::text
