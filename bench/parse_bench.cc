// bench/parse_bench.cc: cirt_parse_bench, the decompress and parse floor.
//
//   cirt_parse_bench DIR [--runs N] [--modes m1,m2,...] [--tsv]
//
// Reads every *.json.gz file under DIR into memory first (so the disk is not
// measured), then times whole passes over all of them, best of N runs, and
// prints MB/s of uncompressed JSON and events/s for each mode:
//
//   gunzip-isal        io::Gunzip (ISA-L igzip, the production decompressor)
//   gunzip-libdeflate  libdeflate_gzip_decompress, whole file in one call,
//                      output sized from the gzip ISIZE trailer
//   parse-ondemand     the real reader: ingest::CloudTrailReader::ReadBytes
//                      (ISA-L + simdjson On-Demand) with a FieldPlan of only
//                      the model fields and a sink that counts records.
//                      This is the floor that `cirt hunt` is compared with.
//   parse-dom          ISA-L + simdjson DOM parse of each file, then a walk of
//                      every record guided by the same FieldPlan (the same
//                      ~23 model fields), to compare the JSON approach.
//
// Events/s of the gunzip rows use the record count of a parse row.
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/diagnostics.h"
#include "ingest/cloudtrail_reader.h"
#include "io/buffer.h"
#include "io/file.h"
#include "io/gzip.h"
#include "model/fields.h"

namespace {

using cirt::io::Buffer;

struct Corpus {
  std::vector<std::string> names;
  std::vector<Buffer> files;  // compressed bytes
  uint64_t bytes_gz = 0;
};

struct PassResult {
  uint64_t bytes_json = 0;  // uncompressed JSON bytes produced
  uint64_t records = 0;     // records seen (0 when the mode does not parse)
  uint64_t check = 0;       // folded from the output so no work is optimised away
};

uint32_t TrailerSize(std::string_view c) {
  if (c.size() < 18) return 0;
  uint32_t v;
  std::memcpy(&v, c.data() + c.size() - 4, 4);
  return v;
}

// ---- gunzip-isal ----------------------------------------------------------

PassResult GunzipIsal(const Corpus& corpus) {
  static Buffer out;
  PassResult r;
  for (const Buffer& f : corpus.files) {
    cirt::Status s = cirt::io::Gunzip(f.view(), &out);
    if (!s.ok()) {
      std::fprintf(stderr, "cirt_parse_bench: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    r.bytes_json += out.size();
    if (out.size()) r.check += static_cast<unsigned char>(out.data()[out.size() / 2]);
  }
  return r;
}

// ---- gunzip-libdeflate ----------------------------------------------------

// Decompresses all members of `in` into `out` with libdeflate, each member in
// one call. The first try is sized from the trailer; a wrong size (multi-member
// file, > 4 GiB) grows the buffer and retries.
bool LibdeflateGunzip(libdeflate_decompressor* d, std::string_view in, Buffer* out) {
  size_t cap = std::max<size_t>(TrailerSize(in), in.size() * 4);
  while (true) {
    out->Resize(0);
    out->Reserve(cap);
    size_t produced = 0, consumed = 0;
    libdeflate_result rc = LIBDEFLATE_SUCCESS;
    while (consumed < in.size()) {
      size_t in_used = 0, out_used = 0;
      rc = libdeflate_gzip_decompress_ex(d, in.data() + consumed, in.size() - consumed,
                                         out->data() + produced,
                                         out->capacity() - Buffer::kPadding - produced,
                                         &in_used, &out_used);
      if (rc != LIBDEFLATE_SUCCESS) break;
      consumed += in_used;
      produced += out_used;
    }
    if (rc == LIBDEFLATE_SUCCESS) {
      out->Resize(produced);
      return true;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) return false;
    cap = cap * 2 + 65536;
  }
}

PassResult GunzipLibdeflate(const Corpus& corpus) {
  static Buffer out;
  static libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  PassResult r;
  for (size_t i = 0; i < corpus.files.size(); ++i) {
    if (!LibdeflateGunzip(d, corpus.files[i].view(), &out)) {
      std::fprintf(stderr, "cirt_parse_bench: libdeflate failed on %s\n", corpus.names[i].c_str());
      std::exit(1);
    }
    r.bytes_json += out.size();
    if (out.size()) r.check += static_cast<unsigned char>(out.data()[out.size() / 2]);
  }
  return r;
}

// ---- parse-ondemand (the real reader) -------------------------------------

class CountingSink : public cirt::ingest::RecordSink {
 public:
  void OnRecord(const cirt::model::Event& event, const cirt::model::FieldValues& values,
                const cirt::model::RecordOrigin& origin) override {
    ++records;
    check += event.event_name.size() + event.user_identity.type.size();
  }
  uint64_t records = 0;
  uint64_t check = 0;
};

struct ReaderState {
  cirt::model::FieldPlan plan;
  cirt::ingest::ModelSlots slots;
  cirt::Diagnostics diagnostics{stderr};
  std::unique_ptr<cirt::ingest::CloudTrailReader> reader;
  ReaderState() {
    slots = cirt::ingest::ModelSlots::Register(&plan);
    reader = std::make_unique<cirt::ingest::CloudTrailReader>(plan, slots, &diagnostics);
  }
};

PassResult ParseOnDemand(const Corpus& corpus) {
  static ReaderState state;
  CountingSink sink;
  PassResult r;
  for (size_t i = 0; i < corpus.files.size(); ++i) {
    cirt::ingest::ReadStats s = state.reader->ReadBytes(corpus.names[i], corpus.files[i].view(), &sink);
    if (s.any_skipped()) {
      std::fprintf(stderr, "cirt_parse_bench: reader skipped input in %s\n", corpus.names[i].c_str());
      std::exit(1);
    }
    r.bytes_json += s.bytes_json;
  }
  r.records = sink.records;
  r.check = sink.check;
  return r;
}

// ---- parse-dom --------------------------------------------------------------

struct DomWalker {
  const cirt::model::FieldPlan* plan;
  cirt::model::FieldValues values;
  uint64_t check = 0;

  void Value(cirt::model::SlotId slot, simdjson::dom::element v) {
    cirt::model::FieldValue fv;
    switch (v.type()) {
      case simdjson::dom::element_type::STRING:
        fv.kind = cirt::model::ValueKind::kString;
        fv.text = v.get_string().value_unsafe();
        break;
      case simdjson::dom::element_type::BOOL:
        fv.kind = cirt::model::ValueKind::kBool;
        fv.boolean = v.get_bool().value_unsafe();
        break;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        fv.kind = cirt::model::ValueKind::kNumber;
        fv.number = v.get_double().value_unsafe();
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        fv.kind = cirt::model::ValueKind::kNull;
        break;
      case simdjson::dom::element_type::OBJECT:
        fv.kind = cirt::model::ValueKind::kObject;
        break;
      case simdjson::dom::element_type::ARRAY:
        fv.kind = cirt::model::ValueKind::kArray;
        break;
    }
    check += fv.text.size();
    values.Add(slot, fv);
  }

  // One pass over the object's keys, each looked up in the plan's trie (as
  // the On-Demand reader does), descending only into planned sub-objects.
  void Walk(simdjson::dom::object obj, const cirt::model::FieldPlan::Node& node) {
    for (auto field : obj) {
      const auto* child = plan->FindChild(node, field.key);
      if (!child) continue;
      if (child->slot >= 0) Value(static_cast<cirt::model::SlotId>(child->slot), field.value);
      if (!child->children.empty() && field.value.is_object())
        Walk(field.value.get_object().value_unsafe(), *child);
    }
  }
};

PassResult ParseDom(const Corpus& corpus) {
  static ReaderState state;  // only for its plan
  static simdjson::dom::parser parser;
  static Buffer json;
  static DomWalker walker{&state.plan, cirt::model::FieldValues(state.plan.slot_count())};
  PassResult r;
  for (size_t i = 0; i < corpus.files.size(); ++i) {
    cirt::Status s = cirt::io::Gunzip(corpus.files[i].view(), &json);
    if (!s.ok()) {
      std::fprintf(stderr, "cirt_parse_bench: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    r.bytes_json += json.size();
    simdjson::dom::element doc;
    // Buffer keeps kPadding (>= SIMDJSON_PADDING) readable bytes: no copy.
    auto err = parser.parse(reinterpret_cast<const uint8_t*>(json.data()), json.size(), false)
                   .get(doc);
    simdjson::dom::array records;
    if (!err) err = doc["Records"].get_array().get(records);
    if (err) {
      std::fprintf(stderr, "cirt_parse_bench: %s: %s\n", corpus.names[i].c_str(),
                   simdjson::error_message(err));
      std::exit(1);
    }
    for (simdjson::dom::element rec : records) {
      simdjson::dom::object obj;
      if (rec.get_object().get(obj)) continue;
      walker.values.Clear();
      walker.Walk(obj, state.plan.root());
      ++r.records;
    }
  }
  r.check = walker.check;
  return r;
}

// ---- driver ---------------------------------------------------------------

struct Mode {
  const char* name;
  PassResult (*run)(const Corpus&);
  const char* what;
};

const Mode kModes[] = {
    {"gunzip-isal", GunzipIsal, "io::Gunzip (libdeflate, ISA-L fallback), decompress only"},
    {"gunzip-libdeflate", GunzipLibdeflate, "libdeflate, whole file in one call"},
    {"parse-ondemand", ParseOnDemand, "io::Gunzip + CloudTrailReader (simdjson On-Demand), model fields"},
    {"parse-dom", ParseDom, "io::Gunzip + simdjson DOM, same fields via the FieldPlan"},
};

Corpus LoadCorpus(const std::string& dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string p = it->path().string();
    if (it->is_regular_file() && p.size() > 8 && p.ends_with(".json.gz")) paths.push_back(p);
  }
  if (ec) {
    std::fprintf(stderr, "cirt_parse_bench: cannot list %s: %s\n", dir.c_str(), ec.message().c_str());
    std::exit(2);
  }
  std::sort(paths.begin(), paths.end());
  Corpus c;
  for (const std::string& p : paths) {
    Buffer b;
    cirt::Status s = cirt::io::ReadFile(p, &b);
    if (!s.ok()) {
      std::fprintf(stderr, "cirt_parse_bench: %s\n", s.ToString().c_str());
      std::exit(2);
    }
    c.bytes_gz += b.size();
    c.names.push_back(p);
    c.files.push_back(std::move(b));
  }
  return c;
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: cirt_parse_bench DIR [--runs N] [--modes m1,m2,...] [--tsv]\n"
               "modes:");
  for (const Mode& m : kModes) std::fprintf(stderr, " %s", m.name);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int runs = 3;
  bool tsv = false;
  std::vector<const Mode*> modes;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--modes" && i + 1 < argc) {
      std::string_view list = argv[++i];
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view name = list.substr(0, comma);
        const Mode* found = nullptr;
        for (const Mode& m : kModes)
          if (name == m.name) found = &m;
        if (!found) Usage();
        modes.push_back(found);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (a == "--tsv") {
      tsv = true;
    } else if (!a.empty() && a[0] != '-' && dir.empty()) {
      dir = std::string(a);
    } else {
      Usage();
    }
  }
  if (dir.empty()) Usage();
  if (modes.empty())
    for (const Mode& m : kModes) modes.push_back(&m);

  Corpus corpus = LoadCorpus(dir);
  if (corpus.files.empty()) {
    std::fprintf(stderr, "cirt_parse_bench: no *.json.gz files under %s\n", dir.c_str());
    return 2;
  }
  std::fprintf(stderr, "cirt_parse_bench: %zu files, %.1f MB gzip in memory; simdjson kernel %s; best of %d\n",
               corpus.files.size(), static_cast<double>(corpus.bytes_gz) / 1e6,
               simdjson::get_active_implementation()->name().c_str(), runs);

  struct Row {
    const Mode* mode;
    double best = 1e300;
    PassResult result;
  };
  std::vector<Row> rows;
  uint64_t records = 0;
  for (const Mode* m : modes) {
    Row row{m};
    for (int r = 0; r < runs; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      PassResult pr = m->run(corpus);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (secs < row.best) row.best = secs;
      row.result = pr;
      std::fprintf(stderr, "  %-18s run %d: %.3f s\n", m->name, r + 1, secs);
    }
    if (row.result.records) records = row.result.records;
    rows.push_back(row);
  }

  if (tsv) {
    std::printf("mode\tmb_per_s\tevents_per_s\tseconds\tbytes_json\trecords\n");
  } else {
    std::printf("%-18s %10s %12s %9s %12s %9s  %s\n", "mode", "MB/s", "events/s", "best s", "MB JSON",
                "records", "what");
  }
  for (const Row& row : rows) {
    uint64_t recs = row.result.records ? row.result.records : records;
    double mbps = static_cast<double>(row.result.bytes_json) / 1e6 / row.best;
    double eps = recs ? static_cast<double>(recs) / row.best : 0;
    if (tsv) {
      std::printf("%s\t%.1f\t%.0f\t%.4f\t%llu\t%llu\n", row.mode->name, mbps, eps, row.best,
                  static_cast<unsigned long long>(row.result.bytes_json),
                  static_cast<unsigned long long>(recs));
    } else {
      std::printf("%-18s %10.1f %12.0f %9.3f %12.1f %9llu  %s\n", row.mode->name, mbps, eps, row.best,
                  static_cast<double>(row.result.bytes_json) / 1e6,
                  static_cast<unsigned long long>(recs), row.mode->what);
    }
  }
  // Keep the folded checks observable.
  uint64_t check = 0;
  for (const Row& row : rows) check += row.result.check;
  std::fprintf(stderr, "cirt_parse_bench: check %llu\n", static_cast<unsigned long long>(check));
  return 0;
}
