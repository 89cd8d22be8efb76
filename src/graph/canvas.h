// JSON Canvas 1.0 (https://jsoncanvas.org, Obsidian's .canvas): parsing with validation, and
// writing. Pure functions over nlohmann::json; the API maps canvas nodes to map nodes.
//
// Parse accepts exactly the spec's shape: top-level object with optional "nodes" and "edges"
// arrays; nodes need a unique string id, a type (text | file | link | group), integer-valued
// x, y, width, height (width/height > 0), and per type text / file (+ optional subpath starting
// with '#') / url / optional label, background, backgroundStyle (cover | ratio | repeat); an
// optional color ("1".."6" or "#rrggbb"). Edges need a unique id, fromNode/toNode naming nodes,
// optional fromSide/toSide (top | right | bottom | left), fromEnd/toEnd (none | arrow), color,
// label. Unknown keys are ignored (the format allows extensions). Every error is
// INVALID_ARGUMENT whose field is the JSON path ("canvas.nodes[3].x").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace kspace::graph {

struct CanvasNode {
  std::string id;
  std::string type;  // text | file | link | group
  int64_t x = 0, y = 0, width = 0, height = 0;
  std::optional<std::string> color;
  std::optional<std::string> text;     // text
  std::optional<std::string> file;     // file
  std::optional<std::string> subpath;  // file
  std::optional<std::string> url;      // link
  std::optional<std::string> label;    // group
  std::optional<std::string> background;       // group
  std::optional<std::string> background_style;  // group
};

struct CanvasEdge {
  std::string id;
  std::string from_node, to_node;
  std::optional<std::string> from_side, to_side;
  std::optional<std::string> from_end, to_end;
  std::optional<std::string> color;
  std::optional<std::string> label;
};

struct Canvas {
  std::vector<CanvasNode> nodes;
  std::vector<CanvasEdge> edges;
};

inline constexpr size_t kMaxCanvasItems = 200000;
inline constexpr int64_t kMaxCanvasCoord = int64_t{1} << 40;

// Parses and validates a canvas given as JSON text (field prefix `field`, e.g. "canvas").
Result<Canvas> ParseCanvas(std::string_view text, const std::string& field);
// Same, from an already parsed value.
Result<Canvas> ParseCanvasJson(const nlohmann::json& j, const std::string& field);
// The canvas as JSON (keys in the spec's order of presentation; absent optionals omitted).
nlohmann::json CanvasToJson(const Canvas& c);

// Whether `s` is a valid canvas colour: a preset "1".."6" or "#rgb"/"#rrggbb".
bool IsCanvasColor(std::string_view s);

}  // namespace kspace::graph
