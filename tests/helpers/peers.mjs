// How the benchmarks and the evaluation configure peer engines, in one place so that every
// comparison gives each peer the same, fair setup.

/** Lucene's EnglishAnalyzer stop set (what BEIR's BM25 baseline removes). */
export const LUCENE_ENGLISH_STOPWORDS = Object.freeze([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no',
  'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this',
  'to', 'was', 'will', 'with',
]);

/**
 * Orama's components for English full text: its built-in stemmer and Lucene's stopwords. Orama
 * removes no stopwords by default; without them it scores 0.273 nDCG@10 on SciFact test instead
 * of 0.435 (the number issue 3 quotes), because every "the" and "of" of a query scores.
 */
export function oramaEnglish() {
  return { tokenizer: { stemming: true, stopWords: [...LUCENE_ENGLISH_STOPWORDS] } };
}
