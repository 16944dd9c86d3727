// examples/sqlite/wasm_udf.h: the SQLite extension that makes functions of
// WebAssembly modules SQL functions, for programs that link it in rather
// than load it (`.load ./wasm_udf` in the sqlite3 shell, or
// sqlite3_load_extension, loads the shared library built from the same
// source). See wasm_udf.cc for the SQL functions it adds.

#ifndef WASMHOST_EXAMPLES_SQLITE_WASM_UDF_H_
#define WASMHOST_EXAMPLES_SQLITE_WASM_UDF_H_

#include <sqlite3.h>

// Adds wasm_engine() and wasm_load() to `db`. `api` is unused when linked
// in (pass nullptr). Returns SQLITE_OK, or an error code with a message in
// *error (sqlite3_malloc'd).
extern "C" int sqlite3_wasmudf_init(sqlite3* db, char** error,
                                    const sqlite3_api_routines* api);

#endif  // WASMHOST_EXAMPLES_SQLITE_WASM_UDF_H_
