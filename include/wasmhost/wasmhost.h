// wasmhost/wasmhost.h: the whole public API in one include.
//
// Threads and lifetimes
//
// - Engine and Module are thread-safe handles; copies share their state.
//   V8 is set up by the first Engine::Create and lives until the process
//   exits.
// - A thread that compiles or instantiates gets its own V8 isolate on first
//   use and keeps it until the thread exits (there is no call to drop it
//   sooner): run guests on a bounded set of threads, not one thread per
//   request.
// - An Instance lives in the isolate of the thread that created it and
//   never moves: calls from another thread return FailedPrecondition
//   (ErrorKind::kWrongThread). Its TypedFunc, Func and Memory views, what a
//   Caller returns, and a Lease (of its InstancePool) are bound the same
//   way.
// - Destroying an Instance or a Lease on another thread is detected, not
//   undefined: it is handed back to its own thread, which frees it (or, for
//   a lease, releases it to the pool) at its next instantiation, instance
//   destruction or pool destruction, or when it exits; if that thread has
//   exited already it is freed at once. Engine::foreign_thread_destructions
//   counts these.
// - What may outlive what. TypedFunc, an export's Func, Memory views and
//   Caller results must not outlive their Instance; a Lease must not outlive
//   its InstancePool. An Instance keeps alive its Module, the host functions
//   and objects it imported, and the contexts it was given as shared_ptrs
//   (InstanceOptions::SetContext); a context given as a pointer must
//   outlive it. Global, Table and Memory handles of its exports, funcref
//   Vals read from it, and Linkers it was defined into keep its engine state
//   alive past the Instance.
// - An Instance or Lease may outlive its thread's isolate (kept in a
//   thread_local made before the thread's first compile, or in a static):
//   the isolate detaches it first; its calls then return FailedPrecondition
//   and destroying it is safe anywhere.
// - A component::Instance is an Instance of each of its core modules and
//   is bound the same way; component::Component and component::Type are
//   thread-safe handles like Module.
// - A ResidentInstance is bound like its Instance; a ResidentScheduler
//   makes, ticks and destroys each resident on one of its worker threads.
// - Destroying an InstancePool (after its leases) frees the idle instances
//   of the destroying thread at once; those of other threads go when each
//   of those threads next acquires from any pool, or exits.
// - InstancePool::Reload frees the old version's instances the same way,
//   each on its own thread: the reloading thread's idle ones at once, a
//   leased one when its lease returns, other threads' idle ones when each
//   of those threads next acquires or releases from any pool, or exits.
//
// Argument order: the object acted on, then options (CallOptions first in
// every call, so variadic arguments can follow: TypedFunc::Call(options,
// args...), Func::Call(options, args), InstancePool::Invoke(options, name,
// args...)), then the rest; factories take what they build from first and
// their options last (Instance::Create(module, linker, options)).

#ifndef WASMHOST_WASMHOST_H_
#define WASMHOST_WASMHOST_H_

#include "wasmhost/component.h"           // IWYU pragma: export
#include "wasmhost/component_instance.h"  // IWYU pragma: export
#include "wasmhost/component_linker.h"    // IWYU pragma: export
#include "wasmhost/component_pool.h"      // IWYU pragma: export
#include "wasmhost/component_type.h"      // IWYU pragma: export
#include "wasmhost/component_typed.h"     // IWYU pragma: export
#include "wasmhost/component_values.h"    // IWYU pragma: export
#include "wasmhost/engine.h"              // IWYU pragma: export
#include "wasmhost/errors.h"              // IWYU pragma: export
#include "wasmhost/global.h"              // IWYU pragma: export
#include "wasmhost/http_handler.h"        // IWYU pragma: export
#include "wasmhost/instance.h"            // IWYU pragma: export
#include "wasmhost/limits.h"              // IWYU pragma: export
#include "wasmhost/linker.h"              // IWYU pragma: export
#include "wasmhost/memory.h"              // IWYU pragma: export
#include "wasmhost/module.h"              // IWYU pragma: export
#include "wasmhost/pool.h"                // IWYU pragma: export
#include "wasmhost/resident.h"            // IWYU pragma: export
#include "wasmhost/scheduler.h"           // IWYU pragma: export
#include "wasmhost/table.h"               // IWYU pragma: export
#include "wasmhost/value.h"               // IWYU pragma: export
#include "wasmhost/wasi.h"                // IWYU pragma: export
#include "wasmhost/wasi_component.h"      // IWYU pragma: export

#endif  // WASMHOST_WASMHOST_H_
