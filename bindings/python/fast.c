/* bindings/python/fast.c: the module wasmhost._fast, the package's call
 * path without ctypes (a Func call through ctypes costs ~5x the C API's
 * own; see README.md). It has no link dependency on libwasmhost.so: the
 * package passes it the address of wasmhost_func_call from the library
 * ctypes loaded, so there is one copy of the library (and of V8) in the
 * process whichever way it was found. Without this module the package
 * calls through ctypes.
 *
 *   init(func_call_address)   once, before call
 *   call(func, kinds, nresults, args, options)
 *       calls the wasmhost_func_t* `func` (an int) with `args` (a tuple of
 *       the kinds in the bytes `kinds`: I32, I64, F32, F64 only) under the
 *       wasmhost_call_options_t* `options` (an int, 0 for none); returns
 *       None, the result, or a tuple of them. A failed call raises
 *       Failed(error_address): the package turns the wasmhost_error_t*
 *       into its exception. */

#include <stdint.h>

#include "bindings/python/python_include.h"  // Python.h, first
#include "wasmhost.h"

typedef wasmhost_error_t* (*func_call_t)(const wasmhost_func_t*,
                                         const wasmhost_call_options_t*,
                                         const wasmhost_val_t*, size_t,
                                         wasmhost_val_t*, size_t);

static func_call_t func_call = NULL;
static PyObject* failed = NULL;

enum { kMaxVals = 32 };

static PyObject* fast_init(PyObject* self, PyObject* address) {
  (void)self;
  func_call = (func_call_t)PyLong_AsVoidPtr(address);
  if (func_call == NULL) return NULL;
  Py_RETURN_NONE;
}

/* Stores `value` as `kind` in `out`; 0, or -1 with a Python error set. */
static int to_val(PyObject* value, uint8_t kind, wasmhost_val_t* out) {
  out->kind = kind;
  if (kind == WASMHOST_F32 || kind == WASMHOST_F64) {
    double d = PyFloat_AsDouble(value);
    if (d == -1.0 && PyErr_Occurred()) return -1;
    if (kind == WASMHOST_F32) {
      out->of.f32 = (float)d;
    } else {
      out->of.f64 = d;
    }
    return 0;
  }
  if (!PyLong_Check(value)) {
    PyErr_Format(PyExc_TypeError, "an integer is required, not %.100s",
                 Py_TYPE(value)->tp_name);
    return -1;
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (kind == WASMHOST_I32) {
    /* Signed or unsigned: the same bits. */
    if (overflow != 0 || v < INT32_MIN || v > (long long)UINT32_MAX) {
      PyErr_SetString(PyExc_OverflowError, "value out of range for i32");
      return -1;
    }
    out->of.i32 = (int32_t)(uint32_t)v;
    return 0;
  }
  if (overflow > 0) {
    unsigned long long u = PyLong_AsUnsignedLongLong(value);
    if (u == (unsigned long long)-1 && PyErr_Occurred()) return -1;
    out->of.i64 = (int64_t)u;
    return 0;
  }
  if (overflow < 0) {
    PyErr_SetString(PyExc_OverflowError, "value out of range for i64");
    return -1;
  }
  out->of.i64 = v;
  return 0;
}

static PyObject* from_val(const wasmhost_val_t* val) {
  switch (val->kind) {
    case WASMHOST_I32:
      return PyLong_FromLong(val->of.i32);
    case WASMHOST_I64:
      return PyLong_FromLongLong(val->of.i64);
    case WASMHOST_F32:
      return PyFloat_FromDouble(val->of.f32);
    case WASMHOST_F64:
      return PyFloat_FromDouble(val->of.f64);
    default:
      PyErr_SetString(PyExc_TypeError, "v128 results take the ctypes path");
      return NULL;
  }
}

static PyObject* fast_call(PyObject* self, PyObject* const* argv,
                           Py_ssize_t argc) {
  wasmhost_val_t args[kMaxVals];
  wasmhost_val_t results[kMaxVals];
  (void)self;
  if (argc != 5 || !PyBytes_Check(argv[1]) || !PyTuple_Check(argv[3])) {
    PyErr_SetString(PyExc_TypeError,
                    "call(func, kinds: bytes, nresults, args: tuple, "
                    "options)");
    return NULL;
  }
  if (func_call == NULL) {
    PyErr_SetString(PyExc_RuntimeError, "wasmhost._fast.init not called");
    return NULL;
  }
  const wasmhost_func_t* func = PyLong_AsVoidPtr(argv[0]);
  const uint8_t* kinds = (const uint8_t*)PyBytes_AS_STRING(argv[1]);
  Py_ssize_t nkinds = PyBytes_GET_SIZE(argv[1]);
  Py_ssize_t nresults = PyLong_AsSsize_t(argv[2]);
  Py_ssize_t nargs = PyTuple_GET_SIZE(argv[3]);
  const wasmhost_call_options_t* options = PyLong_AsVoidPtr(argv[4]);
  if (PyErr_Occurred()) return NULL;
  if (nargs != nkinds || nargs > kMaxVals || nresults < 0 ||
      nresults > kMaxVals) {
    PyErr_SetString(PyExc_ValueError, "too many values for the fast path");
    return NULL;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    if (to_val(PyTuple_GET_ITEM(argv[3], i), kinds[i], &args[i]) != 0) {
      return NULL;
    }
  }
  wasmhost_error_t* error;
  /* Host functions take the GIL back (ctypes' callbacks do). */
  Py_BEGIN_ALLOW_THREADS;
  error =
      func_call(func, options, args, (size_t)nargs, results, (size_t)nresults);
  Py_END_ALLOW_THREADS;
  if (error != NULL) {
    PyObject* address = PyLong_FromVoidPtr(error);
    if (address != NULL) {
      PyErr_SetObject(failed, address);
      Py_DECREF(address);
    }
    return NULL;
  }
  if (nresults == 0) Py_RETURN_NONE;
  if (nresults == 1) return from_val(&results[0]);
  PyObject* tuple = PyTuple_New(nresults);
  if (tuple == NULL) return NULL;
  for (Py_ssize_t i = 0; i < nresults; ++i) {
    PyObject* item = from_val(&results[i]);
    if (item == NULL) {
      Py_DECREF(tuple);
      return NULL;
    }
    PyTuple_SET_ITEM(tuple, i, item);
  }
  return tuple;
}

static PyMethodDef methods[] = {
    {"init", fast_init, METH_O, "init(func_call_address)"},
    {"call", (PyCFunction)(void (*)(void))fast_call, METH_FASTCALL,
     "call(func, kinds, nresults, args, options)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "wasmhost._fast",
    "The wasmhost package's call path without ctypes.",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__fast(void) {
  PyObject* m = PyModule_Create(&module);
  if (m == NULL) return NULL;
  failed = PyErr_NewException("wasmhost._fast.Failed", NULL, NULL);
  if (failed == NULL || PyModule_AddObjectRef(m, "Failed", failed) != 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
