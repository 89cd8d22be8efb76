// HTML and reStructuredText conversion, YAML front matter subset, plain text.
#include <gtest/gtest.h>

#include "invariants.h"
#include "text/document.h"
#include "text/html.h"
#include "text/rst.h"
#include "text/yaml.h"

namespace kspace::text {
namespace {

Document Parse(std::string_view s, Format f, ChunkOptions o = {}) {
  Result<Document> r = ParseDocument(s, f, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  EXPECT_EQ(testing::CheckDocument(*r, o), "");
  return std::move(r).value();
}

TEST(Html, ConvertsStructureToMarkdown) {
  const HtmlConversion c = HtmlToMarkdown(
      "<!DOCTYPE html><html><head><title>The &amp; Title</title>"
      "<meta name=\"description\" content=\"A page\"><style>p{color:red}</style>"
      "<script>var x = '<p>not text</p>';</script></head><body>"
      "<h1>Main</h1><p>Hello <b>bold</b>\n   world &mdash; caf&eacute; &#233;&#x1F600; &#0; &#150;</p>"
      "<h2>Links</h2><p>See <a href=\"https://example.com/a b\">the site</a>.</p>"
      "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>"
      "<ol start=\"3\"><li>three</li><li>four</li></ol>"
      "<pre class=\"language-rust\">fn main() {\n    x &lt; y\n}</pre>"
      "<table><tr><th>A</th><th>B|C</th></tr><tr><td>1</td><td>2<br>3</td></tr></table>"
      "<blockquote><p>quoted</p></blockquote><p>after<br>break</p><!-- hidden --><hr>"
      "<noscript>no</noscript><p>x<code>inline()</code>y</p></body></html>");
  EXPECT_EQ(c.title, "The & Title");
  EXPECT_EQ(c.meta["description"], "A page");
  const std::string& m = c.markdown;
  EXPECT_EQ(m.find("color"), std::string::npos);
  EXPECT_EQ(m.find("not text"), std::string::npos);
  EXPECT_EQ(m.find("hidden"), std::string::npos);
  EXPECT_EQ(m.find("no\n"), std::string::npos);
  EXPECT_NE(m.find("# Main\n\nHello bold world \xE2\x80\x94 caf\xC3\xA9 \xC3\xA9\xF0\x9F\x98\x80 "
                   "\xEF\xBF\xBD \xE2\x80\x93\n\n## Links"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("See [the site](https://example.com/a%20b)."), std::string::npos) << m;
  EXPECT_NE(m.find("- one\n- two\n  - nested\n"), std::string::npos) << m;
  EXPECT_NE(m.find("3. three\n4. four"), std::string::npos) << m;
  EXPECT_NE(m.find("```rust\nfn main() {\n    x < y\n}\n```"), std::string::npos) << m;
  EXPECT_NE(m.find("| A | B\\|C |\n| --- | --- |\n| 1 | 2 3 |"), std::string::npos) << m;
  EXPECT_NE(m.find("> quoted"), std::string::npos) << m;
  EXPECT_NE(m.find("after\nbreak"), std::string::npos) << m;
  EXPECT_NE(m.find("---"), std::string::npos) << m;
  EXPECT_NE(m.find("x`inline()`y"), std::string::npos) << m;

  const Document d = Parse(
      "<html><head><title>T</title></head><body><h1>Main</h1><p>Go to <a href=\"https://x.example\">"
      "x</a>.</p><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>"
      "</body></html>",
      Format::kHtml);
  EXPECT_EQ(d.title, "T");
  EXPECT_EQ(d.links, (std::vector<std::string>{"https://x.example"}));
  ASSERT_FALSE(d.chunks.empty());
  EXPECT_EQ(d.chunks[0].heading_path, (std::vector<std::string>{"Main"}));
}

TEST(Html, ForgivesBrokenMarkupAndDecodesEntities) {
  std::string out;
  EXPECT_EQ(DecodeEntity("&lt;", &out), 4u);
  EXPECT_EQ(DecodeEntity("&amp ", &out), 4u);      // legacy, no semicolon
  EXPECT_EQ(DecodeEntity("&hellip;", &out), 8u);
  EXPECT_EQ(DecodeEntity("&notanentity;", &out), 0u);
  EXPECT_EQ(DecodeEntity("&#xD800;", &out), 8u);   // surrogate -> U+FFFD
  EXPECT_EQ(out, "<&\xE2\x80\xA6\xEF\xBF\xBD");
  const HtmlConversion c = HtmlToMarkdown("<p>a < b and <3 <unclosed attr=\"x");
  EXPECT_EQ(c.markdown.rfind("a < b and <3", 0), 0u);
  EXPECT_EQ(HtmlToMarkdown("<title>No head").title, "No head");  // RCDATA to the end
  EXPECT_EQ(HtmlToMarkdown("<h1>Fallback</h1><p>x").title, "Fallback");
  // Unclosed <head>: a body element ends it.
  EXPECT_NE(HtmlToMarkdown("<head><title>t</title><p>visible</p>").markdown.find("visible"),
            std::string::npos);
}

TEST(Rst, ConvertsSectionsListsLiteralsAndDirectives) {
  nlohmann::json info;
  const std::string md = RstToMarkdown(
      ":Author: Ann\n:Version: 2\n\n=====\nTitle\n=====\n\nIntro with ``code`` and a `link <https://x.example>`_.\n\n"
      "Section\n-------\n\n- bullet one\n- bullet two\n\n  nested para\n\n#. auto\n#. enum\n\n"
      "Example::\n\n    let x = 1;\n    let y = 2;\n\n"
      ".. code-block:: python\n   :linenos:\n\n   print('hi')\n\n"
      ".. note:: Be careful.\n\n.. image:: pic.png\n\n.. a comment\n   continues\n\n"
      "Sub\n~~~\n\nText :ref:`label <target>` and :code:`x()`.\n\n"
      "+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+\n\n"
      "Other\n-------\n\nEnd.\n",
      &info);
  EXPECT_EQ(info["author"], "Ann");
  EXPECT_NE(md.find("# Title\n\nIntro with `code` and a [link](https://x.example)."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("## Section"), std::string::npos) << md;
  EXPECT_NE(md.find("### Sub"), std::string::npos) << md;
  EXPECT_NE(md.find("## Other"), std::string::npos) << md;  // same adornment -> same level
  EXPECT_NE(md.find("- bullet one\n- bullet two"), std::string::npos) << md;
  EXPECT_NE(md.find("Example:\n\n```\nlet x = 1;\nlet y = 2;\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("```python\nprint('hi')\n```"), std::string::npos) << md;
  EXPECT_NE(md.find("> **Note:** Be careful."), std::string::npos) << md;
  EXPECT_EQ(md.find("pic.png"), std::string::npos) << md;
  EXPECT_EQ(md.find("comment"), std::string::npos) << md;
  EXPECT_NE(md.find("Text label and `x()`."), std::string::npos) << md;
  EXPECT_NE(md.find("| a | b |\n| --- | --- |\n| 1 | 2 |"), std::string::npos) << md;

  const Document d = Parse("Guide\n=====\n\nPara.\n\nPart\n----\n\nMore text.\n", Format::kRst);
  EXPECT_EQ(d.title, "Guide");
  ASSERT_FALSE(d.chunks.empty());
  EXPECT_EQ(d.chunks.back().heading_path.front(), "Guide");
}

TEST(Yaml, PracticalSubset) {
  Result<nlohmann::json> r = ParseYaml(
      "# comment\ntitle: Plain words # trailing comment\nquoted: 'it''s'\ndq: \"a\\tb \\u00e9\"\n"
      "list: [a, \"b, c\", 3, true, null]\nblock:\n  - x\n  - y: 1\n    z: 2\nsame_indent:\n- p\n- q\n"
      "map:\n  inner:\n    deep: ~\n  n: -12\n  f: 1.5e3\ndate: 2024-01-02\nyes: yes\n"
      "lit: |\n  line 1\n  line 2\nfold: >-\n  folded\n  text\nempty:\nflow_map: {a: 1, b: [x]}\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const nlohmann::json& j = *r;
  EXPECT_EQ(j["title"], "Plain words");
  EXPECT_EQ(j["quoted"], "it's");
  EXPECT_EQ(j["dq"], "a\tb \xC3\xA9");
  EXPECT_EQ(j["list"], nlohmann::json::parse(R"(["a", "b, c", 3, true, null])"));
  EXPECT_EQ(j["block"], nlohmann::json::parse(R"(["x", {"y": 1, "z": 2}])"));
  EXPECT_EQ(j["same_indent"], nlohmann::json::parse(R"(["p", "q"])"));
  EXPECT_TRUE(j["map"]["inner"]["deep"].is_null());
  EXPECT_EQ(j["map"]["n"], -12);
  EXPECT_EQ(j["map"]["f"], 1500.0);
  EXPECT_EQ(j["date"], "2024-01-02");
  EXPECT_EQ(j["yes"], "yes");  // YAML 1.2: not a boolean
  EXPECT_EQ(j["lit"], "line 1\nline 2\n");
  EXPECT_EQ(j["fold"], "folded text");
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_EQ(j["flow_map"], nlohmann::json::parse(R"({"a": 1, "b": ["x"]})"));

  for (const char* bad : {"a: [1, 2", "a: 'open", "- just\n- a list", "a: 1\n    b: 2",
                          "a: *alias", "\tkey: v", "a: \"bad \\q escape\""}) {
    EXPECT_FALSE(ParseYaml(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseYaml("").ok());
}

TEST(PlainText, ParagraphsByBlankLinesAndBareUrls) {
  const Document d = Parse(
      "First paragraph\nstill first.\n\n\nSecond # not a heading https://x.example/y.\n", Format::kPlainText);
  ASSERT_EQ(d.chunks.size(), 1u);
  EXPECT_EQ(d.chunks[0].type, ChunkType::kSection);  // two paragraphs merged
  EXPECT_EQ(d.links, (std::vector<std::string>{"https://x.example/y"}));
  EXPECT_TRUE(d.tags.empty());
  EXPECT_EQ(d.title, "");
}

}  // namespace
}  // namespace kspace::text
