#include "text/document.h"

#include <algorithm>
#include <exception>
#include <unordered_set>

#include "text/chunker.h"
#include "text/html.h"
#include "text/markdown.h"
#include "text/normalize.h"
#include "text/rst.h"
#include "text/yaml.h"

namespace kspace::text {
namespace {

std::string CollapseLower(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
      continue;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  size_t k = 0;
  while (k < out.size() && (out[k] == '#' || out[k] == ' ')) ++k;
  return out.substr(k);
}

// Front matter tags / keywords / aliases -> Document::keywords.
void CollectKeywords(const nlohmann::json& meta, std::vector<std::string>* out) {
  std::unordered_set<std::string> seen;
  auto add = [&](std::string_view raw, bool split_spaces) {
    std::string_view s = raw;
    while (!s.empty()) {
      size_t cut = s.find(',');
      if (split_spaces) cut = std::min(cut, s.find(' '));
      const std::string_view part = s.substr(0, cut);
      std::string k = CollapseLower(part);
      if (!k.empty() && k.size() <= 200 && seen.insert(k).second) out->push_back(std::move(k));
      if (cut == std::string_view::npos) break;
      s.remove_prefix(cut + 1);
    }
  };
  for (const char* key : {"tags", "tag", "keywords", "aliases", "alias"}) {
    auto it = meta.find(key);
    if (it == meta.end()) continue;
    const bool tags = key[0] == 't';
    if (it->is_string()) {
      add(it->get_ref<const std::string&>(), tags);
    } else if (it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) add(v.get_ref<const std::string&>(), false);
        else if (v.is_number()) add(v.dump(), false);
      }
    }
  }
}

// The first H1 if it opens the document (only HTML blocks, comments, breaks and image/badge
// paragraphs before it).
std::string LeadingH1(std::string_view text, const Outline& outline) {
  for (const Block& b : outline.blocks) {
    if (b.kind == BlockKind::kComment || b.kind == BlockKind::kBreak ||
        b.kind == BlockKind::kHtml) {
      continue;
    }
    if (b.kind == BlockKind::kParagraph) {
      const std::string_view p = text.substr(b.begin, b.end - b.begin);
      if (p.substr(0, 2) == "![" || p.substr(0, 3) == "[![") continue;
    }
    if (b.kind == BlockKind::kHeading && b.level == 1 && !outline.paths[b.section].empty()) {
      return outline.paths[b.section].back();
    }
    return {};
  }
  return {};
}

}  // namespace

const char* ChunkTypeName(ChunkType type) {
  switch (type) {
    case ChunkType::kParagraph: return "paragraph";
    case ChunkType::kSection: return "section";
    case ChunkType::kTable: return "table";
    case ChunkType::kCodeBlock: return "code_block";
    case ChunkType::kList: return "list";
  }
  return "paragraph";
}

Status ValidateChunkOptions(const ChunkOptions& opts) {
  if (opts.max_tokens < 8 || opts.max_tokens > 1000000) {
    return InvalidArgument("maxTokens must be in [8, 1000000]", "maxTokens");
  }
  if (opts.overlap_tokens < 0 || opts.overlap_tokens > 1000000) {
    return InvalidArgument("overlapTokens must be in [0, 1000000]", "overlapTokens");
  }
  if (opts.merge_below_tokens < 0 || opts.merge_below_tokens > 1000000) {
    return InvalidArgument("mergeBelowTokens must be in [0, 1000000]", "mergeBelowTokens");
  }
  if (opts.context != ChunkContext::kNone && opts.context != ChunkContext::kHeadings &&
      opts.context != ChunkContext::kTitleAndHeadings) {
    return InvalidArgument("unknown chunk context mode", "context");
  }
  if (opts.default_title.size() > 4096) {
    return InvalidArgument("defaultTitle is longer than 4096 bytes", "defaultTitle");
  }
  return Status::Ok();
}

Result<Document> ParseDocument(std::string_view bytes, Format format, const ChunkOptions& opts) {
  KS_RETURN_IF_ERROR(ValidateChunkOptions(opts));
  if (bytes.size() > kMaxDocumentBytes) {
    return Status(Code::kTooLarge,
                  "document is " + std::to_string(bytes.size()) + " bytes; the limit is " +
                      std::to_string(kMaxDocumentBytes),
                  "bytes");
  }
  if (format != Format::kMarkdown && format != Format::kPlainText && format != Format::kHtml &&
      format != Format::kRst) {
    format = Format::kPlainText;  // unknown formats: paragraphs
  }
  try {
    Document doc;
    doc.format = format;
    NormalizeStats st;
    std::string text = Normalize(bytes, &st);
    if (st.replaced > 0) {
      doc.warnings.push_back("replaced " + std::to_string(st.replaced) +
                             " ill-formed UTF-8 sequence(s) with U+FFFD");
    }
    if (!bytes.empty() && (st.replaced + st.dropped) * 20 > bytes.size()) {
      doc.warnings.push_back("input looks like binary data");
    }
    std::string html_title;
    switch (format) {
      case Format::kMarkdown: {
        std::string_view yaml;
        size_t body = 0;
        if (SplitFrontMatter(text, &yaml, &body)) {
          Result<nlohmann::json> meta = ParseYaml(yaml);
          if (meta.ok() && meta->is_object()) {
            doc.metadata = std::move(meta).value();
            text.erase(0, body);
          } else {
            doc.warnings.push_back("front matter ignored (kept as text): " +
                                   meta.status().message());
          }
        }
        break;
      }
      case Format::kHtml: {
        HtmlConversion conv = HtmlToMarkdown(text);
        text = std::move(conv.markdown);
        doc.metadata = std::move(conv.meta);
        html_title = std::move(conv.title);
        break;
      }
      case Format::kRst: {
        nlohmann::json info = nlohmann::json::object();
        text = RstToMarkdown(text, &info);
        doc.metadata = std::move(info);
        break;
      }
      case Format::kPlainText:
        break;
    }
    doc.text = std::move(text);
    const bool markdown = format != Format::kPlainText;
    const Outline outline = markdown ? ParseMarkdownBlocks(doc.text) : ParsePlainBlocks(doc.text);

    // Title.
    if (auto it = doc.metadata.find("title"); it != doc.metadata.end() && !it->is_null()) {
      doc.title = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (doc.title.empty()) doc.title = html_title;
    if (doc.title.empty() && markdown) doc.title = LeadingH1(doc.text, outline);
    if (doc.title.empty()) doc.title = opts.default_title;
    doc.title = StripInlineMarkdown(doc.title);

    CollectKeywords(doc.metadata, &doc.keywords);

    std::vector<Span> code;
    for (const Block& b : outline.blocks) {
      if (b.kind == BlockKind::kCode || b.kind == BlockKind::kComment) code.push_back({b.begin, b.end});
    }
    ExtractInline(doc.text, code, markdown, &doc);

    // Overlap and merging are clamped to the budget (so the defaults work with small budgets).
    ChunkOptions effective = opts;
    effective.overlap_tokens = std::min(opts.overlap_tokens, opts.max_tokens / 2);
    effective.merge_below_tokens = std::min(opts.merge_below_tokens, opts.max_tokens);
    doc.chunks = ChunkOutline(doc.text, outline, effective, doc.title);
    return doc;
  } catch (const std::bad_alloc&) {
    return Status(Code::kTooLarge, "out of memory while parsing the document", "bytes");
  } catch (const std::exception& e) {
    return Internal(std::string("ParseDocument: ") + e.what());
  }
}

}  // namespace kspace::text
