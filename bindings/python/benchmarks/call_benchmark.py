"""Per-call cost of wasmhost from Python, beside its baselines.

    WASMHOST_LIBRARY=.../libwasmhost.so PYTHONPATH=bindings/python \\
        python3 bindings/python/benchmarks/call_benchmark.py ADD_WASM

ADD_WASM is benchmarks/fixtures/add.wat compiled (an i32 add). Prints the
median of 5 runs, in ns per call of wall time and of this thread's CPU
time, of:
  python_call   a Python function returning a + b (the interpreter's floor)
  ctypes_call   a ctypes call of wasmhost_version (ctypes' own floor)
  func_call     Func("add")(1, 2): the C API and the guest call, through
                wasmhost._fast when it is built (wasmhost.fast_path()),
                through ctypes otherwise (or with WASMHOST_PURE_PYTHON=1)
  instance_call instance.call("add", 1, 2): the same with the export looked
                up by name
The C and C++ figures come from benchmarks/capi_benchmark.
"""

import statistics
import sys
import time

import wasmhost


def per_call_ns(fn, calls=200_000, runs=5):
    """Median (wall, CPU) nanoseconds per call."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        for _ in range(calls):
            fn()
        wall.append((time.perf_counter_ns() - start) / calls)
        cpu.append((time.thread_time_ns() - start_cpu) / calls)
    return statistics.median(wall), statistics.median(cpu)


def main():
    with open(sys.argv[1], "rb") as f:
        wasm = f.read()
    engine = wasmhost.Engine()
    module = wasmhost.Module(engine, wasm)
    instance = wasmhost.Instance(module, wasmhost.Linker())
    add = instance.func("add")

    def python_add(a, b):
        return a + b

    version = wasmhost._c.version
    results = {
        "python_call": per_call_ns(lambda: python_add(1, 2)),
        "ctypes_call": per_call_ns(version),
        "func_call": per_call_ns(lambda: add(1, 2)),
        "instance_call": per_call_ns(lambda: instance.call("add", 1, 2)),
    }
    print("fast path (wasmhost._fast): %s" % wasmhost.fast_path())
    for name, (wall, cpu) in results.items():
        print("%-14s %8.0f ns/call  (CPU %6.0f ns)" % (name, wall, cpu))
    instance.close()


if __name__ == "__main__":
    main()
