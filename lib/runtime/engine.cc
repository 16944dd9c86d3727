#include "wasmhost/engine.h"

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "lib/runtime/engine_state.h"
#include "lib/runtime/module_state.h"
#include "lib/util/error_status.h"
#include "lib/util/mutex.h"
#include "lib/util/status_macros.h"
#include "lib/v8/backend.h"

namespace wasmhost {
namespace {

internal::Mutex engine_mutex;
// The process's one engine state, set by the first successful Create.
// Leaked on purpose: V8 cannot be torn down and set up again.
const internal::EngineState* engine_state ABSL_GUARDED_BY(engine_mutex) =
    nullptr;

}  // namespace

bool operator==(const EngineOptions& a, const EngineOptions& b) {
  return a.v8_flags == b.v8_flags && a.compile_tier == b.compile_tier &&
         a.lazy_compilation == b.lazy_compilation &&
         a.worker_threads == b.worker_threads &&
         a.trap_handler == b.trap_handler &&
         a.install_signal_handler == b.install_signal_handler &&
         a.code_cache_dir == b.code_cache_dir &&
         a.consume_fuel == b.consume_fuel && a.module_limits == b.module_limits;
}

bool operator==(const ModuleLimits& a, const ModuleLimits& b) {
  return a.max_module_bytes == b.max_module_bytes &&
         a.max_functions == b.max_functions &&
         a.max_function_body_bytes == b.max_function_body_bytes &&
         a.max_function_locals == b.max_function_locals &&
         a.max_nesting_depth == b.max_nesting_depth &&
         a.max_imports == b.max_imports && a.max_exports == b.max_exports;
}

absl::StatusOr<Engine> Engine::Create(const EngineOptions& options) {
  internal::MutexLock lock(&engine_mutex);
  if (engine_state == nullptr) {
    if (!options.code_cache_dir.empty() &&
        options.compile_tier == CompileTier::kBaseline) {
      return internal::UsageError(
          absl::StatusCode::kInvalidArgument,
          "a code cache needs optimised code: V8 10.2 cannot serialise "
          "baseline (Liftoff) code");
    }
    WASMHOST_RETURN_IF_ERROR(v8backend::InitializeV8(options));
    auto* state = new internal::EngineState{options, nullptr};
    if (!options.code_cache_dir.empty()) {
      // Fuel metering is the one option that changes the rewrites (the
      // module limits only refuse modules).
      state->code_cache = std::make_unique<internal::CodeCache>(
          options.code_cache_dir,
          absl::StrCat(v8backend::EngineFingerprint(),
                       options.consume_fuel ? "; fuel" : ""));
    }
    engine_state = state;
  } else if (!(engine_state->options == options)) {
    return internal::UsageError(
        absl::StatusCode::kFailedPrecondition,
        "V8 is already initialised in this process with different "
        "EngineOptions; create every Engine with the same options");
  }
  return Engine(engine_state);
}

const EngineOptions& Engine::options() const { return state_->options; }

uint64_t Engine::foreign_thread_destructions() const {
  return v8backend::HandedBackCount();
}

CodeCacheStats Engine::code_cache_stats() const {
  return state_->code_cache ? state_->code_cache->stats() : CodeCacheStats();
}

absl::StatusOr<Module> Engine::Compile(absl::Span<const uint8_t> bytes) const {
  absl::StatusOr<std::shared_ptr<const internal::ModuleState>> state =
      internal::ModuleState::Create(bytes, state_->options.consume_fuel,
                                    state_->options.module_limits,
                                    state_->code_cache.get());
  // A valid module the rewrites or V8 failed on is the SDK's or V8's bug.
  if (!state.ok()) {
    return internal::WithDefaultKind(state.status(), ErrorKind::kInternal);
  }
  return Module(*std::move(state));
}

}  // namespace wasmhost
