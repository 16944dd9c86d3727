-- The SQLite side of udf_benchmark for the sqlite3 shell: query times over
-- 1M rows with no function, SQL's own arithmetic (the shell has no native
-- UDF to load), the extension's function called per row, and its batched
-- aggregate. Run from a directory holding wasm_udf.so and udf.wasm
-- (bazel build -c opt //examples/sqlite:wasm_udf.so
-- //examples/sqlite:guests_files):
--   sqlite3 < udf_benchmark.sql
.load ./wasm_udf
SELECT wasm_load('score', 'udf.wasm');
SELECT wasm_load('vowels', 'udf.wasm');
CREATE TABLE t(x INTEGER, s TEXT);
INSERT INTO t SELECT value * 7919 % 1000003,
                     substr('the quick brown fox jumps over a lazy dog',
                            1 + value % 13, 4 + value % 24)
FROM generate_series(0, 999999);
.timer on
SELECT sum(x) FROM t;
SELECT sum((x * 31 + 7) % 1000) FROM t;
SELECT sum(score(x)) FROM t;
SELECT score_sum(x) FROM t;
SELECT sum(length(s)) FROM t;
SELECT sum(vowels(s)) FROM t;
SELECT vowels_sum(s) FROM t;
