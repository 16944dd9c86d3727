// The wasi:http handler in-process (component::HttpHandler::Handle, no
// HTTP server) beside the native C++ handlers doing the same work in the
// same binary: the C guest (guests/components/http_handler.c) answering
// hello and a 4 KiB JSON echo on a fresh-state pool and on a new instance
// per request, and the same requests answered by examples/http_server's
// native handlers. The summary prints each guest row's share of the
// native throughput and the fresh-state speed-up over new instances.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "examples/http_server/native_handlers.h"
#include "guests/components/http_components.h"
#include "wasmhost/component.h"
#include "wasmhost/engine.h"
#include "wasmhost/http_handler.h"

namespace wasmhost::bench {
namespace {

struct Sdk {
  Engine engine;
  std::unique_ptr<component::HttpHandler> fresh;
  std::unique_ptr<component::HttpHandler> new_instance;
};
Sdk* sdk = nullptr;

// The load test's echo body: a 4 KiB JSON document.
std::string JsonBody() {
  std::string body = "{\"data\":\"";
  while (body.size() < 4096 - 2) body.push_back('x');
  return body + "\"}";
}

void SetUp() {
  Engine engine = Must(Engine::Create(), "Engine::Create");
  component::Component guest =
      Must(component::Component::Compile(engine, guests::http_handler_wasm()),
           "compile the C guest");
  component::HttpHandlerOptions options;
  auto fresh =
      Must(component::HttpHandler::Create(guest, component::Linker(), options),
           "HttpHandler::Create (fresh state)");
  options.pool.policy = ReusePolicy::kNewInstance;
  auto new_instance =
      Must(component::HttpHandler::Create(guest, component::Linker(), options),
           "HttpHandler::Create (new instance)");
  sdk = new Sdk{std::move(engine), std::move(fresh), std::move(new_instance)};
}

// route 0: GET / (hello); 1: POST /echo with 4 KiB of JSON.
void BM_Native(benchmark::State& state) {
  serve::HttpRequest request;
  request.method = state.range(0) == 0 ? "GET" : "POST";
  request.path = state.range(0) == 0 ? "/" : "/echo";
  if (state.range(0) == 1) request.body = JsonBody();
  for (auto _ : state) {
    serve::HttpResponse response = state.range(0) == 0
                                       ? http_server::HelloWorld(request)
                                       : http_server::JsonEcho(request);
    benchmark::DoNotOptimize(response);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Native)->ArgName("route")->DenseRange(0, 1)->Unit(
    benchmark::kMicrosecond);

// policy 0: fresh state; 1: a new instance per request.
void BM_Guest(benchmark::State& state) {
  component::HttpHandler& handler =
      state.range(1) == 0 ? *sdk->fresh : *sdk->new_instance;
  component::HttpRequest request;
  request.authority = "localhost";
  if (state.range(0) == 1) {
    request.method = "POST";
    request.path_with_query = "/echo";
    request.headers = {{"content-type", "application/json"}};
    request.body = JsonBody();
  }
  // "hello from C\n"; {"length":N,"echo":BODY}.
  const size_t expected =
      state.range(0) == 0
          ? 13
          : absl::StrCat("{\"length\":", request.body.size(), ",\"echo\":}")
                    .size() +
                request.body.size();
  for (auto _ : state) {
    absl::StatusOr<component::HttpResponse> response = handler.Handle(request);
    if (!response.ok() || response->status != 200 ||
        response->body.size() != expected) {
      state.SkipWithError(
          response.ok() ? absl::StrCat("status ", response->status, ", body ",
                                       response->body.size(), " bytes; ",
                                       response->error.ToString())
                              .c_str()
                        : response.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Guest)
    ->ArgNames({"route", "policy"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

void PrintSummary(const RatioReporter& r) {
  std::printf(
      "\nThroughput against the native C++ handler, in-process "
      "(no HTTP server):\n");
  PrintRateRatio(r, "  hello, fresh state / native", "items_per_second",
                 "BM_Guest/route:0/policy:0", "BM_Native/route:0", 0);
  PrintRateRatio(r, "  echo 4 KiB, fresh state / native", "items_per_second",
                 "BM_Guest/route:1/policy:0", "BM_Native/route:1", 0);
  std::printf("\nFresh state against a new instance per request:\n");
  PrintSpeedup(r, "  hello", "BM_Guest/route:0/policy:0",
               "BM_Guest/route:0/policy:1", 10, "fresh", "new");
  PrintSpeedup(r, "  echo 4 KiB", "BM_Guest/route:1/policy:0",
               "BM_Guest/route:1/policy:1", 10, "fresh", "new");
}

}  // namespace
}  // namespace wasmhost::bench

int main(int argc, char** argv) {
  using namespace wasmhost::bench;
  program_name = "http_benchmark";
  if (!InitBenchmark("http_benchmark", argc, argv)) return 1;
  SetUp();
  RunBenchmarks(argc, argv, PrintSummary);
  return 0;
}
