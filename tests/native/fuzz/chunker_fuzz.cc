// libFuzzer target for the text subsystem: every format through ParseDocument with several
// option sets, then the Document invariants (tests/native/text/invariants.h), keyphrases and a
// summary. Aborts on any violation. Build and run: see src/text/README.md.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "../text/invariants.h"
#include "text/document.h"
#include "text/format.h"
#include "text/keywords.h"
#include "text/normalize.h"
#include "text/tokenize.h"

namespace {

using namespace kspace::text;

void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "chunker_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // Primitives.
  const std::string norm = Normalize(bytes);
  if (!IsValidUtf8(norm)) Fail("Normalize", "output is not valid UTF-8");
  if (Normalize(norm) != norm) Fail("Normalize", "not idempotent");
  uint32_t pos = 0;
  for (const Span& s : SplitSentences(norm)) {
    if (s.begin != pos || s.end <= s.begin) Fail("SplitSentences", "spans do not partition");
    pos = s.end;
  }
  if (pos != norm.size()) Fail("SplitSentences", "spans do not cover the text");
  WordIterator words(norm);
  while (words.Next()) {
    if (words.word().empty() || !IsValidUtf8(words.word())) Fail("WordIterator", "bad word");
  }
  (void)DetectFormat("", "", bytes);

  ChunkOptions options[4];
  options[1].max_tokens = 16;
  options[1].overlap_tokens = 4;
  options[1].merge_below_tokens = 0;
  options[2].max_tokens = 64;
  options[2].overlap_tokens = 0;
  options[2].context = ChunkContext::kNone;
  options[3].max_tokens = 8;
  options[3].overlap_tokens = 3;
  options[3].default_title = "A fairly long default title that will not fit the context cap";
  const Format formats[] = {Format::kMarkdown, Format::kPlainText, Format::kHtml, Format::kRst};
  for (size_t f = 0; f < 4; ++f) {
    for (size_t o = 0; o < 4; ++o) {
      // Vary option sets by format to keep each input fast.
      if (o != 0 && (o + f) % 2 == 1) continue;
      kspace::Result<Document> r = ParseDocument(bytes, formats[f], options[o]);
      if (!r.ok()) Fail("ParseDocument", r.status().ToString());
      const std::string err = kspace::text::testing::CheckDocument(*r, options[o]);
      if (!err.empty()) Fail(FormatName(formats[f]), err);
      if (o == 0) {
        for (const Keyphrase& k : ExtractKeyphrases(*r, nullptr)) {
          if (k.text.empty() || k.key.empty() || !IsValidUtf8(k.text)) Fail("keyphrase", k.text);
        }
        const std::string summary = Summarize(*r);
        if (summary.size() > 400 || !IsValidUtf8(summary)) Fail("Summarize", summary);
        (void)r->metadata.dump();  // throws on invalid UTF-8 strings
      }
    }
  }
  return 0;
}
