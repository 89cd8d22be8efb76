#include <gtest/gtest.h>

#include "text/format.h"
#include "text/normalize.h"
#include "text/utf8.h"

namespace kspace::text {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, ValidatesWellFormedAndRejectsEveryIllFormedKind) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("\x80"));                  // stray continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));          // overlong 3-byte
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));      // overlong 4-byte
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));          // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));      // F5 lead
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));              // truncated at end
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xFF"));          // after the 8-byte fast path
}

TEST(Normalize, ReplacesEachMaximalSubpartWithOneReplacementChar) {
  NormalizeStats st;
  // Truncated 3-byte sequence followed by ASCII: one U+FFFD for the two bytes.
  EXPECT_EQ(Normalize("a\xE2\x82z", &st), "a" + kFFFD + "z");
  EXPECT_EQ(st.replaced, 1u);
  // Overlong: C0 is never valid, AF is a stray continuation -> two replacements.
  EXPECT_EQ(Normalize("\xC0\xAF", &st), kFFFD + kFFFD);
  EXPECT_EQ(st.replaced, 2u);
  // Surrogate: ED A0 is not a valid prefix (ED allows only 80..9F), so ED, A0, 80 each.
  EXPECT_EQ(Normalize("\xED\xA0\x80", &st), kFFFD + kFFFD + kFFFD);
  EXPECT_EQ(st.replaced, 3u);
  // Above U+10FFFF.
  EXPECT_EQ(Normalize("\xF4\x90\x80\x80", &st), kFFFD + kFFFD + kFFFD + kFFFD);
  // The WHATWG example: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a,FFFD,FFFD,FFFD,b,FFFD,c,FFFD,FFFD,d
  EXPECT_EQ(Normalize("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", &st),
            "a" + kFFFD + kFFFD + kFFFD + "b" + kFFFD + "c" + kFFFD + kFFFD + "d");
  EXPECT_TRUE(IsValidUtf8(Normalize("\xFF\xFE\xFD\x80\xC3")));
}

TEST(Normalize, LineEndsBomAndControls) {
  NormalizeStats st;
  EXPECT_EQ(Normalize("\xEF\xBB\xBFhello\r\nworld\rend\n", &st), "hello\nworld\nend\n");
  EXPECT_TRUE(st.had_bom);
  EXPECT_EQ(st.line_breaks, 2u);
  // \r\r\n is two line breaks (CR, then CRLF).
  EXPECT_EQ(Normalize("a\r\r\nb"), "a\n\nb");
  // NUL and other C0 controls dropped, tab and LF kept, DEL and C1 dropped.
  EXPECT_EQ(Normalize(std::string("a\0b\x01\x1B[0m\tc\x7F\xC2\x85", 13), &st), "ab[0m\tc");
  EXPECT_EQ(st.dropped, 5u);
  // U+2028 / U+2029 are line breaks.
  EXPECT_EQ(Normalize("a\xE2\x80\xA8" "b\xE2\x80\xA9" "c"), "a\nb\nc");
  // A BOM elsewhere is a ZWNBSP and stays.
  EXPECT_EQ(Normalize("a\xEF\xBB\xBF" "b"), "a\xEF\xBB\xBF" "b");
}

TEST(Normalize, ComposesLatinBaseAndCombiningMarks) {
  NormalizeStats st;
  EXPECT_EQ(Normalize("e\xCC\x81", &st), "\xC3\xA9");  // e + U+0301 -> é
  EXPECT_EQ(st.composed, 1u);
  EXPECT_EQ(Normalize("Cafe\xCC\x81 nai\xCC\x88ve"), "Caf\xC3\xA9 na\xC3\xAFve");  // é, ï
  EXPECT_EQ(Normalize("A\xCC\x8A"), "\xC3\x85");                  // Å
  EXPECT_EQ(Normalize("s\xCC\x8C"), "\xC5\xA1");                  // š (Latin Ext-A)
  EXPECT_EQ(Normalize("e\xCC\x82\xCC\x81"), "\xE1\xBA\xBF");      // ế (two marks, Vietnamese)
  EXPECT_EQ(Normalize("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");  // Hangul 한
  // Already composed text is untouched; a mark with no composition stays.
  EXPECT_EQ(Normalize("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(Normalize("q\xCC\x81"), "q\xCC\x81");
  // A mark after a line break does not compose across it.
  EXPECT_EQ(Normalize("e\n\xCC\x81"), "e\n\xCC\x81");
  EXPECT_EQ(Normalize("e\r\xCC\x81"), "e\n\xCC\x81");
  // A dropped control is as if it were not there (else a second pass would compose what the
  // first did not: chunker_fuzz found "pre", NUL, 0x17, U+0308).
  EXPECT_EQ(Normalize(std::string("pre\0\x17\xCC\x88", 7)), "pr\xC3\xAB");
  EXPECT_EQ(Normalize("e\x7F\xC2\x85\xCC\x81"), "\xC3\xA9");  // DEL and a C1 control too
  const std::string found("%%:\x87:\x87-$%\x87pre\0\x17\xCC\x88~A\x88\x87)\xFE", 23);
  EXPECT_EQ(Normalize(Normalize(found)), Normalize(found));
  EXPECT_EQ(ComposePair(U'n', 0x0303), U'\u00F1');
  EXPECT_EQ(ComposePair(U'x', 0x0303), 0u);
}

TEST(Utf16, OffsetsCountSurrogatePairs) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  EXPECT_EQ(Utf16Length(s), 6u);  // a, é, €, 2 for 😀, z
  EXPECT_EQ(Utf8ToUtf16Offset(s, 0), 0u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 1), 1u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 3), 2u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 6), 3u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 10), 5u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 11), 6u);
  EXPECT_EQ(Utf8ToUtf16Offset(s, 999), 6u);
  const std::vector<uint32_t> offs = Utf16Offsets(s, {10, 0, 6, 3, 3, 11});
  EXPECT_EQ(offs, (std::vector<uint32_t>{5, 0, 3, 2, 2, 6}));
}

TEST(Format, MimeThenExtensionThenSniffing) {
  EXPECT_EQ(DetectFormat("text/markdown; charset=utf-8", "x.txt", ""), Format::kMarkdown);
  EXPECT_EQ(DetectFormat("TEXT/HTML", "notes.md", ""), Format::kHtml);
  EXPECT_EQ(DetectFormat("text/x-rst", "", ""), Format::kRst);
  // Generic MIME types defer to the extension.
  EXPECT_EQ(DetectFormat("text/plain", "vault/Note.md", ""), Format::kMarkdown);
  EXPECT_EQ(DetectFormat("", "a/b/page.HTM", ""), Format::kHtml);
  EXPECT_EQ(DetectFormat("", "doc.rst", ""), Format::kRst);
  EXPECT_EQ(DetectFormat("application/octet-stream", "log.txt", "# not a heading"),
            Format::kPlainText);
  // Sniffing.
  EXPECT_EQ(DetectFormat("", "", "<!DOCTYPE html><html><body>x</body></html>"), Format::kHtml);
  EXPECT_EQ(DetectFormat("", "", "Title\n=====\n\n.. note:: hi\n\nSection\n~~~~~~~\n"),
            Format::kRst);
  EXPECT_EQ(DetectFormat("", "README", "# Title\n\nSome [link](x).\n"), Format::kMarkdown);
  EXPECT_EQ(DetectFormat("text/plain", "", "just some words"), Format::kPlainText);
  EXPECT_EQ(DetectFormat("", "", "just some words"), Format::kMarkdown);
  EXPECT_STREQ(FormatName(Format::kRst), "rst");
}

}  // namespace
}  // namespace kspace::text
