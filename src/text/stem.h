// English stemming (Porter2, the Snowball "english" stemmer) and an English stopword list.
//
// StemEnglish implements the algorithm as published at snowballstem.org/algorithms/english
// (the 2006 revision with the gener/commun/arsen R1 exceptions), written from its description:
// exceptional forms, Step 0 (apostrophes), 1a, 1b, 1c, 2, 3, 4, 5, with the R1/R2 regions and
// the "short syllable" rules. Input is one lower-case word as WordIterator yields it (ASCII
// after folding); words of two letters or fewer, and words with characters other than a-z and
// apostrophes (digits, non-Latin scripts), are returned unchanged. O(length).
#pragma once

#include <string>
#include <string_view>

namespace kspace::text {

std::string StemEnglish(std::string_view word);

// True for a word of the English stopword list: 174 function words (articles, pronouns,
// auxiliaries, conjunctions, prepositions, and contractions such as "don't"), close to the
// Snowball English stop list. Expects a lower-cased word.
bool IsStopword(std::string_view word);

}  // namespace kspace::text
