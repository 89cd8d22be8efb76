#include "graph/canvas.h"

#include <cctype>
#include <cmath>
#include <set>

namespace kspace::graph {
namespace {

using json = nlohmann::json;

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    if (c < 0x80) n = 0;
    else if ((c >> 5) == 6) n = 1;
    else if ((c >> 4) == 14) n = 2;
    else if ((c >> 3) == 30) n = 3;
    else return false;
    if (i + n >= s.size() && n > 0) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

Status Bad(const std::string& path, const std::string& what) { return InvalidArgument(path + " " + what, path); }

Result<std::string> Str(const json& o, const char* key, const std::string& path, size_t max_bytes, bool allow_empty) {
  const std::string p = path + "." + key;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Bad(p, "is required");
  if (!it->is_string()) return Bad(p, "must be a string");
  const std::string& s = it->get_ref<const std::string&>();
  if (!allow_empty && s.empty()) return Bad(p, "must not be empty");
  if (s.size() > max_bytes) return Bad(p, "is too long (at most " + std::to_string(max_bytes) + " bytes)");
  if (!ValidUtf8(s)) return Bad(p, "is not valid UTF-8");
  return s;
}

Result<std::optional<std::string>> OptStr(const json& o, const char* key, const std::string& path, size_t max_bytes) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::optional<std::string>();
  KS_ASSIGN_OR_RETURN(std::string s, Str(o, key, path, max_bytes, true));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<std::string>> OptEnum(const json& o, const char* key, const std::string& path,
                                           std::initializer_list<const char*> allowed) {
  KS_ASSIGN_OR_RETURN(auto s, OptStr(o, key, path, 64));
  if (!s) return s;
  for (const char* a : allowed) {
    if (*s == a) return s;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return Bad(path + "." + key, "must be one of " + list);
}

Result<int64_t> Int(const json& o, const char* key, const std::string& path, int64_t min) {
  const std::string p = path + "." + key;
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return Bad(p, "is required");
  if (!it->is_number()) return Bad(p, "must be a number");
  double v = it->get<double>();
  if (!std::isfinite(v)) return Bad(p, "must be finite");
  if (v != std::floor(v)) return Bad(p, "must be an integer");
  if (v < static_cast<double>(min) || v > static_cast<double>(kMaxCanvasCoord) || v < -static_cast<double>(kMaxCanvasCoord)) {
    return Bad(p, "is out of range");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

bool IsCanvasColor(std::string_view s) {
  if (s.size() == 1) return s[0] >= '1' && s[0] <= '6';
  if ((s.size() != 4 && s.size() != 7) || s[0] != '#') return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

Result<Canvas> ParseCanvas(std::string_view text, const std::string& field) {
  if (text.size() > (size_t{64} << 20)) return Status(Code::kTooLarge, "the canvas is larger than 64 MiB", field);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument(field + " is not valid JSON", field);
  return ParseCanvasJson(j, field);
}

Result<Canvas> ParseCanvasJson(const json& j, const std::string& field) {
  if (!j.is_object()) return Bad(field, "must be a JSON object");
  Canvas c;
  std::set<std::string> ids;
  auto nodes = j.find("nodes");
  if (nodes != j.end() && !nodes->is_null()) {
    if (!nodes->is_array()) return Bad(field + ".nodes", "must be an array");
    if (nodes->size() > kMaxCanvasItems) return Bad(field + ".nodes", "has too many nodes");
    for (size_t i = 0; i < nodes->size(); ++i) {
      const json& o = (*nodes)[i];
      const std::string p = field + ".nodes[" + std::to_string(i) + "]";
      if (!o.is_object()) return Bad(p, "must be an object");
      CanvasNode n;
      KS_ASSIGN_OR_RETURN(n.id, Str(o, "id", p, 255, false));
      if (!ids.insert(n.id).second) return Bad(p + ".id", "repeats the id " + n.id);
      KS_ASSIGN_OR_RETURN(auto type, OptEnum(o, "type", p, {"text", "file", "link", "group"}));
      if (!type) return Bad(p + ".type", "is required");
      n.type = *type;
      KS_ASSIGN_OR_RETURN(n.x, Int(o, "x", p, -kMaxCanvasCoord));
      KS_ASSIGN_OR_RETURN(n.y, Int(o, "y", p, -kMaxCanvasCoord));
      KS_ASSIGN_OR_RETURN(n.width, Int(o, "width", p, 1));
      KS_ASSIGN_OR_RETURN(n.height, Int(o, "height", p, 1));
      KS_ASSIGN_OR_RETURN(n.color, OptStr(o, "color", p, 16));
      if (n.color && !IsCanvasColor(*n.color)) return Bad(p + ".color", "must be \"1\"..\"6\" or #rrggbb");
      if (n.type == "text") {
        KS_ASSIGN_OR_RETURN(std::string t, Str(o, "text", p, 1 << 20, true));
        n.text = std::move(t);
      } else if (n.type == "file") {
        KS_ASSIGN_OR_RETURN(std::string f, Str(o, "file", p, 4096, false));
        n.file = std::move(f);
        KS_ASSIGN_OR_RETURN(n.subpath, OptStr(o, "subpath", p, 4096));
        if (n.subpath && !n.subpath->empty() && (*n.subpath)[0] != '#') return Bad(p + ".subpath", "must start with #");
      } else if (n.type == "link") {
        KS_ASSIGN_OR_RETURN(std::string u, Str(o, "url", p, 8192, false));
        n.url = std::move(u);
      } else {
        KS_ASSIGN_OR_RETURN(n.label, OptStr(o, "label", p, 4096));
        KS_ASSIGN_OR_RETURN(n.background, OptStr(o, "background", p, 4096));
        KS_ASSIGN_OR_RETURN(n.background_style, OptEnum(o, "backgroundStyle", p, {"cover", "ratio", "repeat"}));
      }
      c.nodes.push_back(std::move(n));
    }
  }
  auto edges = j.find("edges");
  if (edges != j.end() && !edges->is_null()) {
    if (!edges->is_array()) return Bad(field + ".edges", "must be an array");
    if (edges->size() > kMaxCanvasItems) return Bad(field + ".edges", "has too many edges");
    std::set<std::string> edge_ids;
    for (size_t i = 0; i < edges->size(); ++i) {
      const json& o = (*edges)[i];
      const std::string p = field + ".edges[" + std::to_string(i) + "]";
      if (!o.is_object()) return Bad(p, "must be an object");
      CanvasEdge e;
      KS_ASSIGN_OR_RETURN(e.id, Str(o, "id", p, 255, false));
      if (!edge_ids.insert(e.id).second) return Bad(p + ".id", "repeats the id " + e.id);
      KS_ASSIGN_OR_RETURN(e.from_node, Str(o, "fromNode", p, 255, false));
      KS_ASSIGN_OR_RETURN(e.to_node, Str(o, "toNode", p, 255, false));
      if (!ids.count(e.from_node)) return Bad(p + ".fromNode", "names no node of the canvas");
      if (!ids.count(e.to_node)) return Bad(p + ".toNode", "names no node of the canvas");
      KS_ASSIGN_OR_RETURN(e.from_side, OptEnum(o, "fromSide", p, {"top", "right", "bottom", "left"}));
      KS_ASSIGN_OR_RETURN(e.to_side, OptEnum(o, "toSide", p, {"top", "right", "bottom", "left"}));
      KS_ASSIGN_OR_RETURN(e.from_end, OptEnum(o, "fromEnd", p, {"none", "arrow"}));
      KS_ASSIGN_OR_RETURN(e.to_end, OptEnum(o, "toEnd", p, {"none", "arrow"}));
      KS_ASSIGN_OR_RETURN(e.color, OptStr(o, "color", p, 16));
      if (e.color && !IsCanvasColor(*e.color)) return Bad(p + ".color", "must be \"1\"..\"6\" or #rrggbb");
      KS_ASSIGN_OR_RETURN(e.label, OptStr(o, "label", p, 4096));
      c.edges.push_back(std::move(e));
    }
  }
  return c;
}

json CanvasToJson(const Canvas& c) {
  json nodes = json::array();
  for (const CanvasNode& n : c.nodes) {
    json o{{"id", n.id}, {"type", n.type}, {"x", n.x}, {"y", n.y}, {"width", n.width}, {"height", n.height}};
    if (n.color) o["color"] = *n.color;
    if (n.text) o["text"] = *n.text;
    if (n.file) o["file"] = *n.file;
    if (n.subpath) o["subpath"] = *n.subpath;
    if (n.url) o["url"] = *n.url;
    if (n.label) o["label"] = *n.label;
    if (n.background) o["background"] = *n.background;
    if (n.background_style) o["backgroundStyle"] = *n.background_style;
    nodes.push_back(std::move(o));
  }
  json edges = json::array();
  for (const CanvasEdge& e : c.edges) {
    json o{{"id", e.id}, {"fromNode", e.from_node}};
    if (e.from_side) o["fromSide"] = *e.from_side;
    if (e.from_end) o["fromEnd"] = *e.from_end;
    o["toNode"] = e.to_node;
    if (e.to_side) o["toSide"] = *e.to_side;
    if (e.to_end) o["toEnd"] = *e.to_end;
    if (e.color) o["color"] = *e.color;
    if (e.label) o["label"] = *e.label;
    edges.push_back(std::move(o));
  }
  return json{{"nodes", nodes}, {"edges", edges}};
}

}  // namespace kspace::graph
