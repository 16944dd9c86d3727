"""Per-call cost of wasmhost from Python, beside its baselines.

    WASMHOST_LIBRARY=.../libwasmhost.so PYTHONPATH=bindings/python \\
        python3 bindings/python/benchmarks/call_benchmark.py ADD_WASM

ADD_WASM is benchmarks/fixtures/add.wat compiled (an i32 add). Prints the
median of 5 runs, in ns per call, of:
  python_call   a Python function returning a + b (the interpreter's floor)
  ctypes_call   a ctypes call of wasmhost_version (ctypes' own floor)
  func_call     Func("add")(1, 2): ctypes + the C API + the guest call
  instance_call instance.call("add", 1, 2): the same with the name lookup
The C and C++ figures come from benchmarks/capi_benchmark.
"""

import statistics
import sys
import time

import wasmhost


def per_call_ns(fn, calls=200_000, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter_ns() - start) / calls)
    return statistics.median(times)


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
    for name, ns in results.items():
        print("%-14s %8.0f ns/call" % (name, ns))
    instance.close()


if __name__ == "__main__":
    main()
