// ParseDocument on Markdown: structure, heading paths, chunk types, context, metadata.
#include <gtest/gtest.h>

#include "invariants.h"
#include "text/document.h"
#include "text/markdown.h"

namespace kspace::text {
namespace {

Document Parse(std::string_view md, ChunkOptions opts = {}) {
  Result<Document> r = ParseDocument(md, Format::kMarkdown, opts);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_EQ(testing::CheckDocument(*r, opts), "");
  return std::move(r).value();
}

std::string Body(const Chunk& c) { return c.text.substr(c.context_bytes); }

using Path = std::vector<std::string>;

TEST(Markdown, HeadingsGiveHeadingPathsAtxAndSetext) {
  ChunkOptions o;
  o.merge_below_tokens = 0;  // one chunk per section
  const Document d = Parse(
      "Top\n===\n\nIntro text.\n\n## Motivation\n\nWhy.\n\n### Async *stuff*\n\nDetails here.\n\n"
      "Other\n-----\n\nMore.\n\n# Second ##\n\nLast.\n",
      o);
  ASSERT_EQ(d.chunks.size(), 5u);
  EXPECT_EQ(d.title, "Top");
  EXPECT_EQ(d.chunks[0].heading_path, (Path{"Top"}));
  EXPECT_EQ(d.chunks[1].heading_path, (Path{"Top", "Motivation"}));
  EXPECT_EQ(d.chunks[2].heading_path, (Path{"Top", "Motivation", "Async stuff"}));
  EXPECT_EQ(d.chunks[3].heading_path, (Path{"Top", "Other"}));
  EXPECT_EQ(d.chunks[4].heading_path, (Path{"Second"}));
  // Heading lines are in the body; the context names the enclosing headings not in it.
  EXPECT_EQ(Body(d.chunks[2]), "### Async *stuff*\n\nDetails here.");
  EXPECT_EQ(d.chunks[2].text.substr(0, d.chunks[2].context_bytes), "Top > Motivation\n\n");
  EXPECT_EQ(d.chunks[0].context_bytes, 0u);  // "# Top" itself opens the body
  EXPECT_EQ(d.chunks[4].text.substr(0, d.chunks[4].context_bytes), "Top\n\n");  // title first
  EXPECT_EQ(d.chunks[4].type, ChunkType::kParagraph);  // a heading + one paragraph
}

TEST(Markdown, SmallSectionsMergeIntoOneSectionChunk) {
  const Document d = Parse("# Notes\n\n## A\n\nalpha\n\n## B\n\n- one\n- two\n\n## C\n\ngamma\n");
  ASSERT_EQ(d.chunks.size(), 1u);
  EXPECT_EQ(d.chunks[0].type, ChunkType::kSection);
  EXPECT_EQ(d.chunks[0].heading_path, (Path{"Notes"}));  // common path
  EXPECT_EQ(Body(d.chunks[0]), d.text.substr(0, d.text.size() - 1));
}

TEST(Markdown, NestedListsTaskListsAndTheirType) {
  const std::string md =
      "- [ ] write tests\n- [x] ship it\n  - nested item\n    continued line\n  - another\n"
      "1. first\n2. second\n\nAfter the list.\n";
  const Outline o = ParseMarkdownBlocks(md);
  ASSERT_EQ(o.blocks.size(), 2u);
  EXPECT_EQ(o.blocks[0].kind, BlockKind::kList);
  EXPECT_EQ(md.substr(o.blocks[0].begin, o.blocks[0].end - o.blocks[0].begin),
            md.substr(0, md.find("\n\nAfter")));
  EXPECT_EQ(o.blocks[1].kind, BlockKind::kParagraph);
  ChunkOptions opts;
  opts.max_tokens = 20;
  opts.overlap_tokens = 0;
  const Document d = Parse(md, opts);
  // The list is split at item boundaries, never inside an item line.
  for (const Chunk& c : d.chunks) {
    if (c.type != ChunkType::kList) continue;
    const std::string b = Body(c);
    EXPECT_TRUE(IsListItemLine(b.substr(0, b.find('\n')))) << b;
  }
}

TEST(Markdown, TablesStayWholeOrSplitAtRowsWithTheHeaderRepeated) {
  std::string md = "## Data\n\n| name | value |\n|:-----|------:|\n";
  for (int i = 0; i < 60; ++i) md += "| row" + std::to_string(i) + " | " + std::to_string(i * 7) + " |\n";
  const Outline o = ParseMarkdownBlocks(md);
  ASSERT_EQ(o.blocks.size(), 2u);
  EXPECT_EQ(o.blocks[1].kind, BlockKind::kTable);
  ChunkOptions opts;
  opts.max_tokens = 80;
  const Document d = Parse(md, opts);
  ASSERT_GT(d.chunks.size(), 2u);
  for (size_t i = 0; i < d.chunks.size(); ++i) {
    const Chunk& c = d.chunks[i];
    EXPECT_EQ(c.type, ChunkType::kTable);
    const std::string body = Body(c);
    if (i == 0) {
      EXPECT_EQ(body.rfind("## Data\n\n| name", 0), 0u) << body;  // the heading leads
    } else {
      EXPECT_EQ(body.front(), '|') << body;  // whole rows only
    }
    EXPECT_EQ(body.back(), '|') << body;
    if (i > 0) {
      EXPECT_NE(c.text.find("| name | value |\n|:-----|------:|\n"), std::string::npos);
      EXPECT_EQ(d.chunks[i].byte_start, d.chunks[i - 1].byte_end + 1);  // no overlap for tables
    }
  }
  // A pipe line without a delimiter row is a paragraph.
  EXPECT_EQ(ParseMarkdownBlocks("a | b\nc | d\n").blocks[0].kind, BlockKind::kParagraph);
}

TEST(Markdown, FencedAndIndentedCodeAreCodeBlocksAndSplitAtLines) {
  const std::string md =
      "Intro paragraph.\n\n```rust\nfn main() {\n\n    # not a heading\n}\n```\n\n"
      "~~~\ncode ~~~ inside\n~~~\n\n    indented code\n    more\n\nText.\n";
  const Outline o = ParseMarkdownBlocks(md);
  ASSERT_EQ(o.blocks.size(), 5u);
  EXPECT_EQ(o.blocks[1].kind, BlockKind::kCode);
  EXPECT_EQ(o.blocks[2].kind, BlockKind::kCode);
  EXPECT_EQ(o.blocks[3].kind, BlockKind::kCode);
  EXPECT_EQ(o.paths.size(), 1u);  // "# not a heading" is code
  std::string big = "```python\n";
  for (int i = 0; i < 200; ++i) big += "x_" + std::to_string(i) + " = compute(" + std::to_string(i) + ")\n";
  big += "```\n";
  ChunkOptions opts;
  opts.max_tokens = 64;
  opts.overlap_tokens = 16;
  const Document d = Parse(big, opts);
  ASSERT_GT(d.chunks.size(), 5u);
  for (const Chunk& c : d.chunks) {
    EXPECT_EQ(c.type, ChunkType::kCodeBlock);
    // starts at a line start and ends at a line end
    EXPECT_TRUE(c.byte_start == 0 || d.text[c.byte_start - 1] == '\n');
    EXPECT_TRUE(c.byte_end == d.text.size() || d.text[c.byte_end] == '\n');
  }
  // Overlap: consecutive pieces share at least one line.
  EXPECT_LT(d.chunks[1].byte_start, d.chunks[0].byte_end);
  // Unclosed fence runs to the end.
  const Outline u = ParseMarkdownBlocks("```\nnever closed\n\n# still code\n");
  ASSERT_EQ(u.blocks.size(), 1u);
  EXPECT_EQ(u.blocks[0].kind, BlockKind::kCode);
}

TEST(Markdown, QuotesHtmlBlocksCommentsAndBreaks) {
  const std::string md =
      "> quoted line\nlazy continuation\n> more\n\n<div>\n<b>html</b>\n</div>\n\n"
      "<!-- a comment -->\n\n---\n\npara\n";
  const Outline o = ParseMarkdownBlocks(md);
  ASSERT_EQ(o.blocks.size(), 5u);
  EXPECT_EQ(o.blocks[0].kind, BlockKind::kQuote);
  EXPECT_EQ(o.blocks[1].kind, BlockKind::kHtml);
  EXPECT_EQ(o.blocks[2].kind, BlockKind::kComment);
  EXPECT_EQ(o.blocks[3].kind, BlockKind::kBreak);
  EXPECT_EQ(o.blocks[4].kind, BlockKind::kParagraph);
}

TEST(Markdown, LongParagraphSplitsAtSentencesWithOverlap) {
  std::string para;
  for (int i = 0; i < 80; ++i) para += "Sentence number " + std::to_string(i) + " talks about borrowing. ";
  ChunkOptions opts;
  opts.max_tokens = 60;
  opts.overlap_tokens = 12;
  const Document d = Parse("# T\n\n" + para + "\n", opts);
  ASSERT_GT(d.chunks.size(), 5u);
  for (size_t i = 0; i < d.chunks.size(); ++i) {
    const std::string b = Body(d.chunks[i]);
    if (i > 0) {
      EXPECT_EQ(b.rfind("Sentence number ", 0), 0u) << b;  // starts at a sentence
      EXPECT_LT(d.chunks[i].byte_start, d.chunks[i - 1].byte_end);  // overlaps
    }
    EXPECT_EQ(b.back(), '.') << b;  // ends at a sentence
  }
  // The heading goes with the first piece.
  EXPECT_EQ(Body(d.chunks[0]).rfind("# T\n\nSentence number 0", 0), 0u);
}

TEST(Markdown, OverlongSentenceSplitsAtWordsThenCharacters) {
  std::string words;
  for (int i = 0; i < 500; ++i) words += "word" + std::to_string(i) + " ";
  ChunkOptions opts;
  opts.max_tokens = 40;
  opts.overlap_tokens = 0;
  Document d = Parse(words, opts);
  ASSERT_GT(d.chunks.size(), 10u);
  for (const Chunk& c : d.chunks) {
    const std::string b = Body(c);
    EXPECT_EQ(b.rfind("word", 0), 0u);  // word boundaries
  }
  // A "word" of 20000 é's: character pieces, never inside a UTF-8 sequence.
  std::string blob;
  for (int i = 0; i < 20000; ++i) blob += "\xC3\xA9";
  d = Parse(blob, opts);
  ASSERT_GT(d.chunks.size(), 10u);
  size_t total = 0;
  for (const Chunk& c : d.chunks) total += Body(c).size();
  EXPECT_EQ(total, blob.size());
}

TEST(Markdown, FrontMatterBecomesMetadataAndKeywords) {
  const Document d = Parse(
      "---\ntitle: \"My Note\"\ntags: [Rust, 'borrow-checker', \"#nll\"]\naliases:\n  - NLL\n"
      "keywords: lifetimes, Regions\ndraft: false\nrating: 4.5\ncount: 12\nauthor:\n  name: Ann\n"
      "  links:\n    site: https://example.org\n---\n# Heading\n\nBody text.\n");
  EXPECT_EQ(d.title, "My Note");
  EXPECT_EQ(d.metadata["draft"], false);
  EXPECT_EQ(d.metadata["rating"], 4.5);
  EXPECT_EQ(d.metadata["count"], 12);
  EXPECT_EQ(d.metadata["author"]["name"], "Ann");
  EXPECT_EQ(d.metadata["author"]["links"]["site"], "https://example.org");
  EXPECT_EQ(d.keywords,
            (std::vector<std::string>{"rust", "borrow-checker", "nll", "lifetimes", "regions"}));
  EXPECT_EQ(d.text.rfind("# Heading", 0), 0u);  // front matter removed from the text
  EXPECT_TRUE(d.warnings.empty());
}

TEST(Markdown, MalformedFrontMatterIsKeptAsTextWithAWarning) {
  const Document d = Parse("---\ntitle: [unclosed\n  : bad\n---\n\nText after.\n");
  EXPECT_TRUE(d.metadata.empty());
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("front matter"), std::string::npos);
  EXPECT_EQ(d.text.rfind("---\ntitle", 0), 0u);
  // A leading thematic break with no closing fence is not front matter at all.
  const Document e = Parse("---\n\nJust text.\n");
  EXPECT_TRUE(e.warnings.empty());
}

TEST(Markdown, WikilinksTagsAndLinks) {
  const Document d = Parse(
      "# Vault note #inline-heading-not-tag\n\nSee [[Other Note]], [[Folder/Note#Section|shown]] "
      "and ![[image.png]] or [[#Local]].\n"
      "Tags: #project/alpha #Todo #123 #a1 foo#bar (#paren) `#incode` [x](https://a.example/#frag)\n"
      "Link [text](https://example.com/a_(b)) <https://auto.example> https://bare.example/x. "
      "![img](pic.png) [anchor](#top)\n\n```\n#notatag [[nolink]] https://code.example\n```\n\n"
      "[ref]: https://ref.example \"title\"\n| [[A\\|alias]] | x |\n");
  ASSERT_EQ(d.wikilinks.size(), 5u);
  EXPECT_EQ(d.wikilinks[0].target, "Other Note");
  EXPECT_EQ(d.wikilinks[1].target, "Folder/Note");
  EXPECT_EQ(d.wikilinks[1].heading, "Section");
  EXPECT_EQ(d.wikilinks[1].alias, "shown");
  EXPECT_TRUE(d.wikilinks[2].embed);
  EXPECT_EQ(d.wikilinks[3].target, "");
  EXPECT_EQ(d.wikilinks[3].heading, "Local");
  EXPECT_EQ(d.wikilinks[4].target, "A");
  EXPECT_EQ(d.wikilinks[4].alias, "alias");
  EXPECT_EQ(d.tags, (std::vector<std::string>{"inline-heading-not-tag", "project/alpha", "todo",
                                              "a1", "paren"}));
  EXPECT_EQ(d.links, (std::vector<std::string>{"https://a.example/#frag", "https://example.com/a_(b)",
                                               "https://auto.example", "https://bare.example/x",
                                               "https://ref.example"}));
}

TEST(Markdown, TitleIsTheLeadingH1OnlyAndDefaultTitleFallsBack) {
  EXPECT_EQ(Parse("# Hello *World*\n\ntext\n").title, "Hello World");
  EXPECT_EQ(Parse("![logo](x.png)\n\n# Project\n\ntext\n").title, "Project");
  // RFC style: a metadata list, then "# Summary": no title.
  EXPECT_EQ(Parse("- Feature Name: x\n\n# Summary\n\ntext\n").title, "");
  ChunkOptions o;
  o.default_title = "file-name";
  const Document d = Parse("Some text without headings.\n", o);
  EXPECT_EQ(d.title, "file-name");
  EXPECT_EQ(d.chunks[0].text, "file-name\n\nSome text without headings.");
  o.context = ChunkContext::kNone;
  EXPECT_EQ(Parse("Some text.\n", o).chunks[0].text, "Some text.");
}

TEST(Markdown, Utf16OffsetsForJavaScript) {
  const Document d = Parse("\xF0\x9F\x98\x80 emoji first.\n\nSecond \xC3\xA9 paragraph.\n");
  ASSERT_EQ(d.chunks.size(), 1u);
  EXPECT_EQ(d.chunks[0].start, 0u);
  EXPECT_EQ(d.chunks[0].end, Utf16Length(d.text.substr(0, d.chunks[0].byte_end)));
  EXPECT_EQ(d.chunks[0].byte_end - d.chunks[0].end, 3u);  // 😀: 4 bytes / 2 units, é: 2 / 1
}

TEST(Options, InvalidOptionsAreRejectedWithTheField) {
  ChunkOptions o;
  o.max_tokens = 2;
  Result<Document> r = ParseDocument("x", Format::kMarkdown, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "maxTokens");
  o = {};
  o.overlap_tokens = -5;
  EXPECT_EQ(ParseDocument("x", Format::kMarkdown, o).status().field(), "overlapTokens");
  o = {};
  o.merge_below_tokens = -1;
  EXPECT_EQ(ParseDocument("x", Format::kMarkdown, o).status().field(), "mergeBelowTokens");
  // Defaults larger than a small budget are clamped, not refused.
  o = {};
  o.max_tokens = 16;
  EXPECT_TRUE(ParseDocument("x", Format::kMarkdown, o).ok());
  EXPECT_STREQ(ChunkTypeName(ChunkType::kCodeBlock), "code_block");
}

}  // namespace
}  // namespace kspace::text
