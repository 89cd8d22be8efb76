// store/fts_replay.h: the Preparer's tokenizer encoding (what a replay hands FTS5 at commit).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/fts_replay.h"

namespace kspace::store {
namespace {

// Decodes FtsTokenizer::Tokenize's encoding: a length byte (< 255) or 255 and 4 little-endian
// bytes, then the token.
std::vector<std::string> Decode(std::string_view enc) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < enc.size()) {
    size_t len = static_cast<unsigned char>(enc[at++]);
    if (len == 255) {
      len = 0;
      for (int i = 0; i < 4; ++i) len |= size_t{static_cast<unsigned char>(enc[at++])} << (8 * i);
    }
    out.emplace_back(enc.substr(at, len));
    at += len;
  }
  EXPECT_EQ(at, enc.size());
  return out;
}

TEST(FtsTokenizer, EncodesStemmedTokensOfAnyLengthAndAppends) {
  auto tok = FtsTokenizer::Open();
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  // Appends to what `out` holds; words are folded, stemmed and stripped of diacritics as chunk_fts
  // indexes them; a 300-letter word takes the 5-byte length form.
  std::string out = "\x03" "pre";
  const std::string longword(300, 'x');
  ASSERT_TRUE((*tok)->Tokenize("Running CAFÉS " + longword + " ok", &out));
  EXPECT_EQ(Decode(out), (std::vector<std::string>{"pre", "run", "cafe", longword, "ok"}));
  // Many tokens in one call (the buffer grows several times).
  std::string many_text, many;
  for (int i = 0; i < 5000; ++i) many_text += "w" + std::to_string(i) + " ";
  ASSERT_TRUE((*tok)->Tokenize(many_text, &many));
  const std::vector<std::string> tokens = Decode(many);
  ASSERT_EQ(tokens.size(), 5000u);
  EXPECT_EQ(tokens.front(), "w0");
  EXPECT_EQ(tokens.back(), "w4999");
  std::string empty;
  ASSERT_TRUE((*tok)->Tokenize("", &empty));
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace kspace::store
