// Front matter: a practical YAML subset, parsed to JSON.
//
// Supported (what note front matter actually uses):
//   * block mappings "key: value", nested by indentation (any depth up to 16);
//   * block sequences "- item" (also at the same indentation as their key, as YAML allows),
//     sequences of mappings ("- name: x\n  url: y");
//   * flow sequences and mappings on one line or continued over lines: [a, "b, c"], {a: 1};
//   * scalars: plain (multi-line plain scalars are folded), 'single' ('' escapes) and "double"
//     quoted (\n \t \" \\ \/ \0 \xXX \uXXXX \UXXXXXXXX escapes); block scalars | and > with
//     the strip (-) and keep (+) indicators;
//   * types: true/false (any case), null/~/empty -> null, decimal integers -> numbers,
//     decimal floats -> numbers; everything else (dates, yes/no, .inf) stays a string, as in
//     YAML 1.2's JSON schema;
//   * comments ("# ..." at line start or after whitespace, outside quotes).
// Not supported, reported as errors: anchors/aliases/tags (&a, *a, !!str), multiple documents,
// complex keys ("? "), tabs in indentation, quoted scalars spanning lines. The top level must be a mapping.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace kspace::text {

// Parses `yaml` (the text between the front matter fences). INVALID_ARGUMENT with a message
// naming the line on anything outside the subset. Never throws.
Result<nlohmann::json> ParseYaml(std::string_view yaml);

// If `text` opens with front matter ("---" line, YAML, then a "---" or "..." line), sets *yaml
// to the YAML between the fences and *body to the offset just after the closing fence line,
// and returns true. A "---" line with no closing fence is not front matter.
bool SplitFrontMatter(std::string_view text, std::string_view* yaml, size_t* body);

}  // namespace kspace::text
