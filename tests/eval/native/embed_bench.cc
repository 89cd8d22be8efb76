// Throughput of the built-in embedder: embeds SciFact abstracts (title + text) repeatedly and
// prints MB/s. Builds natively (KSPACE_TOOLS) and with em++ for WebAssembly (see the report in
// tests/eval/native/README.md for the command).
//   embed_bench [corpus.jsonl] [seconds]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "embed/builtin_embedder.h"

namespace {
// Minimal field extraction for {"_id": ..., "title": "...", "text": "..."} lines: enough for a
// benchmark (escapes are left in place, which does not matter for throughput).
std::string Field(const std::string& line, const std::string& name) {
  std::string key = "\"" + name + "\": \"";
  size_t a = line.find(key);
  if (a == std::string::npos) return {};
  a += key.size();
  size_t b = a;
  while (b < line.size() && !(line[b] == '"' && line[b - 1] != '\\')) ++b;
  return line.substr(a, b - a);
}
}  // namespace

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "/work/shared/data/scifact/corpus.jsonl";
  const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return 1;
  }
  std::vector<std::string> texts;
  std::string line;
  size_t bytes = 0;
  while (std::getline(in, line)) {
    texts.push_back(Field(line, "title") + "\n\n" + Field(line, "text"));
    bytes += texts.back().size();
  }
  kspace::embed::BuiltinEmbedder e;
  std::vector<float> out(static_cast<size_t>(e.dimensions()));
  // Platform agreement: a fingerprint of the first text's vector (compare native vs wasm output).
  if (!texts.empty() && e.EmbedOne(texts[0], out).ok()) {
    double fp = 0;
    for (size_t i = 0; i < out.size(); ++i) fp += out[i] * static_cast<double>(i + 1);
    std::printf("fingerprint of text 0: %.9f  v[0..3] = %.9g %.9g %.9g %.9g\n", fp, out[0], out[1], out[2], out[3]);
  }
  double checksum = 0;
  size_t done = 0, passes = 0;
  // CPU time, not wall time: the machine is shared, and the question is what one core does.
  const std::clock_t c0 = std::clock();
  const auto w0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const std::string& t : texts) {
      if (!e.EmbedOne(t, out).ok()) return 1;
      checksum += out[0];
      done += t.size();
    }
    ++passes;
    elapsed = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::printf("wall %.2f s = %.1f MB/s\n", wall, done / wall / 1e6);
  std::printf("%s: %zu texts x %zu passes, %.1f MB in %.2f s CPU = %.1f MB/s (%.1f us/text) [checksum %.6f]\n",
              std::string(e.id()).c_str(), texts.size(), passes, done / 1e6, elapsed, done / elapsed / 1e6,
              elapsed * 1e6 / (texts.size() * passes), checksum);
  return 0;
}
