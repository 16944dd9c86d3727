"""wasmhost: run sandboxed WebAssembly from Python, on the C API.

A thin layer over libwasmhost.so (bindings/c/include/wasmhost.h) through
ctypes, so it needs no compiler and works with any Python 3.7+; guest calls
take the compiled wasmhost._fast (fast.c) when it sits next to this file
(3x cheaper per call; see README.md):

    engine = wasmhost.Engine()
    module = wasmhost.Module(engine, wasm_bytes)
    linker = wasmhost.Linker()
    linker.define_func("host", "double", [ValKind.I32], [ValKind.I32],
                       lambda x: 2 * x)
    with wasmhost.Instance(module, linker) as instance:
        instance.call("add", 2, 3, timeout=0.1)

The library is found through $WASMHOST_LIBRARY, then next to this file,
then the system's library path.

Errors are exceptions: one class per status code (InvalidArgumentError,
DeadlineExceededError, ...), all subclasses of Error, which carries the
code, the kind (ErrorKind), the limit (LimitKind), and for a trap the trap's
kind and frames; a guest trap raises Trap (a subclass of AbortedError).

Threads follow the C API: Engine, Module and Pool may be shared by threads;
an Instance, its Funcs and Memory, and a lease's instance belong to the
thread that made them. ctypes releases the GIL while a guest runs.
"""

from __future__ import annotations

import ctypes
import enum
import os
import struct
import threading
import weakref
from dataclasses import dataclass, field
from typing import (Any, Callable, Dict, Iterable, List, Optional, Sequence,
                    Tuple, Type, Union)

__all__ = [
    "StatusCode", "ErrorKind", "LimitKind", "TrapKind", "ValKind",
    "ExternKind",
    "CompileTier", "ReusePolicy", "WasiOutput", "Frame", "Error", "Trap",
    "Engine", "Module", "Linker", "Caller", "Memory", "WasiConfig",
    "Instance", "Func", "Pool", "Lease", "PoolStats", "library_path",
    "fast_path", "version",
]

# ---------------------------------------------------------------------------
# Enumerations (the C header's values)
# ---------------------------------------------------------------------------


class StatusCode(enum.IntEnum):
    """absl::StatusCode, as wasmhost_status_code_t."""
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class ErrorKind(enum.IntEnum):
    """What kind of failure an Error is (wasmhost::ErrorKind)."""
    NONE = 0
    INVALID_MODULE = 1
    LINK_ERROR = 2
    USAGE = 3
    TRAP = 4
    GUEST_EXIT = 5
    LIMIT = 6
    POISONED = 7
    WRONG_THREAD = 8
    HOST_ERROR = 9
    UNSUPPORTED = 10
    INTERNAL = 11


class LimitKind(enum.IntEnum):
    """Which limit an Error of kind LIMIT (or a stack overflow) hit."""
    NONE = 0
    DEADLINE = 1
    FUEL = 2
    MEMORY = 3
    TABLE_ELEMENTS = 4
    STACK = 5
    HEAP = 6
    ADDRESS_SPACE = 7
    MODULE_LIMITS = 8
    ENGINE_LIMITS = 9
    POOL_INSTANCES = 10
    POOL_THREAD_INSTANCES = 11


class TrapKind(enum.IntEnum):
    """What kind of trap stopped the guest."""
    UNREACHABLE = 0
    MEMORY_OUT_OF_BOUNDS = 1
    INTEGER_DIVIDE_BY_ZERO = 2
    INTEGER_OVERFLOW = 3
    INDIRECT_CALL_MISMATCH = 4
    TABLE_OUT_OF_BOUNDS = 5
    STACK_OVERFLOW = 6
    OTHER = 7


class ValKind(enum.IntEnum):
    """A value type: int for I32, I64 and V128 (128 bits), float for F32
    and F64."""
    I32 = 0
    I64 = 1
    F32 = 2
    F64 = 3
    V128 = 4


class ExternKind(enum.IntEnum):
    """What an import or export is."""
    FUNC = 0
    TABLE = 1
    MEMORY = 2
    GLOBAL = 3
    TAG = 4


class CompileTier(enum.IntEnum):
    TIERED = 0
    BASELINE = 1
    OPTIMIZED = 2


class ReusePolicy(enum.IntEnum):
    FRESH_STATE = 0  # every lease starts from the module's initial state
    REUSE = 1        # state persists between leases
    NEW_INSTANCE = 2  # a new instance per lease


class WasiOutput(enum.IntEnum):
    DISCARD = 0  # dropped
    INHERIT = 1  # this process's stdout / stderr
    CAPTURE = 2  # kept: Instance.stdout / Instance.stderr


# ---------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------


def library_path() -> str:
    """The libwasmhost.so this package loads (see the module docstring)."""
    env = os.environ.get("WASMHOST_LIBRARY")
    if env:
        return env
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "libwasmhost.so")
    if os.path.exists(beside):
        return beside
    return "libwasmhost.so"


_lib = ctypes.CDLL(library_path())

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_str = ctypes.c_char_p
_size = ctypes.c_size_t
_u64 = ctypes.c_uint64


class _V128(ctypes.Structure):
    _fields_ = [("low", ctypes.c_uint64), ("high", ctypes.c_uint64)]


class _Of(ctypes.Union):
    _fields_ = [("i32", ctypes.c_int32), ("i64", ctypes.c_int64),
                ("f32", ctypes.c_float), ("f64", ctypes.c_double),
                ("v128", _V128)]


class _Val(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_uint8), ("of", _Of)]


class _CallOptions(ctypes.Structure):
    _fields_ = [("timeout_nanos", ctypes.c_uint64),
                ("deadline_unix_nanos", ctypes.c_int64),
                ("has_fuel", ctypes.c_bool), ("fuel", ctypes.c_uint64)]


class _Frame(ctypes.Structure):
    _fields_ = [("function_name", ctypes.c_char_p),
                ("module_name", ctypes.c_char_p),
                ("function_index", ctypes.c_uint32),
                ("module_offset", ctypes.c_uint32)]


class _Extern(ctypes.Structure):
    _fields_ = [("module", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("kind", ctypes.c_int)]


class _PoolStats(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "leases", "warm_hits", "misses", "resets", "discards", "traps",
        "timeouts", "idle", "in_use")]


_ValP = ctypes.POINTER(_Val)
_Callback = ctypes.CFUNCTYPE(_p, _p, _p, _ValP, _size, _ValP, _size)
_Finalizer = ctypes.CFUNCTYPE(None, _p)

# name: (restype, argtypes). Opaque handles are void*.
_SIGNATURES: Dict[str, Tuple[Any, List[Any]]] = {
    "wasmhost_version": (_str, []),
    "wasmhost_error_new": (_p, [ctypes.c_int, _str]),
    "wasmhost_error_new_exit": (_p, [ctypes.c_int32]),
    "wasmhost_error_delete": (None, [_p]),
    "wasmhost_error_code": (ctypes.c_int, [_p]),
    "wasmhost_error_message": (_str, [_p]),
    "wasmhost_error_kind": (ctypes.c_int, [_p]),
    "wasmhost_error_limit": (ctypes.c_int, [_p]),
    "wasmhost_error_trap": (ctypes.c_bool, [
        _p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(_str)]),
    "wasmhost_error_frame_count": (_size, [_p]),
    "wasmhost_error_frame": (ctypes.c_bool, [_p, _size,
                                             ctypes.POINTER(_Frame)]),
    "wasmhost_error_exit_code": (ctypes.c_bool, [
        _p, ctypes.POINTER(ctypes.c_int32)]),
    "wasmhost_config_new": (_p, []),
    "wasmhost_config_delete": (None, [_p]),
    "wasmhost_config_add_v8_flag": (None, [_p, _str]),
    "wasmhost_config_set_compile_tier": (None, [_p, ctypes.c_int]),
    "wasmhost_config_set_lazy_compilation": (None, [_p, ctypes.c_bool]),
    "wasmhost_config_set_worker_threads": (None, [_p, ctypes.c_int]),
    "wasmhost_config_set_consume_fuel": (None, [_p, ctypes.c_bool]),
    "wasmhost_config_set_code_cache_dir": (None, [_p, _str]),
    "wasmhost_engine_new": (_p, [_p, _pp]),
    "wasmhost_engine_delete": (None, [_p]),
    "wasmhost_module_new": (_p, [_p, ctypes.c_char_p, _size, _pp]),
    "wasmhost_module_validate": (_p, [_p, ctypes.c_char_p, _size]),
    "wasmhost_module_delete": (None, [_p]),
    "wasmhost_module_import_count": (_size, [_p]),
    "wasmhost_module_export_count": (_size, [_p]),
    "wasmhost_module_import": (ctypes.c_bool, [_p, _size,
                                               ctypes.POINTER(_Extern)]),
    "wasmhost_module_export": (ctypes.c_bool, [_p, _size,
                                               ctypes.POINTER(_Extern)]),
    "wasmhost_caller_memory_data": (_p, [_p, ctypes.POINTER(_size)]),
    "wasmhost_caller_func": (_p, [_p, _str, _pp]),
    "wasmhost_caller_memory_read": (_p, [_p, _u64, _p, _size]),
    "wasmhost_caller_memory_write": (_p, [_p, _u64, _p, _size]),
    "wasmhost_linker_new": (_p, []),
    "wasmhost_linker_delete": (None, [_p]),
    "wasmhost_linker_define_func": (_p, [
        _p, _str, _str, ctypes.POINTER(ctypes.c_uint8), _size,
        ctypes.POINTER(ctypes.c_uint8), _size, _Callback, _p, _Finalizer]),
    "wasmhost_linker_define_wasi": (_p, [_p]),
    "wasmhost_wasi_config_new": (_p, []),
    "wasmhost_wasi_config_delete": (None, [_p]),
    "wasmhost_wasi_config_add_arg": (None, [_p, _str]),
    "wasmhost_wasi_config_add_env": (None, [_p, _str, _str]),
    "wasmhost_wasi_config_add_preopen": (None, [_p, _str, _str,
                                                ctypes.c_bool]),
    "wasmhost_wasi_config_set_stdin": (None, [_p, ctypes.c_char_p, _size]),
    "wasmhost_wasi_config_set_stdout": (None, [_p, ctypes.c_int]),
    "wasmhost_wasi_config_set_stderr": (None, [_p, ctypes.c_int]),
    "wasmhost_wasi_config_set_virtual_clock": (None, [_p, _u64, _u64]),
    "wasmhost_wasi_config_set_random_seed": (None, [_p, _u64]),
    "wasmhost_instance_config_new": (_p, []),
    "wasmhost_instance_config_delete": (None, [_p]),
    "wasmhost_instance_config_set_max_memory_bytes": (None, [_p, _u64]),
    "wasmhost_instance_config_set_max_stack_bytes": (None, [_p, _u64]),
    "wasmhost_instance_config_set_max_table_elements": (None, [_p, _u64]),
    "wasmhost_instance_config_set_start_timeout": (None, [_p, _u64]),
    "wasmhost_instance_config_set_wasi": (None, [_p, _p]),
    "wasmhost_instance_new": (_p, [_p, _p, _p, _pp]),
    "wasmhost_instance_delete": (None, [_p]),
    "wasmhost_instance_memory_data": (_p, [_p, ctypes.POINTER(_size)]),
    "wasmhost_instance_memory_read": (_p, [_p, _u64, _p, _size]),
    "wasmhost_instance_memory_write": (_p, [_p, _u64, _p, _size]),
    "wasmhost_instance_global_get": (_p, [_p, _str, _ValP]),
    "wasmhost_instance_global_set": (_p, [_p, _str, _ValP]),
    "wasmhost_instance_poisoned": (ctypes.c_bool, [_p]),
    "wasmhost_instance_remaining_fuel": (_p, [_p, ctypes.POINTER(_u64)]),
    "wasmhost_instance_run_command": (_p, [
        _p, ctypes.POINTER(_CallOptions), ctypes.POINTER(ctypes.c_int32)]),
    "wasmhost_instance_wasi_output": (_p, [_p, ctypes.c_int,
                                           ctypes.POINTER(_size)]),
    "wasmhost_instance_func": (_p, [_p, _str, _pp]),
    "wasmhost_func_delete": (None, [_p]),
    "wasmhost_func_params": (_size, [_p, ctypes.POINTER(ctypes.c_uint8)]),
    "wasmhost_func_results": (_size, [_p, ctypes.POINTER(ctypes.c_uint8)]),
    "wasmhost_func_call": (_p, [_p, ctypes.POINTER(_CallOptions), _ValP,
                                _size, _ValP, _size]),
    "wasmhost_pool_config_new": (_p, []),
    "wasmhost_pool_config_delete": (None, [_p]),
    "wasmhost_pool_config_set_policy": (None, [_p, ctypes.c_int]),
    "wasmhost_pool_config_set_max_instances": (None, [_p, _size]),
    "wasmhost_pool_config_set_max_instances_per_thread": (None, [_p, _size]),
    "wasmhost_pool_config_set_max_idle_per_thread": (None, [_p, _size]),
    "wasmhost_pool_config_set_acquire_timeout": (None, [_p, _u64]),
    "wasmhost_pool_config_set_instance_config": (None, [_p, _p]),
    "wasmhost_pool_config_set_wasi": (None, [_p, _p]),
    "wasmhost_pool_new": (_p, [_p, _p, _p, _pp]),
    "wasmhost_pool_delete": (None, [_p]),
    "wasmhost_pool_acquire": (_p, [_p, _pp]),
    "wasmhost_lease_instance": (_p, [_p]),
    "wasmhost_lease_delete": (None, [_p]),
    "wasmhost_pool_get_stats": (None, [_p, ctypes.POINTER(_PoolStats)]),
}


class _Lib:
    """The C functions, with their signatures set."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
            setattr(self, name[len("wasmhost_"):], fn)


_c: Any = _Lib(_lib)

# The call path without ctypes (bindings/python/fast.c), when it was built
# next to this file; WASMHOST_PURE_PYTHON=1 keeps to ctypes.
# (No `_fast = None` before the import: `from . import` would return it.)
try:
    if os.environ.get("WASMHOST_PURE_PYTHON"):
        raise ImportError("WASMHOST_PURE_PYTHON is set")
    from . import _fast  # type: ignore[attr-defined]
    _fast.init(ctypes.cast(_lib.wasmhost_func_call, ctypes.c_void_p).value)
except ImportError:
    _fast = None


def fast_path() -> bool:
    """Whether calls take the compiled path (wasmhost._fast) or ctypes."""
    return _fast is not None

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One Wasm frame of a trap's backtrace, innermost first."""
    function_name: str
    module_name: str
    function_index: int
    module_offset: int


class Error(Exception):
    """A failure reported by wasmhost. Subclasses by code; raise one from a
    host function to fail the guest's call with that code and message."""

    code: StatusCode = StatusCode.UNKNOWN

    def __init__(self, message: str = "", *,
                 kind: ErrorKind = ErrorKind.NONE,
                 limit: LimitKind = LimitKind.NONE,
                 trap_kind: Optional[TrapKind] = None,
                 trap_message: str = "",
                 frames: Sequence[Frame] = (),
                 exit_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.limit = limit
        self.trap_kind = trap_kind
        self.trap_message = trap_message
        self.frames: Tuple[Frame, ...] = tuple(frames)
        self.exit_code = exit_code
        # The wasmhost_error_t* this was raised for: a host function that
        # lets it propagate hands it back, payload (trap frames) and all.
        self._error: Optional[int] = None

    def __del__(self) -> None:
        error, self._error = self._error, None
        if error and _c is not None:
            _c.error_delete(error)


class CancelledError(Error):
    code = StatusCode.CANCELLED


class UnknownError(Error):
    code = StatusCode.UNKNOWN


class InvalidArgumentError(Error):
    code = StatusCode.INVALID_ARGUMENT


class DeadlineExceededError(Error):
    code = StatusCode.DEADLINE_EXCEEDED


class NotFoundError(Error):
    code = StatusCode.NOT_FOUND


class AlreadyExistsError(Error):
    code = StatusCode.ALREADY_EXISTS


class PermissionDeniedError(Error):
    code = StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(Error):
    code = StatusCode.RESOURCE_EXHAUSTED


class FailedPreconditionError(Error):
    code = StatusCode.FAILED_PRECONDITION


class AbortedError(Error):
    code = StatusCode.ABORTED


class OutOfRangeError(Error):
    code = StatusCode.OUT_OF_RANGE


class UnimplementedError(Error):
    code = StatusCode.UNIMPLEMENTED


class InternalError(Error):
    code = StatusCode.INTERNAL


class UnavailableError(Error):
    code = StatusCode.UNAVAILABLE


class DataLossError(Error):
    code = StatusCode.DATA_LOSS


class UnauthenticatedError(Error):
    code = StatusCode.UNAUTHENTICATED


_ERROR_CLASSES: Dict[StatusCode, Type[Error]] = {
    cls.code: cls for cls in Error.__subclasses__()}
__all__ += [cls.__name__ for cls in _ERROR_CLASSES.values()]


class Trap(AbortedError):
    """The guest trapped: trap_kind, trap_message and frames say where."""


# An exception a host function raised that was not an Error, per thread:
# the outer call's error gets it as __cause__.
_host_exception = threading.local()


def _raise(error: int) -> None:
    """Raises the Error for a non-NULL wasmhost_error_t*, which it owns."""
    code = StatusCode(_c.error_code(error))
    kind = ErrorKind(_c.error_kind(error))
    trap_kind = ctypes.c_int()
    trap_message = ctypes.c_char_p()
    has_trap = _c.error_trap(error, ctypes.byref(trap_kind),
                             ctypes.byref(trap_message))
    frames = []
    frame = _Frame()
    for i in range(_c.error_frame_count(error)):
        _c.error_frame(error, i, ctypes.byref(frame))
        frames.append(Frame(frame.function_name.decode(),
                            frame.module_name.decode(),
                            frame.function_index, frame.module_offset))
    exit_code = ctypes.c_int32()
    has_exit = _c.error_exit_code(error, ctypes.byref(exit_code))
    cls = Trap if kind == ErrorKind.TRAP else _ERROR_CLASSES[code]
    exception = cls(
        _c.error_message(error).decode(errors="replace"), kind=kind,
        limit=LimitKind(_c.error_limit(error)),
        trap_kind=TrapKind(trap_kind.value) if has_trap else None,
        trap_message=(trap_message.value or b"").decode(errors="replace")
        if has_trap else "",
        frames=frames, exit_code=exit_code.value if has_exit else None)
    exception._error = error
    cause = getattr(_host_exception, "value", None)
    _host_exception.value = None
    if cause is not None and kind == ErrorKind.HOST_ERROR:
        raise exception from cause
    raise exception


def _check(error: Optional[int]) -> None:
    if error:
        _raise(error)


# ---------------------------------------------------------------------------
# Values and call options
# ---------------------------------------------------------------------------

_Value = Union[int, float]

# struct formats of the number kinds in a wasmhost_val_t's union.
_FORMATS = {ValKind.I32: "i", ValKind.I64: "q", ValKind.F32: "f",
            ValKind.F64: "d"}


def _store(val: _Val, kind: int, value: _Value) -> None:
    val.kind = kind
    if kind in (ValKind.I32, ValKind.I64):
        if not isinstance(value, int):
            raise TypeError("an integer is required, not %s" %
                            type(value).__name__)
        # Signed or unsigned: Wasm's integers are sign-agnostic bits.
        bits = 32 if kind == ValKind.I32 else 64
        if not -(1 << (bits - 1)) <= value < (1 << bits):
            raise OverflowError("value out of range for i%d" % bits)
        if kind == ValKind.I32:
            val.of.i32 = ctypes.c_int32(value).value
        else:
            val.of.i64 = ctypes.c_int64(value).value
    elif kind == ValKind.F32:
        val.of.f32 = value
    elif kind == ValKind.F64:
        val.of.f64 = value
    else:
        bits = int(value) & ((1 << 128) - 1)
        val.of.v128.low = bits & ((1 << 64) - 1)
        val.of.v128.high = bits >> 64


def _load(val: _Val) -> _Value:
    kind = val.kind
    if kind == ValKind.I32:
        return val.of.i32
    if kind == ValKind.I64:
        return val.of.i64
    if kind == ValKind.F32:
        return val.of.f32
    if kind == ValKind.F64:
        return val.of.f64
    return val.of.v128.low | (val.of.v128.high << 64)


def _call_options(timeout: Optional[float], deadline: Optional[float],
                  fuel: Optional[int]) -> Optional[_CallOptions]:
    if timeout is None and deadline is None and fuel is None:
        return None
    options = _CallOptions()
    if deadline is not None:
        options.deadline_unix_nanos = max(1, int(deadline * 1e9))
    if timeout is not None:
        if timeout <= 0:
            # As in C++: the call fails before the guest runs. (The C API's
            # 0 means no timeout; a deadline in 1970 has passed.)
            options.deadline_unix_nanos = 1
        else:
            options.timeout_nanos = max(1, int(timeout * 1e9))
    if fuel is not None:
        options.has_fuel = True
        options.fuel = fuel
    return options


def _results(vals: Any, count: int) -> Any:
    if count == 0:
        return None
    if count == 1:
        return _load(vals[0])
    return tuple(_load(vals[i]) for i in range(count))


# ---------------------------------------------------------------------------
# Engine, module
# ---------------------------------------------------------------------------


class _Handle:
    """Owns one C handle, deleted by close() or when collected."""

    _delete: Callable[[int], None]
    # Also when __init__ raised before setting it: __del__ still runs.
    _handle: Optional[int] = None

    def __init__(self, handle: int) -> None:
        self._handle: Optional[int] = handle

    @property
    def _ptr(self) -> int:
        if self._handle is None:
            raise FailedPreconditionError(
                "%s is closed" % type(self).__name__, kind=ErrorKind.USAGE)
        return self._handle

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            type(self)._delete(handle)

    def __del__(self) -> None:
        if _c is not None:  # not at interpreter exit, after the module
            self.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Engine(_Handle):
    """The process-wide engine. V8 is set up once per process: every Engine
    must be made with the same options (else FailedPreconditionError).
    Thread-safe."""

    _delete = _c.engine_delete

    def __init__(self, *, consume_fuel: bool = False,
                 compile_tier: CompileTier = CompileTier.TIERED,
                 lazy_compilation: bool = True,
                 worker_threads: int = 2,
                 v8_flags: Iterable[str] = (),
                 code_cache_dir: Optional[str] = None) -> None:
        config = _c.config_new()
        try:
            _c.config_set_consume_fuel(config, consume_fuel)
            _c.config_set_compile_tier(config, int(compile_tier))
            _c.config_set_lazy_compilation(config, lazy_compilation)
            _c.config_set_worker_threads(config, worker_threads)
            for flag in v8_flags:
                _c.config_add_v8_flag(config, flag.encode())
            if code_cache_dir is not None:
                _c.config_set_code_cache_dir(config, code_cache_dir.encode())
            out = ctypes.c_void_p()
            _check(_c.engine_new(config, ctypes.byref(out)))
        finally:
            _c.config_delete(config)
        super().__init__(out.value)  # type: ignore[arg-type]


class Module(_Handle):
    """A validated, compiled module (from the bytes of a .wasm file).
    Thread-safe."""

    _delete = _c.module_delete

    def __init__(self, engine: Engine, wasm: Union[bytes, bytearray, memoryview]) -> None:
        wasm = bytes(wasm)
        out = ctypes.c_void_p()
        _check(_c.module_new(engine._ptr, wasm, len(wasm),
                             ctypes.byref(out)))
        super().__init__(out.value)  # type: ignore[arg-type]

    @property
    def imports(self) -> List[Tuple[str, str, ExternKind]]:
        """(module, name, kind) of each import, in module order."""
        return self._externs(_c.module_import_count, _c.module_import,
                             lambda e: (e.module.decode(), e.name.decode(),
                                        ExternKind(e.kind)))

    @property
    def exports(self) -> List[Tuple[str, ExternKind]]:
        """(name, kind) of each export, in module order."""
        return self._externs(_c.module_export_count, _c.module_export,
                             lambda e: (e.name.decode(), ExternKind(e.kind)))

    def _externs(self, count: Any, get: Any, convert: Any) -> List[Any]:
        item = _Extern()
        out = []
        for i in range(count(self._ptr)):
            get(self._ptr, i, ctypes.byref(item))
            out.append(convert(item))
        return out

    @staticmethod
    def validate(engine: Engine,
                 wasm: Union[bytes, bytearray, memoryview]) -> None:
        """Raises what Module(engine, wasm) would; returns None if valid."""
        wasm = bytes(wasm)
        _check(_c.module_validate(engine._ptr, wasm, len(wasm)))


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------


class Memory:
    """A linear memory: an instance's, or a host function's caller's.
    view() is a writable memoryview of it, valid until the next call into
    the guest (which may grow or move it). Thread-affine."""

    def __init__(self, data: Callable[[int, Any], Optional[int]],
                 read: Callable[..., Optional[int]],
                 write: Callable[..., Optional[int]], owner: int) -> None:
        self._data, self._read, self._write = data, read, write
        self._owner: Optional[int] = owner

    @property
    def _ptr(self) -> int:
        if self._owner is None:
            raise FailedPreconditionError(
                "a Caller's memory is used after its host function returned",
                kind=ErrorKind.USAGE)
        return self._owner

    def __len__(self) -> int:
        size = _size()
        self._data(self._ptr, ctypes.byref(size))
        return size.value

    def view(self) -> memoryview:
        """The memory's bytes, without a copy; empty when it has none."""
        size = _size()
        address = self._data(self._ptr, ctypes.byref(size))
        if not address:
            return memoryview(b"")
        return memoryview((ctypes.c_ubyte * size.value).from_address(
            address)).cast("B")

    def read(self, offset: int, size: int) -> bytes:
        """A copy of `size` bytes at `offset`; OutOfRangeError outside."""
        out = ctypes.create_string_buffer(size)
        _check(self._read(self._ptr, offset, out, size))
        return out.raw

    def write(self, offset: int, data: Union[bytes, bytearray,
                                             memoryview]) -> None:
        """Copies `data` to `offset`; OutOfRangeError outside (nothing is
        written then)."""
        buffer = (ctypes.c_char * len(data)).from_buffer_copy(data)
        _check(self._write(self._ptr, offset, buffer, len(data)))


# ---------------------------------------------------------------------------
# Linker and host functions
# ---------------------------------------------------------------------------


class Caller:
    """What a host function defined with access_caller=True gets first: the
    calling instance's memory and exports. Valid only during that call."""

    def __init__(self, handle: int) -> None:
        self._handle = handle
        self.memory = Memory(_c.caller_memory_data, _c.caller_memory_read,
                             _c.caller_memory_write, handle)
        self._funcs: Dict[str, "Func"] = {}

    def func(self, name: str) -> "Func":
        """The calling instance's function export `name` (e.g. the guest's
        allocator), valid during this host function call. A call runs under
        the outer call's deadline and fuel."""
        func = self._funcs.get(name)
        if func is None:
            out = ctypes.c_void_p()
            _check(_c.caller_func(self.memory._ptr, name.encode(),
                                  ctypes.byref(out)))
            func = self._funcs[name] = Func(out.value)  # type: ignore
        return func

    def call(self, name: str, *args: _Value) -> Any:
        """func(name)(*args)."""
        return self.func(name)(*args)

    def _end(self) -> None:
        """The host function returned: nothing of this Caller works now."""
        self.memory._owner = None
        for func in self._funcs.values():
            func.close()


@dataclass
class _HostFunc:
    func: Callable[..., Any]
    results: Tuple[ValKind, ...]
    access_caller: bool


# Host functions by the id given to C as their env; the finalizer drops them.
_host_funcs: Dict[int, _HostFunc] = {}
_host_funcs_lock = threading.Lock()
_next_host_func = 1


def _host_error(exception: BaseException) -> int:
    """A wasmhost_error_t* for an exception a host function raised."""
    if isinstance(exception, Error):
        if exception._error:
            # An error of the API passed on (e.g. a nested call's trap):
            # the original, with its payload.
            error, exception._error = exception._error, None
            return error
        if exception.exit_code is not None and \
                exception.kind == ErrorKind.GUEST_EXIT:
            return _c.error_new_exit(exception.exit_code)
        return _c.error_new(int(exception.code), exception.message.encode())
    _host_exception.value = exception
    return _c.error_new(
        int(StatusCode.UNKNOWN),
        ("%s: %s" % (type(exception).__name__, exception)).encode())


@_Callback
def _trampoline(env: int, caller: int, args: Any, nargs: int, results: Any,
                nresults: int) -> Optional[int]:
    try:
        host = _host_funcs[env]
        values = [_load(args[i]) for i in range(nargs)]
        if host.access_caller:
            caller_object = Caller(caller)
            try:
                returned = host.func(caller_object, *values)
            finally:
                caller_object._end()
        else:
            returned = host.func(*values)
        if nresults == 0:
            if returned is not None:
                raise TypeError("a host function without results returned %r"
                                % (returned,))
            return None
        if nresults == 1 and not isinstance(returned, (tuple, list)):
            returned = (returned,)
        if not isinstance(returned, (tuple, list)) or \
                len(returned) != nresults:
            raise TypeError("a host function with %d results returned %r"
                            % (nresults, returned))
        for i, value in enumerate(returned):
            _store(results[i], results[i].kind, value)
        return None
    except BaseException as exception:  # noqa: B902 - nothing may unwind C
        return _host_error(exception)


@_Finalizer
def _finalize(env: int) -> None:
    with _host_funcs_lock:
        _host_funcs.pop(env, None)


def _kinds(kinds: Sequence[ValKind]) -> Any:
    return (ctypes.c_uint8 * max(1, len(kinds)))(*[int(k) for k in kinds])


class Linker(_Handle):
    """What guests may import: host functions and WASI. Anything else is
    denied. Thread-compatible."""

    _delete = _c.linker_delete

    def __init__(self) -> None:
        super().__init__(_c.linker_new())

    def define_func(self, module: str, name: str, params: Sequence[ValKind],
                    results: Sequence[ValKind], func: Callable[..., Any], *,
                    access_caller: bool = False) -> None:
        """Grants `module`.`name` as `func`, of type params -> results.
        func gets the arguments (after a Caller with access_caller) and
        returns None, a value, or a tuple of values. An exception fails the
        guest's call: an Error with its own code and message, any other
        with UnknownError whose __cause__ is the exception. It may be called
        on any thread that runs an importing instance."""
        global _next_host_func
        with _host_funcs_lock:
            env = _next_host_func
            _next_host_func += 1
            _host_funcs[env] = _HostFunc(func, tuple(results), access_caller)
        _check(_c.linker_define_func(
            self._ptr, module.encode(), name.encode(), _kinds(params),
            len(params), _kinds(results), len(results), _trampoline, env,
            _finalize))

    def define_wasi(self) -> None:
        """Grants every wasi_snapshot_preview1 function; instances get their
        WASI state from `wasi=` (Instance, Pool)."""
        _check(_c.linker_define_wasi(self._ptr))


# ---------------------------------------------------------------------------
# WASI
# ---------------------------------------------------------------------------


@dataclass
class WasiConfig:
    """What a guest is granted of WASI preview 1; nothing by default."""
    args: Sequence[str] = ()
    env: Dict[str, str] = field(default_factory=dict)
    # (host_path, guest_path, read_only)
    preopens: Sequence[Tuple[str, str, bool]] = ()
    stdin: bytes = b""
    stdout: WasiOutput = WasiOutput.DISCARD
    stderr: WasiOutput = WasiOutput.DISCARD
    # (start_nanos, tick_nanos): clocks that advance per read.
    virtual_clock: Optional[Tuple[int, int]] = None
    random_seed: Optional[int] = None

    def _make(self) -> int:
        config = _c.wasi_config_new()
        for arg in self.args:
            _c.wasi_config_add_arg(config, arg.encode())
        for name, value in self.env.items():
            _c.wasi_config_add_env(config, name.encode(), value.encode())
        for host_path, guest_path, read_only in self.preopens:
            _c.wasi_config_add_preopen(config, host_path.encode(),
                                       guest_path.encode(), read_only)
        _c.wasi_config_set_stdin(config, self.stdin, len(self.stdin))
        _c.wasi_config_set_stdout(config, int(self.stdout))
        _c.wasi_config_set_stderr(config, int(self.stderr))
        if self.virtual_clock is not None:
            _c.wasi_config_set_virtual_clock(config, *self.virtual_clock)
        if self.random_seed is not None:
            _c.wasi_config_set_random_seed(config, self.random_seed)
        return config


def _instance_config(max_memory_bytes: Optional[int],
                     max_stack_bytes: Optional[int],
                     max_table_elements: Optional[int],
                     start_timeout: Optional[float],
                     wasi: Optional[WasiConfig]) -> int:
    config = _c.instance_config_new()
    if max_memory_bytes is not None:
        _c.instance_config_set_max_memory_bytes(config, max_memory_bytes)
    if max_stack_bytes is not None:
        _c.instance_config_set_max_stack_bytes(config, max_stack_bytes)
    if max_table_elements is not None:
        _c.instance_config_set_max_table_elements(config, max_table_elements)
    if start_timeout is not None:
        _c.instance_config_set_start_timeout(config,
                                             max(1, int(start_timeout * 1e9)))
    if wasi is not None:
        wasi_config = wasi._make()
        _c.instance_config_set_wasi(config, wasi_config)
        _c.wasi_config_delete(wasi_config)
    return config


# ---------------------------------------------------------------------------
# Instances and functions
# ---------------------------------------------------------------------------


class Func:
    """A function export, looked up once. Call it like a Python function;
    timeout (seconds), deadline (time.time() seconds) and fuel are keyword
    arguments. Must not outlive its instance. Thread-affine."""

    _handle: Optional[int] = None

    def __init__(self, handle: int) -> None:
        # A wasmhost_func_t* from Instance.func or Caller.func, which close
        # it with their instance or call.
        self._handle: Optional[int] = handle
        params = (ctypes.c_uint8 * _c.func_params(handle, None))()
        results = (ctypes.c_uint8 * _c.func_results(handle, None))()
        _c.func_params(handle, params)
        _c.func_results(handle, results)
        self.params: Tuple[ValKind, ...] = tuple(ValKind(k) for k in params)
        self.results: Tuple[ValKind, ...] = tuple(ValKind(k) for k in results)
        # Reused by every call: a Func is used on one thread.
        self._args = (_Val * max(1, len(self.params)))()
        self._out = (_Val * max(1, len(self.results)))()
        for i, kind in enumerate(self.params):
            self._args[i].kind = kind
        # The fast path (V128 takes _store and _load): each argument packed
        # at its wasmhost_val_t's union, the results unpacked at once.
        self._packers: Optional[List[Tuple[struct.Struct, int]]] = None
        self._unpacker: Optional[struct.Struct] = None
        if ValKind.V128 not in self.params:
            self._packers = [
                (struct.Struct("<" + _FORMATS[kind]),
                 i * ctypes.sizeof(_Val) + _Val.of.offset)
                for i, kind in enumerate(self.params)]
        # The compiled path's argument kinds; None when it cannot take them.
        self._fast_kinds: Optional[bytes] = None
        if _fast is not None and ValKind.V128 not in self.params + \
                self.results and max(len(self.params),
                                     len(self.results)) <= 32:
            self._fast_kinds = bytes(self.params)
        if ValKind.V128 not in self.results:
            self._unpacker = struct.Struct("<" + "".join(
                "%dx%s%dx" % (_Val.of.offset, _FORMATS[kind],
                              ctypes.sizeof(_Of) - struct.calcsize(
                                  "<" + _FORMATS[kind]))
                for kind in self.results))

    def __call__(self, *args: _Value, timeout: Optional[float] = None,
                 deadline: Optional[float] = None,
                 fuel: Optional[int] = None) -> Any:
        """The result: None, a value, or a tuple for several."""
        handle = self._handle
        if handle is None:
            raise FailedPreconditionError("the function's instance is closed",
                                          kind=ErrorKind.USAGE)
        nargs = len(args)
        if nargs != len(self.params):
            raise InvalidArgumentError(
                "%d arguments given, the signature has %d" %
                (nargs, len(self.params)), kind=ErrorKind.USAGE)
        if self._fast_kinds is not None:
            options = None
            if timeout is not None or deadline is not None or \
                    fuel is not None:
                options = _call_options(timeout, deadline, fuel)
            try:
                return _fast.call(
                    handle, self._fast_kinds, len(self.results), args,
                    ctypes.addressof(options) if options is not None else 0)
            except _fast.Failed as failed:
                _raise(failed.args[0])
        vals = self._args
        try:
            if self._packers is None:
                raise struct.error("v128")
            for (packer, offset), value in zip(self._packers, args):
                packer.pack_into(vals, offset, value)
        except struct.error:
            # An i32 given unsigned, a V128, or a wrong type (_store raises).
            for i, (kind, value) in enumerate(zip(self.params, args)):
                _store(vals[i], kind, value)
        options = None
        if timeout is not None or deadline is not None or fuel is not None:
            options = _call_options(timeout, deadline, fuel)
        nresults = len(self.results)
        error = _c.func_call(handle, options, vals, nargs, self._out, nresults)
        if error:
            _raise(error)
        if self._unpacker is None:
            return _results(self._out, nresults)
        results = self._unpacker.unpack_from(self._out)
        if nresults == 1:
            return results[0]
        return results if nresults else None

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            _c.func_delete(handle)

    def __del__(self) -> None:
        self.close()


class Instance(_Handle):
    """A module instantiated on the calling thread, with the imports the
    linker grants. After a trap, deadline or host error it is poisoned:
    later calls raise FailedPreconditionError. Thread-affine."""

    _delete = _c.instance_delete

    def __init__(self, module: Module, linker: Linker, *,
                 max_memory_bytes: Optional[int] = None,
                 max_stack_bytes: Optional[int] = None,
                 max_table_elements: Optional[int] = None,
                 start_timeout: Optional[float] = None,
                 wasi: Optional[WasiConfig] = None) -> None:
        config = _instance_config(max_memory_bytes, max_stack_bytes,
                                  max_table_elements, start_timeout, wasi)
        out = ctypes.c_void_p()
        try:
            _check(_c.instance_new(module._ptr, linker._ptr, config,
                                   ctypes.byref(out)))
        finally:
            _c.instance_config_delete(config)
        super().__init__(out.value)  # type: ignore[arg-type]
        self._funcs: Dict[str, Func] = {}

    @classmethod
    def _borrowed(cls, handle: int) -> "Instance":
        instance = cls.__new__(cls)
        _Handle.__init__(instance, handle)
        instance._funcs = {}
        instance._delete_handle = False
        return instance

    _delete_handle = True

    def close(self) -> None:
        for func in getattr(self, "_funcs", {}).values():
            func.close()
        if self._delete_handle:
            super().close()
        else:
            self._handle = None

    def func(self, name: str) -> Func:
        """The function export `name` (NotFoundError, InvalidArgumentError
        for another kind, UnimplementedError for reference types)."""
        func = self._funcs.get(name)
        if func is None:
            out = ctypes.c_void_p()
            _check(_c.instance_func(self._ptr, name.encode(),
                                    ctypes.byref(out)))
            func = self._funcs[name] = Func(out.value)  # type: ignore
        return func

    def call(self, name: str, *args: _Value, timeout: Optional[float] = None,
             deadline: Optional[float] = None,
             fuel: Optional[int] = None) -> Any:
        """func(name)(*args, ...)."""
        return self.func(name)(*args, timeout=timeout, deadline=deadline,
                               fuel=fuel)

    @property
    def memory(self) -> Memory:
        return Memory(_c.instance_memory_data, _c.instance_memory_read,
                      _c.instance_memory_write, self._ptr)

    def get_global(self, name: str) -> _Value:
        out = _Val()
        _check(_c.instance_global_get(self._ptr, name.encode(),
                                      ctypes.byref(out)))
        return _load(out)

    def set_global(self, name: str, value: _Value) -> None:
        """Sets the global export `name`; its type decides how `value` is
        stored (a float for an f32 or f64 global, else an int)."""
        current = _Val()
        _check(_c.instance_global_get(self._ptr, name.encode(),
                                      ctypes.byref(current)))
        val = _Val()
        _store(val, current.kind, value)
        _check(_c.instance_global_set(self._ptr, name.encode(),
                                      ctypes.byref(val)))

    @property
    def poisoned(self) -> bool:
        return bool(_c.instance_poisoned(self._ptr))

    @property
    def remaining_fuel(self) -> int:
        out = _u64()
        _check(_c.instance_remaining_fuel(self._ptr, ctypes.byref(out)))
        return out.value

    def run_command(self, *, timeout: Optional[float] = None,
                    fuel: Optional[int] = None) -> int:
        """Runs a WASI command's _start; returns its exit code."""
        code = ctypes.c_int32()
        _check(_c.instance_run_command(
            self._ptr, _call_options(timeout, None, fuel),
            ctypes.byref(code)))
        return code.value

    def _output(self, fd: int) -> bytes:
        size = _size()
        address = _c.instance_wasi_output(self._ptr, fd, ctypes.byref(size))
        return ctypes.string_at(address, size.value) if address else b""

    @property
    def stdout(self) -> bytes:
        """What the guest wrote to stdout, with WasiOutput.CAPTURE."""
        return self._output(1)

    @property
    def stderr(self) -> bytes:
        return self._output(2)


# ---------------------------------------------------------------------------
# Pools
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolStats:
    leases: int
    warm_hits: int
    misses: int
    resets: int
    discards: int
    traps: int
    timeouts: int
    idle: int
    in_use: int


class Lease(_Handle):
    """One pooled instance on loan; a context manager giving the Instance.
    Leaving it (or close()) returns the instance to the pool. Thread-affine.
    """

    _delete = _c.lease_delete

    def __init__(self, handle: int, pool: "Pool") -> None:
        super().__init__(handle)
        self.instance = Instance._borrowed(_c.lease_instance(handle))
        self._pool = pool  # a lease must not outlive its pool

    def close(self) -> None:
        instance = getattr(self, "instance", None)
        if instance is not None:
            instance.close()
        super().close()

    def __enter__(self) -> Instance:
        return self.instance


class Pool(_Handle):
    """Warm instances of one module, for any number of threads. With
    FRESH_STATE every lease starts from the module's initial state.
    Thread-safe."""

    _delete = _c.pool_delete

    def __init__(self, module: Module, linker: Linker, *,
                 policy: ReusePolicy = ReusePolicy.FRESH_STATE,
                 max_instances: Optional[int] = None,
                 max_instances_per_thread: Optional[int] = None,
                 max_idle_per_thread: Optional[int] = None,
                 acquire_timeout: Optional[float] = None,
                 max_memory_bytes: Optional[int] = None,
                 start_timeout: Optional[float] = None,
                 wasi: Optional[WasiConfig] = None) -> None:
        config = _c.pool_config_new()
        instance_config = _instance_config(max_memory_bytes, None, None,
                                           start_timeout, None)
        try:
            _c.pool_config_set_policy(config, int(policy))
            if max_instances is not None:
                _c.pool_config_set_max_instances(config, max_instances)
            if max_instances_per_thread is not None:
                _c.pool_config_set_max_instances_per_thread(
                    config, max_instances_per_thread)
            if max_idle_per_thread is not None:
                _c.pool_config_set_max_idle_per_thread(config,
                                                       max_idle_per_thread)
            if acquire_timeout is not None:
                _c.pool_config_set_acquire_timeout(
                    config, int(acquire_timeout * 1e9))
            _c.pool_config_set_instance_config(config, instance_config)
            if wasi is not None:
                wasi_config = wasi._make()
                _c.pool_config_set_wasi(config, wasi_config)
                _c.wasi_config_delete(wasi_config)
            out = ctypes.c_void_p()
            _check(_c.pool_new(module._ptr, linker._ptr, config,
                               ctypes.byref(out)))
        finally:
            _c.instance_config_delete(instance_config)
            _c.pool_config_delete(config)
        super().__init__(out.value)  # type: ignore[arg-type]
        self._leases: "weakref.WeakSet[Lease]" = weakref.WeakSet()

    def acquire(self) -> Lease:
        """A lease for the calling thread: `with pool.acquire() as inst:`.
        ResourceExhaustedError (limit POOL_INSTANCES or
        POOL_THREAD_INSTANCES) when the caps are reached."""
        out = ctypes.c_void_p()
        _check(_c.pool_acquire(self._ptr, ctypes.byref(out)))
        lease = Lease(out.value, self)  # type: ignore[arg-type]
        self._leases.add(lease)
        return lease

    def close(self) -> None:
        """Returns the leases still open (their instances become unusable),
        then destroys the pool."""
        for lease in list(getattr(self, "_leases", ())):
            lease.close()
        super().close()

    def stats(self) -> PoolStats:
        out = _PoolStats()
        _c.pool_get_stats(self._ptr, ctypes.byref(out))
        return PoolStats(**{name: getattr(out, name)
                            for name, _ in _PoolStats._fields_})


def version() -> str:
    """The C API version of the loaded library, e.g. "0.1"."""
    return _c.version().decode()
