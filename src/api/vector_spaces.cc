#include "api/vector_spaces.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "store/chunks.h"
#include "util/clock.h"

namespace kspace::api {

index::IndexParams VectorSpaces::ParamsFor(int dim) {
  index::IndexParams p;
  p.dim = static_cast<uint32_t>(dim);
  p.M = 16;
  // 100 rather than hnswlib's usual 200: half the insert time, which dominates ingest; the recall
  // cost is measured by `node tests/bench/vector.mjs --efc 100` (see README "Choices").
  p.ef_construction = 100;
  p.ef_search = 64;
  p.encoding = index::Encoding::kInt8;  // see the header: memory, snapshot size, reopen time
  return p;
}

namespace {

// Replaces each hit's score by the cosine of `query` with the vector stored in SQLite (a label with
// no stored vector keeps its score), then orders them best first, ties by label, and keeps k.
Status Rescore(store::Database& db, const std::string& model_id, std::span<const float> query,
               std::vector<index::Hit>& hits, size_t k) {
  if (hits.empty()) return Status::Ok();
  // The query as the index uses it: unit length (the index validated it: finite, not all zeros).
  double qq = 0;
  for (float x : query) qq += double{x} * x;
  const float qinv = static_cast<float>(1.0 / std::sqrt(qq));
  std::vector<int64_t> labels;
  labels.reserve(hits.size());
  for (const index::Hit& h : hits) labels.push_back(static_cast<int64_t>(h.label));
  std::unordered_map<int64_t, float> exact;
  exact.reserve(hits.size());
  KS_RETURN_IF_ERROR(store::ReadEmbeddings(db, labels, model_id, [&](int64_t label, std::span<const float> v) {
    if (v.size() != query.size()) return;
    float dot = 0, vv = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      dot += query[i] * v[i];
      vv += v[i] * v[i];
    }
    if (vv > 0) exact.emplace(label, dot * qinv / std::sqrt(vv));
  }));
  // A label without a stored vector (cannot happen while SQLite and the index agree) keeps its
  // quantised score.
  for (index::Hit& h : hits) {
    auto it = exact.find(static_cast<int64_t>(h.label));
    if (it != exact.end()) h.score = it->second;
  }
  std::stable_sort(hits.begin(), hits.end(), [](const index::Hit& a, const index::Hit& b) {
    return a.score > b.score || (a.score == b.score && a.label < b.label);
  });
  if (hits.size() > k) hits.resize(k);
  return Status::Ok();
}

// More candidates than asked, because quantisation (about +-0.01 on a score) reorders near-ties:
// a quarter more, and at least 32, so that a small k sees the same best hits as a larger one
// (reading 32 rows costs a fraction of a millisecond).
size_t Candidates(size_t k) { return std::max<size_t>(32, k + k / 4); }

// The graph search's beam (ef) is at least this many times the candidates it must return. The
// index's default ef (64) suits queries that resemble the stored vectors; a few words of a query
// against 300-token chunks score low against everything, where HNSW's beam must be wider to find
// the true nearest. Measured against the exact scan (RFC corpus, 13.6k chunks, 45 four-word
// queries): recall@10 0.887 / 0.944 / 0.982 and recall@100 0.854 / 0.969 / 0.990 at factors 1, 4
// and 8, for no visible cost (median vector query through the worker at 106k chunks 4.6 ms at 1,
// 4.7 ms at 8: the graph search is a small part of a query).
constexpr size_t kEfFactor = 8;

}  // namespace

Result<std::vector<index::Hit>> VectorSpaces::Search(store::Database& db, SpaceVectors& sv,
                                                     std::span<const float> query, size_t k,
                                                     const index::Filter* filter) {
  if (sv.index->params().encoding == index::Encoding::kFloat32) return sv.index->Search(query, k, filter);
  const size_t want = std::min(sv.index->live_size(), Candidates(k));
  index::SearchOptions options;
  options.ef = static_cast<uint32_t>(std::min<size_t>(index::kMaxEf, std::max<size_t>(sv.index->params().ef_search, kEfFactor * want)));
  KS_ASSIGN_OR_RETURN(std::vector<index::Hit> hits, sv.index->Search(query, want, filter, options));
  KS_RETURN_IF_ERROR(Rescore(db, sv.model_id, query, hits, k));
  return hits;
}

namespace {

// A stored snapshot as the index's loader reads it, with its first bytes read ahead so the caller
// can see the stored encoding before loading.
class SnapshotSource final : public index::ByteSource {
 public:
  explicit SnapshotSource(store::BlobReader& blob) : blob_(blob) {}
  uint64_t size() const override { return blob_.size(); }
  Result<std::optional<index::Encoding>> PeekEncoding() {
    head_.resize(static_cast<size_t>(std::min<uint64_t>(blob_.size(), 128)));
    KS_RETURN_IF_ERROR(blob_.Read(head_.data(), head_.size()));
    return index::VectorIndex::StoredEncoding(head_);
  }
  Status Read(void* dst, size_t n) override {
    auto* d = static_cast<unsigned char*>(dst);
    if (used_ < head_.size()) {
      const size_t m = std::min(n, head_.size() - used_);
      std::memcpy(d, head_.data() + used_, m);
      used_ += m, d += m, n -= m;
    }
    return n == 0 ? Status::Ok() : blob_.Read(d, n);
  }

 private:
  store::BlobReader& blob_;
  std::vector<uint8_t> head_;
  size_t used_ = 0;
};

}  // namespace

Status VectorSpaces::Rebuild(store::Database& db, SpaceVectors& sv) {
  KS_ASSIGN_OR_RETURN(sv.index, index::VectorIndex::Create(ParamsFor(sv.dim)));
  // The generation first: everything committed up to it is in the embeddings we read next (the
  // worker is single-threaded, so nothing commits in between).
  KS_ASSIGN_OR_RETURN(sv.generation, store::IndexGeneration(db, sv.space_id));
  std::vector<index::Label> labels;
  std::vector<float> rows;
  auto flush = [&]() -> Status {
    if (labels.empty()) return Status::Ok();
    KS_RETURN_IF_ERROR(sv.index->AddBatch(labels, rows, index::Linking::kDeferred));
    labels.clear();
    rows.clear();
    return Status::Ok();
  };
  KS_RETURN_IF_ERROR(store::ForEachEmbedding(db, sv.space_id, sv.model_id, /*live_only=*/true,
                                             [&](int64_t label, std::span<const float> v) -> Status {
                                               if (static_cast<int>(v.size()) != sv.dim) return Status::Ok();
                                               labels.push_back(static_cast<index::Label>(label));
                                               rows.insert(rows.end(), v.begin(), v.end());
                                               return labels.size() >= 4096 ? flush() : Status::Ok();
                                             }));
  KS_RETURN_IF_ERROR(flush());
  sv.index->set_generation(static_cast<uint64_t>(sv.generation));
  sv.rebuilt = true;
  return Status::Ok();
}

Status VectorSpaces::Replay(store::Database& db, SpaceVectors& sv, std::span<const int64_t> fresh_labels,
                            std::span<const float> fresh) {
  KS_ASSIGN_OR_RETURN(std::vector<store::IndexLogEntry> log,
                      store::ReadIndexLog(db, sv.space_id, sv.model_id, sv.generation));
  const auto dim = static_cast<size_t>(sv.dim);
  std::unordered_map<int64_t, size_t> fresh_at;
  if (fresh.size() == fresh_labels.size() * dim) {
    fresh_at.reserve(fresh_labels.size());
    for (size_t i = 0; i < fresh_labels.size(); ++i) fresh_at.emplace(fresh_labels[i], i);
  }
  for (const store::IndexLogEntry& e : log) {
    const auto label = static_cast<index::Label>(e.label);
    switch (e.op) {
      case store::IndexOp::kAdd: {
        if (auto f = fresh_at.find(e.label); f != fresh_at.end()) {
          KS_RETURN_IF_ERROR(sv.index->Add(label, fresh.subspan(f->second * dim, dim), index::Linking::kDeferred));
          break;
        }
        KS_ASSIGN_OR_RETURN(auto v, store::GetEmbedding(db, e.label, sv.model_id));
        // A chunk purged after it was added has no embedding left; a later remove covers it.
        if (v && static_cast<int>(v->size()) == sv.dim) {
          KS_RETURN_IF_ERROR(sv.index->Add(label, *v, index::Linking::kDeferred));
        }
        break;
      }
      case store::IndexOp::kRemove: {
        Status s = sv.index->Remove(label);
        if (!s.ok() && s.code() != Code::kNotFound) return s;
        break;
      }
      case store::IndexOp::kRestore: {
        Status s = sv.index->Restore(label);
        if (s.code() == Code::kNotFound) {
          KS_ASSIGN_OR_RETURN(auto v, store::GetEmbedding(db, e.label, sv.model_id));
          if (v && static_cast<int>(v->size()) == sv.dim) s = sv.index->Add(label, *v, index::Linking::kDeferred);
          else s = Status::Ok();
        }
        KS_RETURN_IF_ERROR(s);
        break;
      }
    }
    sv.generation = e.seq;
  }
  // Entries of other models also advance the space's generation; we are current up to it.
  KS_ASSIGN_OR_RETURN(int64_t gen, store::IndexGeneration(db, sv.space_id));
  if (gen > sv.generation) sv.generation = gen;
  sv.index->set_generation(static_cast<uint64_t>(sv.generation));
  return Status::Ok();
}

Result<SpaceVectors*> VectorSpaces::Get(store::Database& db, const std::string& space_id, const std::string& model_id,
                                       int dim) {
  auto key = std::make_pair(space_id, model_id);
  auto it = loaded_.find(key);
  if (it != loaded_.end()) return it->second.get();
  auto sv = std::make_unique<SpaceVectors>();
  sv->space_id = space_id;
  sv->model_id = model_id;
  sv->dim = dim;
  bool loaded = false;
  KS_RETURN_IF_ERROR(store::ReadIndexSnapshot(db, space_id, model_id,
                                              [&](int64_t generation, store::BlobReader& bytes) -> Status {
                                                // The header first, for its encoding.
                                                SnapshotSource source(bytes);
                                                KS_ASSIGN_OR_RETURN(std::optional<index::Encoding> stored, source.PeekEncoding());
                                                auto idx = index::VectorIndex::Deserialize(source, ParamsFor(dim).encoding);
                                                // A snapshot of another dimension (the model was
                                                // re-registered) or a damaged one is rebuilt.
                                                if (idx.ok() && static_cast<int>((*idx)->params().dim) == dim) {
                                                  sv->index = std::move(*idx);
                                                  sv->generation = generation;
                                                  sv->saved_generation = generation;
                                                  sv->converted = stored != ParamsFor(dim).encoding;
                                                  loaded = true;
                                                }
                                                return Status::Ok();
                                              }).status());
  if (!loaded) {
    KS_RETURN_IF_ERROR(Rebuild(db, *sv));
  } else {
    KS_RETURN_IF_ERROR(Replay(db, *sv));
  }
  SpaceVectors* raw = sv.get();
  loaded_[key] = std::move(sv);
  return raw;
}

namespace {

// Allows what `inner` allows (all when null), except the labels of `except`.
class ExceptFilter final : public index::Filter {
 public:
  ExceptFilter(const index::Filter* inner, const std::unordered_map<int64_t, bool>& except)
      : inner_(inner), except_(except) {}
  bool Allows(index::Label label) const override {
    return except_.count(static_cast<int64_t>(label)) == 0 && (inner_ == nullptr || inner_->Allows(label));
  }

 private:
  const index::Filter* inner_;
  const std::unordered_map<int64_t, bool>& except_;
};

}  // namespace

Result<std::optional<std::vector<index::Hit>>> VectorSpaces::ScanSearch(store::Database& db, const std::string& space_id,
                                                                        const std::string& model_id, int dim,
                                                                        std::span<const float> query, size_t k,
                                                                        const index::Filter* filter) {
  using Out = std::optional<std::vector<index::Hit>>;
  if (k == 0) return InvalidArgument("k must be at least 1", "k");
  if (query.size() != static_cast<size_t>(dim)) return Out();  // Get reports it
  // A scan reads the whole snapshot each time; when nothing has loaded the index after a few (the
  // worker loads it while idle unless told not to), the next search loads it instead.
  const auto key = std::make_pair(space_id, model_id);
  if (auto it = scanned_.find(key); it != scanned_.end() && it->second >= kMaxScans) return Out();
  // The labels the log changed after the snapshot, and whether each is live at the log's end
  // (Replay's outcome, without an index): scored from SQLite, not from the snapshot.
  std::unordered_map<int64_t, bool> touched;
  std::vector<index::Hit> hits;
  bool scanned = false;
  KS_ASSIGN_OR_RETURN(bool have, store::ReadIndexSnapshot(db, space_id, model_id,
      [&](int64_t generation, store::BlobReader& bytes) -> Status {
        KS_ASSIGN_OR_RETURN(std::vector<store::IndexLogEntry> log, store::ReadIndexLog(db, space_id, model_id, generation));
        for (const store::IndexLogEntry& e : log) touched[e.label] = e.op != store::IndexOp::kRemove;
        SnapshotSource source(bytes);
        KS_ASSIGN_OR_RETURN(std::optional<index::Encoding> stored, source.PeekEncoding());
        if (!stored) return Status::Ok();  // not a snapshot this build reads: Get rebuilds
        ExceptFilter except(filter, touched);
        auto r = index::VectorIndex::ScanSerialized(source, query, Candidates(k), &except);
        if (!r.ok()) {
          // Damaged, newer or of another dimension: Get loads or rebuilds it (and says why).
          if (r.status().code() == Code::kCorrupt || r.status().code() == Code::kUnsupported ||
              r.status().code() == Code::kInvalidArgument) {
            return Status::Ok();
          }
          return r.status();
        }
        hits = std::move(*r);
        scanned = true;
        return Status::Ok();
      }));
  if (!have || !scanned) return Out();
  for (const auto& [label, live] : touched) {
    if (!live || (filter != nullptr && !filter->Allows(static_cast<index::Label>(label)))) continue;
    // Scored below from its stored vector; one with none (purged since) is dropped.
    hits.push_back(index::Hit{static_cast<index::Label>(label), -std::numeric_limits<float>::infinity()});
  }
  KS_RETURN_IF_ERROR(Rescore(db, model_id, query, hits, SIZE_MAX));
  std::erase_if(hits, [](const index::Hit& h) { return !std::isfinite(h.score); });
  if (hits.size() > k) hits.resize(k);
  ++scanned_[key];
  return Out(std::move(hits));
}

std::vector<std::pair<std::string, std::string>> VectorSpaces::TakeScanned() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, scans] : scanned_) {
    if (loaded_.count(key) == 0) out.push_back(key);
  }
  scanned_.clear();
  return out;
}

const SpaceVectors* VectorSpaces::Loaded(const std::string& space_id, const std::string& model_id) const {
  auto it = loaded_.find(std::make_pair(space_id, model_id));
  return it == loaded_.end() ? nullptr : it->second.get();
}

std::vector<const SpaceVectors*> VectorSpaces::AllLoaded() const {
  std::vector<const SpaceVectors*> out;
  out.reserve(loaded_.size());
  for (const auto& [key, sv] : loaded_) out.push_back(sv.get());
  return out;
}

Status VectorSpaces::Sync(store::Database& db, const std::string& space_id, const std::string& model_id,
                          std::span<const int64_t> fresh_labels, std::span<const float> fresh) {
  auto it = loaded_.find(std::make_pair(space_id, model_id));
  if (it == loaded_.end()) return Status::Ok();
  return Replay(db, *it->second, fresh_labels, fresh);
}

bool VectorSpaces::WorthSaving(const SpaceVectors& sv) {
  if (sv.saved_generation < 0 || sv.rebuilt || sv.converted) return true;
  // A snapshot is the whole index (~0.7 KB per vector with int8 vectors and graph). Rewriting it
  // after every small ingest made adding one note to a 100k-chunk space write 70 MB; a snapshot
  // that is a little behind only costs the next load a replay of the newer log entries (their
  // vectors are read back from SQLite, searchable at once and linked while idle).
  const int64_t behind = sv.generation - sv.saved_generation;
  return behind >= kSaveMinLogEntries || behind * kSaveFraction >= static_cast<int64_t>(sv.index->size());
}

Status VectorSpaces::SaveOne(store::Database& db, SpaceVectors& sv) {
  KS_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, sv.index->Serialize());
  KS_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(db));
  KS_RETURN_IF_ERROR(store::SaveIndexSnapshot(db, sv.space_id, sv.model_id, sv.generation,
                                              static_cast<int64_t>(sv.index->live_size()), bytes,
                                              NowTimestamp()));
  KS_RETURN_IF_ERROR(tx.Commit());
  sv.saved_generation = sv.generation;
  sv.rebuilt = false;
  sv.relinked = false;
  sv.converted = false;
  return Status::Ok();
}

Status VectorSpaces::Save(store::Database& db, int64_t min_log_entries) {
  for (auto& [key, sv] : loaded_) {
    if (min_log_entries == 0) {
      // Closing (or asked to save everything): whatever changed, linked or not.
      if (sv->generation != sv->saved_generation || sv->rebuilt || sv->relinked || sv->converted) {
        KS_RETURN_IF_ERROR(SaveOne(db, *sv));
      }
      continue;
    }
    // An index still linking saves itself when it is done (Link), not half-linked now.
    if (sv->generation == sv->saved_generation || sv->index->unlinked() > 0) continue;
    int64_t pending = sv->saved_generation < 0 ? sv->generation + 1 : sv->generation - sv->saved_generation;
    if (pending <= min_log_entries) continue;
    KS_RETURN_IF_ERROR(SaveOne(db, *sv));
  }
  return Status::Ok();
}

Result<size_t> VectorSpaces::Link(store::Database& db, double budget_ms) {
  // Steps small enough that the budget is kept to a few milliseconds (an insert costs ~0.2-0.5 ms
  // at 512 dimensions in wasm), large enough that the clock is not read per vector.
  constexpr size_t kStep = 16;
  const int64_t t0 = MonotonicMicros();
  size_t left = 0;
  for (auto& [key, sv] : loaded_) {
    bool progressed = false;
    while (sv->index->unlinked() > 0 &&
           (!progressed || static_cast<double>(MonotonicMicros() - t0) < budget_ms * 1000.0)) {
      KS_RETURN_IF_ERROR(sv->index->Link(kStep).status());
      progressed = true;
      sv->relinked = true;
    }
    if (progressed && sv->index->unlinked() == 0 && WorthSaving(*sv)) KS_RETURN_IF_ERROR(SaveOne(db, *sv));
    left += sv->index->unlinked();
  }
  return left;
}

size_t VectorSpaces::unlinked() const {
  size_t n = 0;
  for (const auto& [key, sv] : loaded_) n += sv->index->unlinked();
  return n;
}

void VectorSpaces::Drop(const std::string& space_id) {
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    if (it->first.first == space_id) it = loaded_.erase(it);
    else ++it;
  }
  std::erase_if(scanned_, [&](const auto& entry) { return entry.first.first == space_id; });
}

}  // namespace kspace::api
