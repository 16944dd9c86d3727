"""pytest suite of the wasmhost package, on bindings/c/tests' guests.

Run by python_test.sh, which sets WASMHOST_LIBRARY (libwasmhost.so) and
WASMHOST_TEST_GUESTS (the directory of capi.wasm, wasi.wasm,
start_loop.wasm). The engine consumes fuel (V8 is set up once per process).
"""

import math
import os
import struct
import threading
import time

import pytest

import wasmhost
from wasmhost import ErrorKind, LimitKind, TrapKind, ValKind

I32 = ValKind.I32


def guest(name):
    with open(os.path.join(os.environ["WASMHOST_TEST_GUESTS"], name),
              "rb") as f:
        return f.read()


@pytest.fixture(scope="session")
def engine():
    return wasmhost.Engine(consume_fuel=True)


@pytest.fixture(scope="session")
def module(engine):
    return wasmhost.Module(engine, guest("capi.wasm"))


def greet(caller, ptr, length):
    name = caller.memory.read(ptr, length)
    greeting = b"hello, " + name
    caller.memory.write(256, greeting)
    return len(greeting)


def make_linker(double=lambda x: 2 * x):
    linker = wasmhost.Linker()
    linker.define_func("host", "double", [I32], [I32], double)
    linker.define_func("host", "greet", [I32, I32], [I32], greet,
                       access_caller=True)
    return linker


@pytest.fixture
def instance(module):
    with wasmhost.Instance(module, make_linker()) as instance:
        yield instance


def test_version():
    assert wasmhost.version() == "0.1"


def test_call_path():
    # python_test.sh runs the suite once per path.
    assert wasmhost.fast_path() == (
        not os.environ.get("WASMHOST_PURE_PYTHON"))


def test_engine_options_must_match(engine):
    with pytest.raises(wasmhost.FailedPreconditionError) as info:
        wasmhost.Engine()  # consume_fuel differs
    assert "different EngineOptions" in str(info.value)
    assert info.value.kind == ErrorKind.USAGE


def test_invalid_module(engine):
    with pytest.raises(wasmhost.InvalidArgumentError) as info:
        wasmhost.Module(engine, b"not wasm")
    assert info.value.kind == ErrorKind.INVALID_MODULE
    assert "magic" in info.value.message
    assert info.value.code == wasmhost.StatusCode.INVALID_ARGUMENT
    with pytest.raises(wasmhost.InvalidArgumentError):
        wasmhost.Module.validate(engine, bytearray(b"\0asm\x02\0\0\0"))
    assert wasmhost.Module.validate(engine, guest("capi.wasm")) is None


def test_calls(instance):
    assert instance.call("add", 2, 40) == 42
    add = instance.func("add")
    assert add.params == (I32, I32) and add.results == (I32,)
    assert add(-1, 0xFFFFFFFF) == -2  # i32 bits either way
    assert instance.call("count", 10) is None
    assert instance.call("mix", -5_000_000_000, 1.5, -0.25) == (
        -0.25, 1.5, -5_000_000_000)
    result = instance.call("mix", 0, math.inf, math.nan)
    assert math.isnan(result[0]) and result[1] == math.inf


def test_call_errors(instance):
    with pytest.raises(wasmhost.InvalidArgumentError) as info:
        instance.call("add", 1)
    assert "1 arguments given, the signature has 2" in str(info.value)
    with pytest.raises(wasmhost.NotFoundError) as info:
        instance.call("nope")
    assert info.value.kind == ErrorKind.USAGE
    with pytest.raises(wasmhost.InvalidArgumentError):
        instance.func("memory")
    with pytest.raises(wasmhost.UnimplementedError) as info:
        instance.func("takes_ref")
    assert info.value.kind == ErrorKind.UNSUPPORTED
    assert "externref" in info.value.message
    with pytest.raises(TypeError):
        instance.call("add", "one", 2)
    with pytest.raises(TypeError):
        instance.call("add", 1.5, 2)
    with pytest.raises(OverflowError):
        instance.call("add", 1 << 32, 2)
    with pytest.raises(OverflowError):
        instance.call("add", -(1 << 31) - 1, 2)
    with pytest.raises(OverflowError):
        instance.call("mix", 1 << 64, 1.0, 1.0)
    assert instance.call("mix", (1 << 64) - 1, 1.0, 1.0)[2] == -1


def test_host_functions_and_caller_memory(instance):
    assert instance.call("call_double", 21) == 42
    assert instance.call("greet") == 11
    assert instance.memory.read(256, 11) == b"hello, wasm"


def test_host_error_keeps_code_and_poisons(module):
    def refuse(x):
        raise wasmhost.PermissionDeniedError("no negatives")

    with wasmhost.Instance(module, make_linker(refuse)) as instance:
        with pytest.raises(wasmhost.PermissionDeniedError) as info:
            instance.call("call_double", -1)
        assert info.value.kind == ErrorKind.HOST_ERROR
        assert info.value.message == "no negatives"
        assert instance.poisoned
        with pytest.raises(wasmhost.FailedPreconditionError) as info:
            instance.call("call_double", 1)
        assert info.value.kind == ErrorKind.POISONED


def test_python_exception_in_host_function_is_the_cause(module):
    def broken(x):
        return {}[x]

    with wasmhost.Instance(module, make_linker(broken)) as instance:
        with pytest.raises(wasmhost.UnknownError) as info:
            instance.call("call_double", 5)
    assert info.value.kind == ErrorKind.HOST_ERROR
    assert "KeyError: 5" in info.value.message
    assert isinstance(info.value.__cause__, KeyError)


def test_host_function_wrong_result(module):
    with wasmhost.Instance(module,
                           make_linker(lambda x: (x, x))) as instance:
        with pytest.raises(wasmhost.UnknownError) as info:
            instance.call("call_double", 5)
    assert "with 1 results returned (5, 5)" in info.value.message
    assert isinstance(info.value.__cause__, TypeError)


def test_host_function_exits_guest(module):
    def leave(x):
        raise wasmhost.CancelledError("bye", kind=ErrorKind.GUEST_EXIT,
                                      exit_code=42)

    with wasmhost.Instance(module, make_linker(leave)) as instance:
        with pytest.raises(wasmhost.CancelledError) as info:
            instance.call("call_double", 5)
    assert info.value.kind == ErrorKind.GUEST_EXIT
    assert info.value.exit_code == 42


def test_duplicate_definition():
    linker = make_linker()
    with pytest.raises(wasmhost.AlreadyExistsError) as info:
        linker.define_func("host", "double", [I32], [I32], abs)
    assert "host.double" in info.value.message


def test_import_not_granted(module):
    with pytest.raises(wasmhost.NotFoundError) as info:
        wasmhost.Instance(module, wasmhost.Linker())
    assert info.value.kind == ErrorKind.LINK_ERROR
    assert "host.double" in info.value.message


def test_memory_views(instance):
    memory = instance.memory
    assert len(memory) == 65536
    view = memory.view()
    assert bytes(view[0:4]) == b"wasm"
    view[0:4] = b"WASM"  # writable, no copy
    assert memory.read(0, 4) == b"WASM"
    memory.write(65532, bytearray(b"tail"))
    assert bytes(memory.view()[65532:]) == b"tail"
    with pytest.raises(wasmhost.OutOfRangeError):
        memory.read(65534, 4)
    with pytest.raises(wasmhost.OutOfRangeError):
        memory.write(65536, b"x")


def test_memory_limit(module):
    with wasmhost.Instance(module, make_linker(),
                           max_memory_bytes=2 * 65536) as instance:
        assert instance.call("grow", 1) == 1
        assert instance.call("grow", 1) == -1
        assert len(instance.memory) == 2 * 65536


def test_globals(instance):
    assert instance.get_global("pi") == 3.5
    instance.set_global("counter", 41)
    assert instance.call("bump") == 42
    assert instance.get_global("counter") == 42
    with pytest.raises(wasmhost.FailedPreconditionError) as info:
        instance.set_global("pi", 1.0)
    assert "immutable" in info.value.message
    with pytest.raises(wasmhost.NotFoundError):
        instance.get_global("nope")


def test_trap_with_frames(instance):
    with pytest.raises(wasmhost.Trap) as info:
        instance.call("crash")
    trap = info.value
    assert isinstance(trap, wasmhost.AbortedError)
    assert trap.kind == ErrorKind.TRAP
    assert trap.trap_kind == TrapKind.UNREACHABLE
    assert [f.function_name for f in trap.frames] == ["inner", "outer"]
    assert trap.frames[0].module_name == "capi"
    assert trap.frames[1].function_index == 8


def test_divide_by_zero(instance):
    with pytest.raises(wasmhost.Trap) as info:
        instance.call("divide", 1, 0)
    assert info.value.trap_kind == TrapKind.INTEGER_DIVIDE_BY_ZERO


def test_timeout_and_deadline(module):
    with wasmhost.Instance(module, make_linker()) as instance:
        start = time.monotonic()
        with pytest.raises(wasmhost.DeadlineExceededError) as info:
            instance.call("spin", timeout=0.05)
        assert time.monotonic() - start < 5
        assert info.value.kind == ErrorKind.LIMIT
        assert info.value.limit == LimitKind.DEADLINE
    with wasmhost.Instance(module, make_linker()) as instance:
        with pytest.raises(wasmhost.DeadlineExceededError):
            instance.call("spin", deadline=time.time() - 1)
    with wasmhost.Instance(module, make_linker()) as instance:
        with pytest.raises(wasmhost.DeadlineExceededError):
            instance.call("add", 1, 2, timeout=0)


def test_start_timeout(engine):
    start_loop = wasmhost.Module(engine, guest("start_loop.wasm"))
    with pytest.raises(wasmhost.DeadlineExceededError) as info:
        wasmhost.Instance(start_loop, wasmhost.Linker(), start_timeout=0.02)
    assert info.value.limit == LimitKind.DEADLINE


def test_fuel(instance):
    with pytest.raises(wasmhost.FailedPreconditionError):
        instance.remaining_fuel
    instance.call("count", 100, fuel=1_000_000)
    assert 0 < instance.remaining_fuel < 1_000_000
    with pytest.raises(wasmhost.ResourceExhaustedError) as info:
        instance.call("count", 1_000_000, fuel=50)
    assert info.value.limit == LimitKind.FUEL


def test_closed_handles(module):
    instance = wasmhost.Instance(module, make_linker())
    add = instance.func("add")
    instance.close()
    with pytest.raises(wasmhost.FailedPreconditionError) as info:
        add(1, 2)
    assert "closed" in info.value.message
    with pytest.raises(wasmhost.FailedPreconditionError):
        instance.call("add", 1, 2)


def test_pool_leases_start_fresh(module):
    with wasmhost.Pool(module, make_linker(),
                       max_instances_per_thread=1) as pool:
        for _ in range(3):
            with pool.acquire() as instance:
                assert instance.call("bump") == 1
                with pytest.raises(wasmhost.ResourceExhaustedError) as info:
                    pool.acquire()
                assert info.value.limit == LimitKind.POOL_THREAD_INSTANCES
        lease = pool.acquire()
        with lease as instance:
            with pytest.raises(wasmhost.Trap):
                instance.call("crash")
        with pytest.raises(wasmhost.FailedPreconditionError):
            instance.call("bump")  # the lease is gone
        stats = pool.stats()
        assert stats.leases == 4 and stats.traps == 1 and stats.in_use == 0


def test_pool_reuse_and_threads(module):
    linker = make_linker()
    with wasmhost.Pool(module, linker,
                       policy=wasmhost.ReusePolicy.REUSE) as pool:
        with pool.acquire() as instance:
            assert instance.call("bump") == 1
        with pool.acquire() as instance:
            assert instance.call("bump") == 2
        # Another thread gets its own instance, in its own isolate.
        seen = []
        thread = threading.Thread(
            target=lambda: seen.append(_bump_once(pool)))
        thread.start()
        thread.join()
        assert seen == [1]


def _bump_once(pool):
    with pool.acquire() as instance:
        return instance.call("bump")


def test_pool_bad_options(module):
    with pytest.raises(wasmhost.InvalidArgumentError) as info:
        wasmhost.Pool(module, make_linker(), max_instances=1,
                      max_instances_per_thread=2)
    assert "max_instances_per_thread" in info.value.message


def test_wasi_command(engine):
    wasi_module = wasmhost.Module(engine, guest("wasi.wasm"))
    linker = wasmhost.Linker()
    linker.define_wasi()
    config = wasmhost.WasiConfig(
        args=["prog", "--flag"], env={"A": "1"}, stdin=b"world\n",
        stdout=wasmhost.WasiOutput.CAPTURE,
        stderr=wasmhost.WasiOutput.CAPTURE, virtual_clock=(0, 1000),
        random_seed=7)
    with wasmhost.Instance(wasi_module, linker, wasi=config) as instance:
        assert instance.call("argc") == 2
        assert instance.call("envc") == 1
        assert instance.run_command() == 3
        assert instance.stdout == b"hello, world\n"
        assert instance.stderr == b"bye\n"
    with wasmhost.Pool(wasi_module, linker, wasi=config) as pool:
        for _ in range(2):
            with pool.acquire() as instance:
                assert instance.run_command() == 3
                assert instance.stdout == b"hello, world\n"
    config.preopens = [("/no/such/dir/anywhere", "/data", True)]
    with pytest.raises(wasmhost.NotFoundError) as info:
        wasmhost.Instance(wasi_module, linker, wasi=config)
    assert "/no/such/dir/anywhere" in info.value.message


def test_f32_bits_roundtrip(instance):
    # f32 crosses as a Python float: values an f32 holds come back exact.
    value = struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert instance.call("mix", 0, value, 0.0)[1] == value


def test_instance_is_thread_affine(instance):
    raised = []

    def call_elsewhere():
        try:
            instance.call("add", 1, 2)
        except wasmhost.Error as error:
            raised.append(error)

    thread = threading.Thread(target=call_elsewhere)
    thread.start()
    thread.join()
    assert isinstance(raised[0], wasmhost.FailedPreconditionError)
    assert raised[0].kind == ErrorKind.WRONG_THREAD
    assert instance.call("add", 1, 2) == 3  # still fine on its own thread


def test_host_functions_are_released(module):
    before = len(wasmhost._host_funcs)
    linker = make_linker()
    assert len(wasmhost._host_funcs) == before + 2
    instance = wasmhost.Instance(module, linker)
    linker.close()
    assert len(wasmhost._host_funcs) == before + 2  # the instance holds them
    instance.close()
    assert len(wasmhost._host_funcs) == before


def test_caller_is_valid_only_during_the_call(module):
    kept = []

    def keep(caller, ptr, length):
        kept.append(caller)
        return 0

    linker = wasmhost.Linker()
    linker.define_func("host", "double", [I32], [I32], abs)
    linker.define_func("host", "greet", [I32, I32], [I32], keep,
                       access_caller=True)
    with wasmhost.Instance(module, linker) as instance:
        assert instance.call("greet") == 0
        with pytest.raises(wasmhost.FailedPreconditionError) as info:
            kept[0].memory.read(0, 4)
    assert "after its host function returned" in info.value.message


def test_closing_a_pool_returns_its_leases(module):
    pool = wasmhost.Pool(module, make_linker())
    lease = pool.acquire()
    instance = lease.instance
    pool.close()
    with pytest.raises(wasmhost.FailedPreconditionError):
        instance.call("bump")
    lease.close()  # already returned: nothing happens


def test_caller_calls_the_guest_back(module):
    def double_by_guest(caller, x):
        return caller.call("add", x, x)

    def greet_and_crash(caller, ptr, length):
        add = caller.func("add")
        assert add.params == (I32, I32)
        with pytest.raises(wasmhost.NotFoundError):
            caller.func("nope")
        caller.call("crash")  # raises the nested trap

    linker = wasmhost.Linker()
    linker.define_func("host", "double", [I32], [I32], double_by_guest,
                       access_caller=True)
    linker.define_func("host", "greet", [I32, I32], [I32], greet_and_crash,
                       access_caller=True)
    with wasmhost.Instance(module, linker) as instance:
        assert instance.call("call_double", 21) == 42
        with pytest.raises(wasmhost.AbortedError) as info:
            instance.call("greet")
    # The nested trap, passed on by the host function: its code and
    # frames, marked as the host function's error.
    assert info.value.kind == ErrorKind.HOST_ERROR
    assert info.value.trap_kind == TrapKind.UNREACHABLE
    assert info.value.frames[0].function_name == "inner"


def test_module_reflection(module):
    assert module.imports == [
        ("host", "double", wasmhost.ExternKind.FUNC),
        ("host", "greet", wasmhost.ExternKind.FUNC)]
    exports = dict(module.exports)
    assert len(module.exports) == 14
    assert exports["memory"] == wasmhost.ExternKind.MEMORY
    assert exports["pi"] == wasmhost.ExternKind.GLOBAL
    assert exports["add"] == wasmhost.ExternKind.FUNC
