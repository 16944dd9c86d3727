// soak: several threads send a random mix of requests through one
// fresh-state pool for a while, check that every request ends in exactly
// the status its kind must give, and report requests/s, statuses and RSS
// once a second. Exits 1 on any unexpected status or a lease that did not
// start fresh. Usage: soak [--seconds=N] [--threads=N]
//
// What it mixes (see soak.wat): plain calls that write memory and a global,
// traps, endless loops stopped by a deadline, stack overflows, memory
// growth within and past the instance's limit, 192 KiB bulk fills, and host
// functions that succeed or fail.

#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/soak/soak_guest.h"
#include "wasmhost/wasmhost.h"

namespace wasmhost::soak {
namespace {

enum Kind {
  kWork,
  kTrap,
  kDeadline,
  kStackOverflow,
  kGrow,
  kGrowPastLimit,
  kFill,
  kHostOk,
  kHostError,
  kKinds,
};

constexpr std::array<const char*, kKinds> kKindNames = {
    "work",      "trap", "deadline", "stack",     "grow",
    "grow-over", "fill", "host-ok",  "host-error"};
// Out of 100.
constexpr std::array<int, kKinds> kWeights = {50, 8, 4, 5, 10, 3, 10, 5, 5};

constexpr uint64_t kMaxMemoryBytes = 2 << 20;  // 32 pages; the module: 4..64

struct Counters {
  std::array<std::atomic<uint64_t>, kKinds> ok{};
  std::array<std::atomic<uint64_t>, kKinds> unexpected{};
  std::atomic<uint64_t> not_fresh{0};
  std::atomic<uint64_t> acquire_failures{0};
};

// "what went wrong" for an unexpected status; empty when `status` is what
// `kind` must give.
std::string Check(Kind kind, const absl::Status& status) {
  auto expect = [&](absl::StatusCode code, absl::string_view text) {
    if (status.code() == code && absl::StrContains(status.message(), text)) {
      return std::string();
    }
    return status.ToString();
  };
  switch (kind) {
    case kTrap:
      return expect(absl::StatusCode::kAborted, "unreachable");
    case kDeadline:
      return expect(absl::StatusCode::kDeadlineExceeded, "deadline");
    case kStackOverflow:
      return expect(absl::StatusCode::kAborted, "stack");
    case kHostError:
      return expect(absl::StatusCode::kPermissionDenied, "host refused");
    default:
      return expect(absl::StatusCode::kOk, "");
  }
}

// One request of `kind` on a fresh lease. Returns what went wrong, if
// anything.
std::string RunOne(Kind kind, Instance& instance, absl::BitGen& random) {
  absl::StatusOr<TypedFunc<int32_t()>> calls =
      instance.GetFunc<int32_t()>("calls");
  if (!calls.ok()) return calls.status().ToString();
  absl::StatusOr<int32_t> before = calls->Call();
  if (!before.ok() || *before != 0) return "lease did not start fresh";
  absl::Status status;
  switch (kind) {
    case kWork: {
      const int32_t n = absl::Uniform(random, 0, 10000);
      absl::StatusOr<int32_t> sum =
          instance.GetFunc<int32_t(int32_t)>("work")->Call(n);
      status = sum.status();
      if (sum.ok() &&
          *sum != static_cast<int32_t>(static_cast<int64_t>(n) * (n - 1) / 2)) {
        return "work: wrong sum";
      }
      break;
    }
    case kTrap:
      status = instance.GetFunc<void()>("trap")->Call();
      break;
    case kDeadline:
      status = instance.GetFunc<void()>("spin")->Call(
          CallOptions::WithTimeout(absl::Milliseconds(2)));
      break;
    case kStackOverflow:
      status = instance.GetFunc<int32_t(int32_t)>("recurse")->Call(0).status();
      break;
    case kGrow:
    case kGrowPastLimit: {
      const int32_t pages = kind == kGrow ? 1 : 64;
      absl::StatusOr<int32_t> old =
          instance.GetFunc<int32_t(int32_t)>("grow")->Call(pages);
      status = old.status();
      if (old.ok() && (kind == kGrow ? *old < 4 : *old != -1)) {
        return "grow: wrong result";
      }
      break;
    }
    case kFill:
      status = instance.GetFunc<void(int32_t)>("fill")->Call(192 << 10);
      break;
    case kHostOk:
    case kHostError: {
      const int32_t x = kind == kHostOk ? 7 * absl::Uniform(random, 0, 1000) + 1
                                        : 7 * absl::Uniform(random, 0, 1000);
      absl::StatusOr<int32_t> doubled =
          instance.GetFunc<int32_t(int32_t)>("host")->Call(x);
      status = doubled.status();
      if (doubled.ok() && *doubled != 2 * x) return "host: wrong result";
      break;
    }
    case kKinds:
      break;
  }
  return Check(kind, status);
}

Kind PickKind(absl::BitGen& random) {
  int roll = absl::Uniform(random, 0, 100);
  for (int kind = 0; kind < kKinds; ++kind) {
    if (roll < kWeights[kind]) return static_cast<Kind>(kind);
    roll -= kWeights[kind];
  }
  return kWork;
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

int Main(int argc, char** argv) {
  int seconds = 10, threads = 4;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--seconds=") &&
        absl::SimpleAtoi(arg, &seconds)) {
      continue;
    }
    if (absl::ConsumePrefix(&arg, "--threads=") &&
        absl::SimpleAtoi(arg, &threads)) {
      continue;
    }
    std::fprintf(stderr, "usage: soak [--seconds=N] [--threads=N]\n");
    return 2;
  }
  absl::StatusOr<Engine> engine = Engine::Create();
  if (!engine.ok()) {
    std::fprintf(stderr, "soak: %s\n", engine.status().ToString().c_str());
    return 2;
  }
  Linker linker;
  absl::Status defined =
      linker.Define("host", "check", [](int32_t x) -> absl::StatusOr<int32_t> {
        if (x % 7 == 0) return absl::PermissionDeniedError("host refused");
        return 2 * x;
      });
  absl::StatusOr<Module> module = engine->Compile(soak_wasm());
  if (!defined.ok() || !module.ok()) {
    std::fprintf(stderr, "soak: %s %s\n", defined.ToString().c_str(),
                 module.status().ToString().c_str());
    return 2;
  }
  PoolOptions options;
  options.instance_options.limits.max_memory_bytes = kMaxMemoryBytes;
  options.instance_options.limits.max_stack_bytes = 64 * 1024;
  absl::StatusOr<std::unique_ptr<InstancePool>> pool =
      InstancePool::Create(*module, linker, options);
  if (!pool.ok()) {
    std::fprintf(stderr, "soak: %s\n", pool.status().ToString().c_str());
    return 2;
  }

  Counters counters;
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      absl::BitGen random;
      while (!stop.load(std::memory_order_relaxed)) {
        absl::StatusOr<Lease> lease = (*pool)->Acquire();
        if (!lease.ok()) {
          counters.acquire_failures.fetch_add(1);
          std::fprintf(stderr, "soak: acquire: %s\n",
                       lease.status().ToString().c_str());
          continue;
        }
        const Kind kind = PickKind(random);
        const std::string wrong = RunOne(kind, lease->instance(), random);
        if (wrong.empty()) {
          counters.ok[kind].fetch_add(1, std::memory_order_relaxed);
        } else {
          counters.unexpected[kind].fetch_add(1);
          if (wrong == "lease did not start fresh") counters.not_fresh++;
          std::fprintf(stderr, "soak: %s: %s\n", kKindNames[kind],
                       wrong.c_str());
        }
      }
    });
  }

  auto total = [&](const std::array<std::atomic<uint64_t>, kKinds>& each) {
    uint64_t sum = 0;
    for (const auto& n : each) sum += n.load();
    return sum;
  };
  const absl::Time start = absl::Now();
  uint64_t last_requests = 0;
  std::printf("seconds  requests/s  ok  unexpected  rss_mib  per kind (ok)\n");
  for (int second = 1; second <= seconds; ++second) {
    absl::SleepFor(start + absl::Seconds(second) - absl::Now());
    const uint64_t requests = total(counters.ok) + total(counters.unexpected);
    std::string per_kind;
    for (int kind = 0; kind < kKinds; ++kind) {
      per_kind += std::string(" ") + kKindNames[kind] + "=" +
                  std::to_string(counters.ok[kind].load());
    }
    std::printf("%7d  %10llu  %llu  %llu  %7.1f %s\n", second,
                static_cast<unsigned long long>(requests - last_requests),
                static_cast<unsigned long long>(total(counters.ok)),
                static_cast<unsigned long long>(total(counters.unexpected)),
                RssBytes() / 1048576.0, per_kind.c_str());
    std::fflush(stdout);
    last_requests = requests;
  }
  stop = true;
  for (std::thread& worker : workers) worker.join();

  const PoolStats stats = (*pool)->stats();
  const uint64_t ok = total(counters.ok);
  const uint64_t failed =
      total(counters.unexpected) + counters.acquire_failures;
  std::printf(
      "%d threads, %d s: %.0f requests/s; pool: %llu leases, %llu resets, "
      "%llu discards; final RSS %.1f MiB\n",
      threads, seconds, (ok + failed) / static_cast<double>(seconds),
      static_cast<unsigned long long>(stats.leases),
      static_cast<unsigned long long>(stats.resets),
      static_cast<unsigned long long>(stats.discards), RssBytes() / 1048576.0);
  std::printf("%llu passed, %llu failed\n", static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace wasmhost::soak

int main(int argc, char** argv) { return wasmhost::soak::Main(argc, argv); }
