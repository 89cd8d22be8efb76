// reStructuredText -> Markdown, so that RST documents go through the same chunker as notes.
//
// Covered, in one pass over the lines:
//   * section titles with an underline, or an overline and underline, of one punctuation
//     character; levels by order of first appearance of each adornment style (as docutils does)
//     -> "#" headings; transitions -> "---";
//   * "::" literal blocks (paragraph ending in "::", or a lone "::") and the directives
//     code / code-block / sourcecode -> fenced code with the language; doctest blocks (>>>);
//   * bullet lists (- * + •) and enumerated lists (1. #. a) (i) ...), nested by indentation;
//   * admonitions (note, warning, tip, ...) -> block quotes starting with the admonition name;
//     other directives' content kept as text; image/figure/toctree/contents/include/raw/
//     target/substitution definitions and comments dropped;
//   * grid tables -> pipe tables; simple tables -> preformatted (code) blocks;
//   * a field list at the very top (":Author: x") -> docinfo metadata; elsewhere kept as text;
//   * indented blocks -> block quotes; line blocks ("| ") -> lines;
//   * inline: ``literal`` -> `literal`, `text <url>`_ -> [text](url), :role:`text` -> text
//     (`text` for :code:/:literal:), `ref`_ / ref_ -> ref, |subst| -> subst.
// Not covered: definition lists (kept as paragraphs), option lists, citations' cross-linking,
// substitution expansion, nested directive semantics.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kspace::text {

// `rst` must be valid UTF-8 with LF line ends (Normalize it first). Fills *docinfo (may be
// null) with the leading field list.
std::string RstToMarkdown(std::string_view rst, nlohmann::json* docinfo);

}  // namespace kspace::text
