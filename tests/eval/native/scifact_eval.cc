// SciFact retrieval-quality harness: the FTS5 path the engine uses (ks_bm25 over an FTS5 table),
// the built-in embedder with exact cosine search, and hybrid fusion; prints nDCG@10 and Recall@100
// on the train and/or test queries. Tune on train; report test.
//
//   scifact_eval [--split train|test|both] [--ranker ks|capture|builtin] [--tokenize 'porter ...']
//                [--k1 a,b,..] [--b ..] [--wtitle ..] [--wtext ..] [--qidf 0|1] [--alpha ..]
//                [--rrf-k ..] [--prf-m ..] [--prf-beta ..] [--fuse-depth N] [--dims N] ...
// Comma-separated lists are swept (every combination is printed). The defaults are the shipped
// recipe (see README.md); tune with --split train only.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "embed/builtin_embedder.h"
#include "search/fts_query.h"
#include "search/fts_rank.h"
#include "search/fusion.h"
#include "search/hybrid.h"
#include "text/document.h"
#include "text/stem.h"
#include "text/tokenize.h"

using namespace kspace;
using search::ScoredId;

namespace {

struct Doc {
  std::string id, title, text;
};
struct Query {
  std::string id, text;
};
struct Chunk {
  int doc;
  std::string text;     // what is embedded: context line ("Title") + body, as the engine stores it
  std::string body;     // what goes into the FTS `text` column (the context is in `title`)
};

std::map<std::string, std::string> g_args;
std::string Arg(const std::string& k, const std::string& def) {
  auto it = g_args.find(k);
  return it == g_args.end() ? def : it->second;
}
std::vector<double> Nums(const std::string& k, const std::string& def) {
  std::vector<double> out;
  std::stringstream ss(Arg(k, def));
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stod(item));
  return out;
}

std::vector<std::string> Strs(const std::string& k, const std::string& def) {
  std::vector<std::string> out;
  std::stringstream ss(Arg(k, def));
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Die(const std::string& msg) {
  std::fprintf(stderr, "fatal: %s\n", msg.c_str());
  std::exit(1);
}

// Sentence-packing chunker (stand-in for src/text's chunker): sentences end at ". " / "? " /
// "! " before an upper-case letter or digit; chunks hold whole sentences up to max_words words,
// balanced so a 1.3x-limit text becomes two similar halves, not a big and a tiny one.
std::vector<std::string> ChunkText(const std::string& text, int max_words) {
  std::vector<std::string> sentences;
  size_t start = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    if ((text[i] == '.' || text[i] == '?' || text[i] == '!') && text[i + 1] == ' ' &&
        (std::isupper(static_cast<unsigned char>(text[i + 2])) || std::isdigit(static_cast<unsigned char>(text[i + 2])))) {
      sentences.push_back(text.substr(start, i + 1 - start));
      start = i + 2;
    }
  }
  if (start < text.size()) sentences.push_back(text.substr(start));
  auto words = [](const std::string& s) {
    int n = 0;
    bool in = false;
    for (char c : s) {
      bool sp = c == ' ';
      if (!sp && !in) ++n;
      in = !sp;
    }
    return n;
  };
  int total = 0;
  for (auto& s : sentences) total += words(s);
  if (max_words <= 0 || total <= max_words) return {text};
  int parts = (total + max_words - 1) / max_words;
  int target = (total + parts - 1) / parts;
  std::vector<std::string> out;
  std::string cur;
  int cw = 0;
  for (auto& s : sentences) {
    int w = words(s);
    if (cw > 0 && cw + w > target + target / 4) {
      out.push_back(cur);
      cur.clear();
      cw = 0;
    }
    if (!cur.empty()) cur += ' ';
    cur += s;
    cw += w;
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

using Qrels = std::map<std::string, std::map<std::string, int>>;

Qrels LoadQrels(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die("cannot read " + path);
  Qrels q;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string qid, did;
    int s = 0;
    ss >> qid >> did >> s;
    if (!qid.empty()) q[qid][did] = s;
  }
  return q;
}

struct Metrics {
  double ndcg10 = 0, recall100 = 0;
};

Metrics Evaluate(const Qrels& qrels, const std::unordered_map<std::string, std::vector<std::string>>& runs) {
  Metrics m;
  for (const auto& [qid, rel] : qrels) {
    auto it = runs.find(qid);
    double dcg = 0, idcg = 0;
    int found = 0, nrel = 0;
    std::vector<int> gains;
    for (auto& [d, g] : rel) {
      if (g > 0) {
        gains.push_back(g);
        ++nrel;
      }
    }
    std::sort(gains.rbegin(), gains.rend());
    for (size_t i = 0; i < gains.size() && i < 10; ++i) idcg += gains[i] / std::log2(i + 2.0);
    if (it != runs.end()) {
      const auto& list = it->second;
      for (size_t i = 0; i < list.size() && i < 100; ++i) {
        auto r = rel.find(list[i]);
        int g = r == rel.end() ? 0 : r->second;
        if (i < 10) dcg += g / std::log2(i + 2.0);
        if (g > 0) ++found;
      }
    }
    m.ndcg10 += idcg > 0 ? dcg / idcg : 0;
    m.recall100 += nrel > 0 ? static_cast<double>(found) / nrel : 0;
  }
  m.ndcg10 /= qrels.size();
  m.recall100 /= qrels.size();
  return m;
}

// ---- Fast parameter sweeps ------------------------------------------------------------------
// ks_capture: an auxiliary function that records, for every matching row, exactly the inputs
// ks_bm25 uses (column lengths, per phrase/column term frequencies, per phrase IDF with repeated
// phrases zeroed, per column average lengths). BM25F is then recomputed in C++ for each parameter
// set, with the same formula; the chosen setting is confirmed through ks_bm25 itself (--confirm).
struct Capture {
  int phrases = 0, cols = 0;
  std::vector<double> idf, avg;
  struct Row {
    int64_t rowid;
    std::vector<int> len, tf;
  };
  std::vector<Row> rows;
};

int CaptureCount(const Fts5ExtensionApi*, Fts5Context*, void* user) {
  ++*static_cast<sqlite3_int64*>(user);
  return SQLITE_OK;
}

void CaptureFn(const Fts5ExtensionApi* api, Fts5Context* ctx, sqlite3_context* result, int, sqlite3_value**) {
  Capture* cap = static_cast<Capture*>(api->xUserData(ctx));
  if (api->xGetAuxdata(ctx, 0) == nullptr) {
    cap->phrases = api->xPhraseCount(ctx);
    cap->cols = api->xColumnCount(ctx);
    sqlite3_int64 n = 0;
    api->xRowCount(ctx, &n);
    cap->avg.assign(cap->cols, 0);
    for (int c = 0; c < cap->cols; ++c) {
      sqlite3_int64 t = 0;
      api->xColumnTotalSize(ctx, c, &t);
      cap->avg[c] = n > 0 ? static_cast<double>(t) / n : 0;
    }
    cap->idf.assign(cap->phrases, 0);
    std::vector<std::string> keys;
    for (int p = 0; p < cap->phrases; ++p) {
      std::string key;
      for (int t = 0; t < api->xPhraseSize(ctx, p); ++t) {
        const char* tok = nullptr;
        int len = 0;
        api->xQueryToken(ctx, p, t, &tok, &len);
        key.append(tok, len);
        key.push_back('\0');
      }
      bool rep = std::find(keys.begin(), keys.end(), key) != keys.end();
      keys.push_back(key);
      if (rep) continue;
      sqlite3_int64 df = 0;
      api->xQueryPhrase(ctx, p, &df, CaptureCount);
      cap->idf[p] = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    }
    api->xSetAuxdata(ctx, cap, nullptr);
  }
  Capture::Row row;
  row.rowid = api->xRowid(ctx);
  row.len.resize(cap->cols);
  for (int c = 0; c < cap->cols; ++c) api->xColumnSize(ctx, c, &row.len[c]);
  row.tf.assign(cap->phrases * cap->cols, 0);
  int inst = 0;
  api->xInstCount(ctx, &inst);
  for (int i = 0; i < inst; ++i) {
    int p, c, o;
    api->xInst(ctx, i, &p, &c, &o);
    ++row.tf[p * cap->cols + c];
  }
  cap->rows.push_back(std::move(row));
  sqlite3_result_null(result);
}

double g_cov = 0;

double Bm25F(const Capture& cap, const Capture::Row& row, double k1, double b, const double* w) {
  double norm[8];
  for (int c = 0; c < cap.cols; ++c) {
    double nm = cap.avg[c] > 0 ? 1 - b + b * row.len[c] / cap.avg[c] : 1;
    norm[c] = nm > 0 ? w[c] / nm : 0;
  }
  double score = 0;
  for (int p = 0; p < cap.phrases; ++p) {
    if (cap.idf[p] == 0) continue;
    double x = 0;
    for (int c = 0; c < cap.cols; ++c) x += norm[c] * row.tf[p * cap.cols + c];
    if (x > 0) score += cap.idf[p] * x * (k1 + 1) / (k1 + x);
  }
  // --cov g (experiment): multiply by (matched query IDF mass / all of it)^g.
  const double cov_g = g_cov;
  if (cov_g != 0) {
    double all = 0, got = 0;
    for (int p = 0; p < cap.phrases; ++p) {
      all += cap.idf[p];
      double x = 0;
      for (int c = 0; c < cap.cols; ++c) x += row.tf[p * cap.cols + c];
      if (x > 0) got += cap.idf[p];
    }
    if (all > 0) score *= std::pow(got / all, cov_g);
  }
  return score;
}

void Check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    Die(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) Die("bad arg " + k);
    g_args[k.substr(2)] = argv[i + 1];
  }
  const std::string dir = Arg("data", "/work/shared/data/scifact");
  const std::string split = Arg("split", "train");
  const int chunk_words = std::stoi(Arg("chunk-words", "0"));
  const int topk = std::stoi(Arg("topk", "1000"));
  g_cov = std::stod(Arg("cov", "0"));

  // ---- Load ------------------------------------------------------------------------------
  std::vector<Doc> docs;
  {
    std::ifstream in(dir + "/corpus.jsonl");
    if (!in) Die("cannot read corpus");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      docs.push_back({j["_id"].get<std::string>(), j["title"].get<std::string>(), j["text"].get<std::string>()});
    }
  }
  std::vector<Query> queries;
  {
    std::ifstream in(dir + "/queries.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line);
      queries.push_back({j["_id"].get<std::string>(), j["text"].get<std::string>()});  // never metadata
    }
  }
  std::vector<std::pair<std::string, Qrels>> splits;
  if (split == "train" || split == "both") splits.push_back({"train", LoadQrels(dir + "/qrels/train.tsv")});
  if (split == "test" || split == "both") splits.push_back({"test", LoadQrels(dir + "/qrels/test.tsv")});

  std::vector<Chunk> chunks;
  const std::string chunker = Arg("chunker", "text");
  text::ChunkOptions copts;
  copts.max_tokens = std::stoi(Arg("max-tokens", std::to_string(copts.max_tokens)));
  copts.overlap_tokens = std::stoi(Arg("overlap", std::to_string(copts.overlap_tokens)));
  for (size_t d = 0; d < docs.size(); ++d) {
    if (chunker == "text") {
      // The engine's path: a plain-text source titled with the paper title.
      copts.default_title = docs[d].title;
      auto parsed = text::ParseDocument(docs[d].text, text::Format::kPlainText, copts);
      if (!parsed.ok()) Die(parsed.status().ToString());
      for (auto& c : parsed->chunks)
        chunks.push_back({static_cast<int>(d), c.text, c.text.substr(c.context_bytes)});
      if (parsed->chunks.empty()) chunks.push_back({static_cast<int>(d), docs[d].title, ""});
    } else {
      for (auto& c : ChunkText(docs[d].text, chunk_words))
        chunks.push_back({static_cast<int>(d), docs[d].title + "\n\n" + c, c});
    }
  }
  std::fprintf(stderr, "docs %zu chunks %zu queries %zu\n", docs.size(), chunks.size(), queries.size());

  // Only the queries some split judges are run.
  std::vector<const Query*> run_queries;
  for (auto& q : queries) {
    bool used = false;
    for (auto& [name, qr] : splits) used |= qr.count(q.id) > 0;
    if (used) run_queries.push_back(&q);
  }

  // ---- Full text: FTS5 ------------------------------------------------------------------
  sqlite3* db = nullptr;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) Die("open");
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_guard(db, sqlite3_close);
  if (Status s = search::RegisterFtsFunctions(db); !s.ok()) Die(s.ToString());
  const std::string tokenize = Arg("tokenize", "porter unicode61 remove_diacritics 2");
  const std::string ddl = "CREATE VIRTUAL TABLE chunk_fts USING fts5(title, heading_path, text, tokenize = '" + tokenize + "')";
  Check(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr), db, "create");
  double t0 = Now();
  {
    Check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
    sqlite3_stmt* ins = nullptr;
    Check(sqlite3_prepare_v2(db, "INSERT INTO chunk_fts(rowid, title, heading_path, text) VALUES (?,?,?,?)", -1, &ins, nullptr), db, "prep");
    for (size_t c = 0; c < chunks.size(); ++c) {
      sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(c));
      sqlite3_bind_text(ins, 2, docs[chunks[c].doc].title.c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 3, "", -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 4, chunks[c].body.c_str(), -1, SQLITE_STATIC);
      Check(sqlite3_step(ins), db, "insert");
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    Check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  std::fprintf(stderr, "fts index %.2fs\n", Now() - t0);

  const std::string ranker = Arg("ranker", "ks");  // ks | builtin
  search::MatchQueryOptions mq;
  mq.drop_stopwords = Arg("stop", "1") == "1";
  const std::string qstop = Arg("qstop", "search");  // search | snowball
  const bool qnum = Arg("qnum", "1") == "1";
  // Optional query rewriting for experiments: remove Snowball stopwords and/or pure numbers.
  for (auto& q : queries) {
    if (qstop == "search" && qnum) continue;
    std::string out;
    text::WordIterator it(q.text);
    while (it.Next()) {
      std::string w(it.word());
      bool digits = std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!qnum && digits) continue;
      if (qstop == "snowball" && text::IsStopword(w)) continue;
      out += w + " ";
    }
    q.text = out;
  }

  struct TextConfig {
    double k1, b, wt, wx;
  };
  std::vector<TextConfig> text_configs;
  for (double k1 : Nums("k1", "0.9"))
    for (double b : Nums("b", "0.75"))
      for (double wt : Nums("wtitle", "1.5"))
        for (double wx : Nums("wtext", "1")) text_configs.push_back({k1, b, wt, wx});

  // text_runs[config][query] = doc list with scores
  std::vector<std::vector<std::vector<ScoredId>>> text_runs(text_configs.size());
  t0 = Now();
  const double multi = std::stod(Arg("multi", "0"));
  if (ranker == "capture") {
    Capture cap;
    {
      sqlite3_stmt* st = nullptr;
      Check(sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr), db, "fts5 api");
      fts5_api* api = nullptr;
      sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", nullptr);
      sqlite3_step(st);
      sqlite3_finalize(st);
      api->xCreateFunction(api, "ks_capture", &cap, CaptureFn, nullptr);
    }
    sqlite3_stmt* st = nullptr;
    Check(sqlite3_prepare_v2(db, "SELECT ks_capture(chunk_fts) FROM chunk_fts WHERE chunk_fts MATCH ?1", -1, &st, nullptr), db, "prep capture");
    for (auto& r : text_runs) r.resize(run_queries.size());
    for (size_t qi = 0; qi < run_queries.size(); ++qi) {
      std::string match = search::BuildMatchQuery(run_queries[qi]->text, mq);
      if (match.empty()) continue;
      cap = Capture();
      sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      }
      Check(rc, db, "capture");
      sqlite3_reset(st);
      for (size_t ci = 0; ci < text_configs.size(); ++ci) {
        const TextConfig& tc = text_configs[ci];
        const double w[3] = {tc.wt, 1.0, tc.wx};
        std::vector<search::ChunkHit> hits;
        hits.reserve(cap.rows.size());
        for (auto& row : cap.rows) hits.push_back({chunks[row.rowid].doc, Bm25F(cap, row, tc.k1, tc.b, w)});
        auto agg = search::AggregateByDocument(hits, multi);
        if (agg.size() > static_cast<size_t>(topk)) agg.resize(topk);
        text_runs[ci][qi] = std::move(agg);
      }
    }
    sqlite3_finalize(st);
  } else {
    for (size_t ci = 0; ci < text_configs.size(); ++ci) {
      const TextConfig& tc = text_configs[ci];
      std::string sql = ranker == "builtin"
                            ? "SELECT rowid, -bm25(chunk_fts, ?1, ?2, ?3) AS s FROM chunk_fts WHERE chunk_fts MATCH ?4 ORDER BY s DESC LIMIT ?5"
                            : "SELECT rowid, -ks_bm25(chunk_fts, ?6, ?7, ?1, ?2, ?3) AS s FROM chunk_fts WHERE chunk_fts MATCH ?4 ORDER BY s DESC LIMIT ?5";
      sqlite3_stmt* st = nullptr;
      Check(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), db, "prep query");
      auto& runs = text_runs[ci];
      runs.resize(run_queries.size());
      for (size_t qi = 0; qi < run_queries.size(); ++qi) {
        std::string match = search::BuildMatchQuery(run_queries[qi]->text, mq);
        if (match.empty()) continue;
        sqlite3_bind_double(st, 1, tc.wt);
        sqlite3_bind_double(st, 2, 1.0);
        sqlite3_bind_double(st, 3, tc.wx);
        sqlite3_bind_text(st, 4, match.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, topk);
        sqlite3_bind_double(st, 6, tc.k1);
        sqlite3_bind_double(st, 7, tc.b);
        std::vector<search::ChunkHit> hits;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
          hits.push_back({chunks[sqlite3_column_int64(st, 0)].doc, sqlite3_column_double(st, 1)});
        Check(rc, db, "query");
        sqlite3_reset(st);
        runs[qi] = search::AggregateByDocument(hits, multi);
      }
      sqlite3_finalize(st);
    }
  }
  std::fprintf(stderr, "text queries %.2fs (%zu configs)\n", Now() - t0, text_configs.size());

  // ---- Vectors ---------------------------------------------------------------------------
  embed::BuiltinEmbedderOptions eo;
  eo.dimensions = std::stoi(Arg("dims", std::to_string(eo.dimensions)));
  eo.word_weight = std::stof(Arg("ew", std::to_string(eo.word_weight)));
  eo.char_weight = std::stof(Arg("ec", std::to_string(eo.char_weight)));
  eo.pair_weight = std::stof(Arg("ep", std::to_string(eo.pair_weight)));
  eo.number_weight = std::stof(Arg("en", std::to_string(eo.number_weight)));
  eo.min_ngram = std::stoi(Arg("nmin", std::to_string(eo.min_ngram)));
  eo.max_ngram = std::stoi(Arg("nmax", std::to_string(eo.max_ngram)));
  eo.power = std::stof(Arg("power", std::to_string(eo.power)));
  auto emb_or = embed::BuiltinEmbedder::Create(eo);
  if (!emb_or.ok()) Die(emb_or.status().ToString());
  embed::BuiltinEmbedder emb = std::move(emb_or).value();
  const size_t dims = static_cast<size_t>(emb.dimensions());
  const bool embed_title = Arg("embed-title", "1") == "1";
  // Oracle/experimental word weights: corpus IDF over documents (title + text).
  struct IdfWeights : embed::WordWeights {
    std::unordered_map<std::string, int> df;
    double n = 0;
    double power = 1;
    float Weight(std::string_view w) const override {
      auto it = df.find(std::string(w));
      double d = it == df.end() ? 0 : it->second;
      return static_cast<float>(std::pow(std::log(1.0 + (n - d + 0.5) / (d + 0.5)), power));
    }
  } idf;
  {
    for (auto& d : docs) {
      std::set<std::string> seen;
      std::string all = d.title + " " + d.text, cur;
      for (char ch : all) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c >= 0x80) cur.push_back(static_cast<char>(std::tolower(c)));
        else if (!cur.empty()) { seen.insert(cur); cur.clear(); }
      }
      if (!cur.empty()) seen.insert(cur);
      for (auto& w : seen) ++idf.df[w];
    }
    idf.n = static_cast<double>(docs.size());
    idf.power = std::stod(Arg("idf-power", "1"));
  }
  struct LenPrior : embed::WordWeights {
    double full = 8, floor = 0.3;
    float Weight(std::string_view w) const override {
      return static_cast<float>(std::clamp(static_cast<double>(w.size()) / full, floor, 1.0));
    }
  } len_prior;
  len_prior.full = std::stod(Arg("len-full", "8"));
  len_prior.floor = std::stod(Arg("len-floor", "0.3"));
  const bool use_len_prior = Arg("len-prior", "0") == "1";
  const bool oracle_doc = Arg("oracle-doc", "0") == "1";
  const bool query_idf = Arg("qidf", "1") == "1";
  std::vector<float> cvec(chunks.size() * dims);
  t0 = Now();
  size_t bytes = 0;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const std::string& t = embed_title ? chunks[c].text : chunks[c].body;
    bytes += t.size();
    std::span<float> out(cvec.data() + c * dims, dims);
    if (Status s = oracle_doc ? emb.EmbedWeighted(t, idf, out) : use_len_prior ? emb.EmbedWeighted(t, len_prior, out) : emb.EmbedOne(t, out); !s.ok()) Die(s.ToString());
  }
  double et = Now() - t0;
  std::fprintf(stderr, "embed %zu chunks %.2fs = %.1f MB/s (%s, %zu dims)\n", chunks.size(), et, bytes / et / 1e6,
               std::string(emb.id()).c_str(), dims);
  std::vector<std::vector<ScoredId>> vec_runs(run_queries.size());
  std::vector<std::vector<float>> qvecs(run_queries.size(), std::vector<float>(dims));
  // Best chunk of each document (for pseudo-relevance feedback from the text side).
  std::vector<int> doc_first_chunk(docs.size(), -1);
  for (size_t c = 0; c < chunks.size(); ++c)
    if (doc_first_chunk[chunks[c].doc] < 0) doc_first_chunk[chunks[c].doc] = static_cast<int>(c);
  auto vector_search = [&](const std::vector<float>& qv) {
    std::vector<search::ChunkHit> hits(chunks.size());
    for (size_t c = 0; c < chunks.size(); ++c) {
      const float* v = cvec.data() + c * dims;
      float dot = 0;
      for (size_t d = 0; d < dims; ++d) dot += v[d] * qv[d];
      hits[c] = {chunks[c].doc, dot};
    }
    auto agg = search::AggregateByDocument(hits, 0);
    if (agg.size() > static_cast<size_t>(topk)) agg.resize(topk);
    return agg;
  };
  {
    std::vector<float> qv(dims);
    std::vector<search::ChunkHit> hits(chunks.size());
    for (size_t qi = 0; qi < run_queries.size(); ++qi) {
      Status s;
      if (query_idf) {
        // The engine's path: IDF of the query words from the FTS5 index (ks_df).
        auto w = search::FetchIdfWeights(
            [&](const std::string& match) -> Result<std::optional<std::string>> {
              sqlite3_stmt* st = nullptr;
              Check(sqlite3_prepare_v2(db, "SELECT ks_df(chunk_fts) FROM chunk_fts WHERE chunk_fts MATCH ?1 LIMIT 1",
                                       -1, &st, nullptr), db, "ks_df");
              sqlite3_bind_text(st, 1, match.c_str(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
              std::optional<std::string> out;
              if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
              sqlite3_finalize(st);
              return out;
            },
            run_queries[qi]->text);
        if (!w.ok()) Die(w.status().ToString());
        if (const double qp = std::stod(Arg("qidf-power", "1")); qp != 1) {
          for (auto& [word, v] : w->idf) v = static_cast<float>(std::pow(v, qp));
          w->unknown = static_cast<float>(std::pow(w->unknown, qp));
        }
        s = emb.EmbedWeighted(run_queries[qi]->text, *w, qv);
      } else {
        s = emb.EmbedOne(run_queries[qi]->text, qv);
      }
      if (!s.ok()) Die(s.ToString());
      qvecs[qi] = qv;
      for (size_t c = 0; c < chunks.size(); ++c) {
        const float* v = cvec.data() + c * dims;
        float dot = 0;
        for (size_t d = 0; d < dims; ++d) dot += v[d] * qv[d];
        hits[c] = {chunks[c].doc, dot};
      }
      auto agg = search::AggregateByDocument(hits, 0);
      if (agg.size() > static_cast<size_t>(topk)) agg.resize(topk);
      vec_runs[qi] = std::move(agg);
    }
  }

  // ---- Report ----------------------------------------------------------------------------
  auto to_ids = [&](const std::vector<ScoredId>& l) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < l.size() && i < 100; ++i) ids.push_back(docs[l[i].id].id);
    return ids;
  };
  auto eval = [&](const std::function<std::vector<ScoredId>(size_t)>& run) {
    std::vector<Metrics> out;
    std::unordered_map<std::string, std::vector<std::string>> runs;
    for (size_t qi = 0; qi < run_queries.size(); ++qi) runs[run_queries[qi]->id] = to_ids(run(qi));
    for (auto& [name, qr] : splits) out.push_back(Evaluate(qr, runs));
    return out;
  };
  auto print = [&](const std::string& label, const std::vector<Metrics>& ms) {
    std::printf("%-60s", label.c_str());
    for (size_t s = 0; s < splits.size(); ++s)
      std::printf("  %s nDCG@10 %.4f R@100 %.4f", splits[s].first.c_str(), ms[s].ndcg10, ms[s].recall100);
    std::printf("\n");
    std::fflush(stdout);
  };
  char label[256];
  print("vector " + std::string(emb.id()), eval([&](size_t qi) { return vec_runs[qi]; }));
  if (Arg("dump", "0") == "1" && !splits.empty()) {
    const Qrels& qr = splits[0].second;
    for (size_t qi = 0; qi < run_queries.size(); ++qi) {
      auto it = qr.find(run_queries[qi]->id);
      if (it == qr.end()) continue;
      for (auto& [did, g] : it->second) {
        auto rank_of = [&](const std::vector<ScoredId>& l) {
          for (size_t r = 0; r < l.size(); ++r) if (docs[l[r].id].id == did) return static_cast<int>(r) + 1;
          return -1;
        };
        int tr = rank_of(text_runs[0][qi]), vr = rank_of(vec_runs[qi]);
        if (tr <= 10 && tr > 0) continue;
        std::string title;
        for (auto& d : docs) if (d.id == did) title = d.title;
        std::printf("Q %s | text rank %d vec rank %d\n  claim: %s\n  doc: %s\n  top1: %s\n", run_queries[qi]->id.c_str(), tr, vr,
                    run_queries[qi]->text.c_str(), title.c_str(), text_runs[0][qi].empty() ? "" : docs[text_runs[0][qi][0].id].title.c_str());
      }
    }
  }
  const auto alphas = Nums("alpha", "0.5");
  const auto rrfks = Nums("rrf-k", "60");
  const std::string norm_name = Arg("norm", "minmax");
  search::ScoreNorm norm = norm_name == "max" ? search::ScoreNorm::kMaxOnly
                           : norm_name == "z" ? search::ScoreNorm::kZScore
                                              : search::ScoreNorm::kMinMax;
  const size_t fuse_depth = std::stoul(Arg("fuse-depth", "100"));
  auto head = [&](const std::vector<ScoredId>& l) {
    return std::span<const ScoredId>(l.data(), std::min(l.size(), fuse_depth));
  };
  for (size_t ci = 0; ci < text_configs.size(); ++ci) {
    const TextConfig& tc = text_configs[ci];
    std::snprintf(label, sizeof label, "text k1=%.2f b=%.2f wt=%.2f wx=%.2f", tc.k1, tc.b, tc.wt, tc.wx);
    print(label, eval([&](size_t qi) { return text_runs[ci][qi]; }));
    for (double prf_m : Nums("prf-m", "1")) {
      if (prf_m <= 0) continue;
      for (double beta : Nums("prf-beta", "2")) {
        std::vector<std::vector<ScoredId>> prf_runs(run_queries.size());
        for (size_t qi = 0; qi < run_queries.size(); ++qi) {
          std::vector<float> q = qvecs[qi];
          const auto& tl = text_runs[ci][qi];
          size_t m = std::min(tl.size(), static_cast<size_t>(prf_m));
          std::vector<float> fb;
          for (size_t r = 0; r < m; ++r) {
            const float* v = cvec.data() + static_cast<size_t>(doc_first_chunk[tl[r].id]) * dims;
            fb.insert(fb.end(), v, v + dims);
          }
          if (Status st = search::ExpandQueryVector(q, fb, static_cast<float>(beta)); !st.ok()) Die(st.ToString());
          prf_runs[qi] = vector_search(q);
        }
        std::snprintf(label, sizeof label, "  vector prf m=%.0f beta=%.2f", prf_m, beta);
        std::string prf_label = label;
        print(label, eval([&](size_t qi) { return prf_runs[qi]; }));
        for (double a : alphas) {
          std::snprintf(label, sizeof label, "    hybrid prf m=%.0f beta=%.2f convex alpha=%.2f", prf_m, beta, a);
          print(label, eval([&](size_t qi) {
                  return search::ConvexFusion(head(text_runs[ci][qi]), head(prf_runs[qi]), {a, norm});
                }));
        }
        // Per-query alpha from the lists' confidence (scratch experiment): alpha + g * (c - median c).
        for (const std::string& feat : Strs("adapt-feat", "")) {
          auto gap = [](const std::vector<ScoredId>& l) {
            if (l.size() < 2 || !(l[0].score > 0)) return 0.0;
            const size_t j = std::min<size_t>(l.size() - 1, 9);
            return (l[0].score - l[j].score) / l[0].score;
          };
          std::vector<double> conf(run_queries.size());
          for (size_t qi = 0; qi < run_queries.size(); ++qi) {
            const double t = gap(text_runs[ci][qi]), v = gap(prf_runs[qi]);
            conf[qi] = feat == "t" ? t : feat == "v" ? -v : t - v;
          }
          std::vector<double> sorted = conf;
          std::sort(sorted.begin(), sorted.end());
          const double mid = sorted.empty() ? 0 : sorted[sorted.size() / 2];
          for (double g : Nums("adapt-g", "0")) {
            for (double a : alphas) {
              std::snprintf(label, sizeof label, "    adapt %s g=%.2f alpha=%.2f (mid %.3f)", feat.c_str(), g, a, mid);
              print(label, eval([&](size_t qi) {
                      const double aq = std::clamp(a + g * (conf[qi] - mid), 0.0, 1.0);
                      return search::ConvexFusion(head(text_runs[ci][qi]), head(prf_runs[qi]), {aq, norm});
                    }));
            }
          }
        }
        for (double k : rrfks) {
          std::snprintf(label, sizeof label, "    hybrid prf m=%.0f beta=%.2f rrf k=%.0f", prf_m, beta, k);
          print(label, eval([&](size_t qi) {
                  return search::ReciprocalRankFusion(head(text_runs[ci][qi]), head(prf_runs[qi]), {k, 1, 1});
                }));
        }
      }
    }
    for (double k : rrfks) {
      std::snprintf(label, sizeof label, "  hybrid rrf k=%.0f", k);
      print(label, eval([&](size_t qi) {
              return search::ReciprocalRankFusion(head(text_runs[ci][qi]), head(vec_runs[qi]), {k, 1, 1});
            }));
    }
    for (double a : alphas) {
      std::snprintf(label, sizeof label, "  hybrid convex alpha=%.2f %s", a, norm_name.c_str());
      print(label, eval([&](size_t qi) {
              return search::ConvexFusion(head(text_runs[ci][qi]), head(vec_runs[qi]), {a, norm});
            }));
    }
  }
  // ---- Experiments (--exp 1) ------------------------------------------------------------
  // Ideas tried on train against the shipped recipe (all ended within +-0.003 of it; README.md):
  //   W  Rocchio feedback rows weighted by exp(min-max text score / --prf-tau) (0 = mean);
  //   X  full-score fusion: every document of either head scored by BOTH sides (exact cosine of
  //      the Rocchio vector; BM25 or 0), min-max over the union, convex blend;
  //   3  --three 1: a third list, the plain (no feedback) query vector, weight --gamma;
  //   T  --two 1: second Rocchio round, feedback from the fused list of round one (--a1);
  //   B  --bi 1: second FTS query of adjacent-word phrases (--bi-mode phrase) or NEAR pairs
  //      (--bi-mode near --bi-near N), added with weight --bi-mu to the BM25 score;
  //   R  --rm-m M: RM3-style text feedback, --rm-t expansion terms (tf/len * idf, weighted by the
  //      feedback document's exp(score - best)) from the top M documents of the text
  //      (--rm-src text) or fused (hybrid) list, a second FTS query added with weight --rm-lambda;
  //   and, outside this block, --cov g (capture ranker: BM25F * matched-IDF-fraction^g),
  //   --qidf-power p (query word weights IDF^p), --multi (sum of other chunks).
  if (Arg("exp", "0") == "1") {
    const size_t ci = 0;
    // Per-doc exact vector scores for a query vector (max over chunks).
    auto doc_vec_all = [&](const std::vector<float>& qv) {
      std::vector<double> s(docs.size(), -1e9);
      for (size_t c = 0; c < chunks.size(); ++c) {
        const float* v = cvec.data() + c * dims;
        float dot = 0;
        for (size_t d = 0; d < dims; ++d) dot += v[d] * qv[d];
        s[chunks[c].doc] = std::max(s[chunks[c].doc], static_cast<double>(dot));
      }
      return s;
    };
    // PRF query vectors (m = prf-m first value, beta first value) and their full doc scores.
    const int pm = static_cast<int>(Nums("prf-m", "1")[0]);
    const double pb = Nums("prf-beta", "2")[0];
    const double tau = std::stod(Arg("prf-tau", "0"));  // > 0: feedback rows weighted by exp(norm score / tau)
    std::vector<std::vector<double>> vall(run_queries.size());
    std::vector<std::vector<ScoredId>> vrun(run_queries.size());
    auto make_vec = [&](const std::vector<std::vector<ScoredId>>& tr) {
      for (size_t qi = 0; qi < run_queries.size(); ++qi) {
        std::vector<float> q = qvecs[qi];
        const auto& tl = tr[qi];
        size_t m = std::min(tl.size(), static_cast<size_t>(pm));
        std::vector<float> fb;
        double wsum = 0;
        std::vector<double> wr(m, 1.0);
        if (tau > 0 && m > 0) {
          double hi = tl[0].score, lo = tl[std::min(tl.size(), fuse_depth) - 1].score;
          for (size_t r = 0; r < m; ++r) wr[r] = std::exp((hi > lo ? (tl[r].score - hi) / (hi - lo) : 0) / tau);
        }
        for (size_t r = 0; r < m; ++r) wsum += wr[r];
        for (size_t r = 0; r < m; ++r) {
          const float* v = cvec.data() + static_cast<size_t>(doc_first_chunk[tl[r].id]) * dims;
          for (size_t d = 0; d < dims; ++d) fb.push_back(static_cast<float>(v[d] * wr[r] * m / wsum));
        }
        if (Status st = search::ExpandQueryVector(q, fb, static_cast<float>(pb)); !st.ok()) Die(st.ToString());
        vall[qi] = doc_vec_all(q);
        std::vector<ScoredId> l;
        for (size_t d = 0; d < docs.size(); ++d) l.push_back({static_cast<int64_t>(d), vall[qi][d]});
        search::SortByScore(l);
        l.resize(std::min<size_t>(l.size(), topk));
        vrun[qi] = std::move(l);
      }
    };
    make_vec(text_runs[ci]);
    // Full-score fusion: union of both heads, each scored by both signals, min-max over the union.
    auto full_fusion = [&](const std::vector<ScoredId>& tl, size_t qi, double a) {
      std::unordered_map<int64_t, double> ts;
      for (auto& x : tl) ts[x.id] = x.score;
      std::set<int64_t> u;
      for (size_t i = 0; i < tl.size() && i < fuse_depth; ++i) u.insert(tl[i].id);
      for (size_t i = 0; i < vrun[qi].size() && i < fuse_depth; ++i) u.insert(vrun[qi][i].id);
      std::vector<ScoredId> t, v;
      for (int64_t d : u) {
        auto it = ts.find(d);
        t.push_back({d, it == ts.end() ? 0.0 : it->second});
        v.push_back({d, vall[qi][d]});
      }
      search::NormalizeScores(t, norm);
      search::NormalizeScores(v, norm);
      std::vector<ScoredId> out;
      for (size_t i = 0; i < t.size(); ++i) out.push_back({t[i].id, a * t[i].score + (1 - a) * v[i].score});
      search::SortByScore(out);
      return out;
    };
    for (double a : alphas) {
      std::snprintf(label, sizeof label, "W weighted-prf m=%d beta=%.2f alpha=%.2f", pm, pb, a);
      print(label, eval([&](size_t qi) { return search::ConvexFusion(head(text_runs[ci][qi]), head(vrun[qi]), {a, norm}); }));
    }
    for (double a : alphas) {
      std::snprintf(label, sizeof label, "X full-fusion alpha=%.2f", a);
      print(label, eval([&](size_t qi) { return full_fusion(text_runs[ci][qi], qi, a); }));
    }
    // Three lists: text, plain query vector, Rocchio vector.
    if (Arg("three", "0") == "1") {
      for (double a : alphas)
        for (double g : Nums("gamma", "0.1,0.2")) {
          std::snprintf(label, sizeof label, "3 three-list text=%.2f plain=%.2f prf=%.2f", a, g, 1 - a - g);
          print(label, eval([&](size_t qi) {
                  auto tv = search::ConvexFusion(head(text_runs[ci][qi]), head(vrun[qi]), {a / (1 - g), norm});
                  std::vector<ScoredId> pv(head(vec_runs[qi]).begin(), head(vec_runs[qi]).end());
                  search::NormalizeScores(pv, norm);
                  std::unordered_map<int64_t, double> s;
                  for (auto& x : tv) s[x.id] += (1 - g) * x.score;
                  for (auto& x : pv) s[x.id] += g * x.score;
                  std::vector<ScoredId> out;
                  for (auto& [d, v] : s) out.push_back({d, v});
                  search::SortByScore(out);
                  return out;
                }));
        }
    }
    // Two rounds: Rocchio feedback from the fused list of round one.
    if (Arg("two", "0") == "1") {
      for (double a1 : Nums("a1", "0.5")) {
        std::vector<std::vector<ScoredId>> fused1(run_queries.size());
        make_vec(text_runs[ci]);
        for (size_t qi = 0; qi < run_queries.size(); ++qi)
          fused1[qi] = search::ConvexFusion(head(text_runs[ci][qi]), head(vrun[qi]), {a1, norm});
        make_vec(fused1);
        for (double a : alphas) {
          std::snprintf(label, sizeof label, "T two-round a1=%.2f m=%d beta=%.2f a=%.2f", a1, pm, pb, a);
          print(label, eval([&](size_t qi) { return search::ConvexFusion(head(text_runs[ci][qi]), head(vrun[qi]), {a, norm}); }));
        }
      }
      make_vec(text_runs[ci]);
    }
    // Bigram phrases of adjacent query words (after stopword removal), a second ks_bm25 query.
    if (Arg("bi", "0") == "1") {
      const TextConfig& tc = text_configs[ci];
      sqlite3_stmt* st = nullptr;
      Check(sqlite3_prepare_v2(db, "SELECT rowid, -ks_bm25(chunk_fts, ?2, ?3, ?4, 1.0, ?5) AS s FROM chunk_fts WHERE chunk_fts MATCH ?1 ORDER BY s DESC LIMIT ?6", -1, &st, nullptr), db, "prep bi");
      const std::string bimode = Arg("bi-mode", "phrase");  // phrase | near
      const int near_k = std::stoi(Arg("bi-near", "3"));
      std::vector<std::vector<ScoredId>> bi_runs(run_queries.size());
      for (size_t qi = 0; qi < run_queries.size(); ++qi) {
        auto words = search::QueryWords(run_queries[qi]->text);
        std::string match;
        for (size_t i = 0; i + 1 < words.size(); ++i) {
          if (!match.empty()) match += " OR ";
          if (bimode == "phrase") match += "\"" + words[i] + " " + words[i + 1] + "\"";
          else match += "NEAR(\"" + words[i] + "\" \"" + words[i + 1] + "\", " + std::to_string(near_k) + ")";
        }
        if (match.empty()) continue;
        sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 2, tc.k1);
        sqlite3_bind_double(st, 3, tc.b);
        sqlite3_bind_double(st, 4, tc.wt);
        sqlite3_bind_double(st, 5, tc.wx);
        sqlite3_bind_int(st, 6, topk);
        std::vector<search::ChunkHit> hits;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
          hits.push_back({chunks[sqlite3_column_int64(st, 0)].doc, sqlite3_column_double(st, 1)});
        Check(rc, db, "bi");
        sqlite3_reset(st);
        bi_runs[qi] = search::AggregateByDocument(hits, multi);
      }
      sqlite3_finalize(st);
      for (double mu : Nums("bi-mu", "0.3")) {
        std::vector<std::vector<ScoredId>> comb(run_queries.size());
        for (size_t qi = 0; qi < run_queries.size(); ++qi) {
          std::unordered_map<int64_t, double> s;
          for (auto& x : text_runs[ci][qi]) s[x.id] += x.score;
          for (auto& x : bi_runs[qi]) s[x.id] += mu * x.score;
          for (auto& [d, v] : s) comb[qi].push_back({d, v});
          search::SortByScore(comb[qi]);
          if (comb[qi].size() > static_cast<size_t>(topk)) comb[qi].resize(topk);
        }
        std::snprintf(label, sizeof label, "B bigram %s mu=%.2f text", bimode.c_str(), mu);
        print(label, eval([&](size_t qi) { return comb[qi]; }));
        for (double a : alphas) {
          std::snprintf(label, sizeof label, "B bigram mu=%.2f hybrid a=%.2f", mu, a);
          print(label, eval([&](size_t qi) { return search::ConvexFusion(head(comb[qi]), head(vrun[qi]), {a, norm}); }));
        }
      }
    }
    // RM3 on the text side.
    const std::string fb_src = Arg("rm-src", "text");  // text | hybrid
    const auto rm_ms = Nums("rm-m", "0");
    const auto rm_ts = Nums("rm-t", "10");
    const auto rm_ls = Nums("rm-lambda", "0.3");
    if (rm_ms[0] > 0) {
      sqlite3_stmt* st = nullptr;
      Check(sqlite3_prepare_v2(db, "SELECT rowid, -ks_bm25(chunk_fts, ?2, ?3, ?4, 1.0, ?5) AS s FROM chunk_fts WHERE chunk_fts MATCH ?1 ORDER BY s DESC LIMIT ?6", -1, &st, nullptr), db, "prep rm3");
      const TextConfig& tc = text_configs[ci];
      for (double rm_m : rm_ms)
        for (double rm_t : rm_ts) {
          std::vector<std::vector<ScoredId>> exp_runs(run_queries.size());
          for (size_t qi = 0; qi < run_queries.size(); ++qi) {
            std::vector<ScoredId> first = fb_src == "hybrid" ? search::ConvexFusion(head(text_runs[ci][qi]), head(vrun[qi]), {0.5, norm})
                                                              : text_runs[ci][qi];
            std::set<std::string> qstems;
            for (auto& w : search::QueryWords(run_queries[qi]->text)) qstems.insert(text::StemEnglish(w));
            std::map<std::string, double> tw;  // stem -> weight
            std::map<std::string, std::string> surface;
            size_t m = std::min(first.size(), static_cast<size_t>(rm_m));
            double zsum = 0;
            for (size_t r = 0; r < m; ++r) zsum += std::exp(first[r].score - first[0].score);
            for (size_t r = 0; r < m; ++r) {
              int d = static_cast<int>(first[r].id);
              std::map<std::string, int> tf;
              int len = 0;
              {
                std::string all = docs[d].title + " " + docs[d].text, cur;
                auto flush = [&] { if (!cur.empty()) { ++len; if (!search::IsQueryStopword(cur)) ++tf[cur]; } cur.clear(); };
                for (char ch : all) {
                  unsigned char c = static_cast<unsigned char>(ch);
                  if (std::isalnum(c) || c >= 0x80) cur.push_back(static_cast<char>(std::tolower(c))); else flush();
                }
                flush();
              }
              double wd = std::exp(first[r].score - first[0].score) / zsum;
              for (auto& [w, f] : tf) {
                if (w.size() < 3 || std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
                std::string s = text::StemEnglish(w);
                if (qstems.count(s)) continue;
                auto it = idf.df.find(w);
                double dfw = it == idf.df.end() ? 1 : it->second;
                if (dfw < 2) continue;
                double iw = std::log(1.0 + (idf.n - dfw + 0.5) / (dfw + 0.5));
                tw[s] += wd * f / len * iw;
                surface.emplace(s, w);
              }
            }
            std::vector<std::pair<double, std::string>> best;
            for (auto& [s, w] : tw) best.push_back({w, surface[s]});
            std::sort(best.rbegin(), best.rend());
            std::string match;
            for (size_t i = 0; i < best.size() && i < static_cast<size_t>(rm_t); ++i) {
              if (!match.empty()) match += " OR ";
              match += '"' + best[i].second + '"';
            }
            if (match.empty()) continue;
            sqlite3_bind_text(st, 1, match.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_bind_double(st, 2, tc.k1);
            sqlite3_bind_double(st, 3, tc.b);
            sqlite3_bind_double(st, 4, tc.wt);
            sqlite3_bind_double(st, 5, tc.wx);
            sqlite3_bind_int(st, 6, topk);
            std::vector<search::ChunkHit> hits;
            int rc;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
              hits.push_back({chunks[sqlite3_column_int64(st, 0)].doc, sqlite3_column_double(st, 1)});
            Check(rc, db, "rm3");
            sqlite3_reset(st);
            exp_runs[qi] = search::AggregateByDocument(hits, multi);
          }
          for (double lam : rm_ls) {
            std::vector<std::vector<ScoredId>> comb(run_queries.size());
            for (size_t qi = 0; qi < run_queries.size(); ++qi) {
              std::unordered_map<int64_t, double> s;
              for (auto& x : text_runs[ci][qi]) s[x.id] += x.score;
              for (auto& x : exp_runs[qi]) s[x.id] += lam * x.score;
              for (auto& [d, v] : s) comb[qi].push_back({d, v});
              search::SortByScore(comb[qi]);
              if (comb[qi].size() > static_cast<size_t>(topk)) comb[qi].resize(topk);
            }
            std::snprintf(label, sizeof label, "R rm3 src=%s m=%.0f t=%.0f lambda=%.2f text", fb_src.c_str(), rm_m, rm_t, lam);
            print(label, eval([&](size_t qi) { return comb[qi]; }));
            for (double a : alphas) {
              std::snprintf(label, sizeof label, "R rm3 m=%.0f t=%.0f lambda=%.2f hybrid a=%.2f", rm_m, rm_t, lam, a);
              print(label, eval([&](size_t qi) { return search::ConvexFusion(head(comb[qi]), head(vrun[qi]), {a, norm}); }));
              std::snprintf(label, sizeof label, "R rm3 m=%.0f t=%.0f lambda=%.2f full a=%.2f", rm_m, rm_t, lam, a);
              print(label, eval([&](size_t qi) { return full_fusion(comb[qi], qi, a); }));
            }
          }
        }
      sqlite3_finalize(st);
    }
  }
  return 0;
}
