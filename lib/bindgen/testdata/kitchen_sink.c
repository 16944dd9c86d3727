// An implementation of kitchen_sink.wit's exports against the generated
// sink.h: every import is called somewhere, and `run` and `spill` check what
// the host gives back against the values //tests:cpp_host_test's host
// returns (the round trip of every type through the C guest bindings and
// the C++ host bindings).
#include <stdlib.h>
#include <string.h>

#include "sink.h"

struct exports_test_sink_guest_session_t {
  sink_string_t name;
  test_sink_host_level_t level;
};

typedef exports_test_sink_guest_session_t session;

void exports_test_sink_guest_session_destructor(session* rep) {
  sink_string_free(&rep->name);
  free(rep);
}

exports_test_sink_guest_own_session_t
exports_test_sink_guest_constructor_session(sink_string_t* name,
                                            test_sink_host_level_t level) {
  session* s = malloc(sizeof *s);
  s->name = *name;
  s->level = level;
  return exports_test_sink_guest_session_new(s);
}

void exports_test_sink_guest_method_session_name(session* self,
                                                 sink_string_t* ret) {
  ret->ptr = malloc(self->name.len + 1);
  ret->len = self->name.len;
  memcpy(ret->ptr, self->name.ptr, self->name.len);
}

void exports_test_sink_guest_method_session_attach(
    session* self, test_sink_host_own_file_t f) {
  self->level = (test_sink_host_level_t)test_sink_host_method_file_size(
      test_sink_host_file_borrow_own(f));
  test_sink_host_file_drop_own(f);
}

exports_test_sink_guest_own_session_t
exports_test_sink_guest_static_session_merge(
    session* a, exports_test_sink_guest_own_session_t b) {
  session* other = exports_test_sink_guest_session_rep(b);
  a->level = other->level;
  return b;
}

void exports_test_sink_guest_process(sink_list_prims_t* items,
                                     sink_option_mixed_t* filter,
                                     sink_list_tuple2_string_level_t* ret) {
  ret->len = items->len;
  ret->ptr = malloc(items->len * sizeof *ret->ptr + 1);
  for (size_t i = 0; i < items->len; ++i) {
    ret->ptr[i].f0 = items->ptr[i].s;
    items->ptr[i].s.len = 0;
    ret->ptr[i].f1 = filter->is_some ? test_sink_host_classify(&filter->val)
                                     : TEST_SINK_HOST_LEVEL_LOW;
  }
  sink_list_prims_free(items);
  sink_option_mixed_free(filter);
}

static bool string_is(const sink_string_t* s, const char* want) {
  return s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

static bool prims_equal(const test_sink_host_prims_t* a,
                        const test_sink_host_prims_t* b) {
  return a->b == b->b && a->i8 == b->i8 && a->u8 == b->u8 && a->i16 == b->i16 &&
         a->u16 == b->u16 && a->i32 == b->i32 && a->u32 == b->u32 &&
         a->i64 == b->i64 && a->u64 == b->u64 && a->f32 == b->f32 &&
         a->f64 == b->f64 && a->c == b->c && a->s.len == b->s.len &&
         memcmp(a->s.ptr, b->s.ptr, a->s.len) == 0;
}

// Ok (an empty list) when the host echoes `a` unchanged and `b` equals it.
void exports_test_sink_guest_spill(test_sink_host_prims_t* a,
                                   test_sink_host_prims_t* b,
                                   sink_result_list_own_session_string_t* ret) {
  test_sink_host_prims_t echoed;
  test_sink_host_echo(a, &echoed);
  ret->is_err = !prims_equal(&echoed, a) || !prims_equal(a, b);
  if (ret->is_err) {
    sink_string_dup(&ret->val.err,
                    prims_equal(&echoed, a) ? "different" : "echo changed it");
  } else {
    ret->val.ok.ptr = NULL;
    ret->val.ok.len = 0;
  }
  test_sink_host_prims_free(&echoed);
  test_sink_host_prims_free(a);
  test_sink_host_prims_free(b);
}

uint32_t exports_test_sink_guest_count(session* s) { return s->level; }

// The generated wrapper drops the borrowed handle after this returns.
uint64_t exports_test_sink_guest_peek(test_sink_host_borrow_file_t f) {
  return test_sink_host_method_file_size(f);
}

// Calls every import that the other exports do not, and checks what each
// gives back; the error names the first that differs.
void exports_sink_run(sink_list_string_t* args,
                      sink_result_void_string_t* ret) {
  const char* failed = NULL;
  for (size_t i = 0; i < args->len; ++i) sink_log(&args->ptr[i]);
  sink_list_string_free(args);
  sink_string_t path;
  sink_string_set(&path, "a-path");
  test_sink_host_own_file_t f = test_sink_host_constructor_file(&path);
  test_sink_host_borrow_file_t borrowed = test_sink_host_file_borrow_own(f);
  sink_result_bytes_string_t read;
  test_sink_host_method_file_read(borrowed, 4, &read);
  if (read.is_err || read.val.ok.len != 4 || read.val.ok.ptr[0] != 1 ||
      read.val.ok.ptr[3] != 4) {
    failed = "read";
  }
  sink_result_bytes_string_free(&read);
  test_sink_host_method_file_read(borrowed, 99, &read);
  if (!failed && (!read.is_err || !string_is(&read.val.err, "too long"))) {
    failed = "read error";
  }
  sink_result_bytes_string_free(&read);
  sink_option_bytes_t used;
  test_sink_host_use_file(borrowed, &used);
  if (!failed && (!used.is_some || used.val.len != 1 || used.val.ptr[0] != 9)) {
    failed = "use-file";
  }
  sink_option_bytes_free(&used);
  sink_tuple2_own_file_own_file_t two;
  sink_string_set(&path, "twice");
  test_sink_host_static_file_open_twice(&path, &two);
  if (!failed && two.f0.__handle == two.f1.__handle) failed = "open-twice";
  test_sink_host_file_drop_own(two.f0);
  test_sink_host_file_drop_own(two.f1);
  test_sink_host_file_drop_own(f);
  test_sink_host_many_t m = test_sink_host_toggle(TEST_SINK_HOST_MANY_I);
  if (!failed && m != (TEST_SINK_HOST_MANY_I | TEST_SINK_HOST_MANY_A)) {
    failed = "toggle";
  }
  test_sink_host_maybe_names_t names = {0};
  test_sink_host_maybe_names_t names_back;
  test_sink_host_names(&names, &names_back);
  if (!failed && (!names_back.is_some || names_back.val.len != 2 ||
                  !string_is(&names_back.val.ptr[1], "y"))) {
    failed = "names";
  }
  test_sink_host_maybe_names_free(&names_back);
  uint64_t w = test_sink_host_wide(m, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                   14, 15, 16, sink_clock_now());
  if (!failed && w != UINT64_MAX - 1) failed = "wide";
  sink_result_void_level_t r1;
  test_sink_host_ok_or_not(&r1);
  if (!failed && (!r1.is_err || r1.val.err != TEST_SINK_HOST_LEVEL_HIGH)) {
    failed = "ok-or-not";
  }
  sink_result_s32_void_t r2;
  test_sink_host_just_ok(&r2);
  if (!failed && (r2.is_err || r2.val.ok != -5)) failed = "just-ok";
  sink_result_void_void_t r3;
  test_sink_host_nothing(&r3);
  if (!failed && !r3.is_err) failed = "nothing";
  ret->is_err = failed != NULL;
  if (failed) sink_string_dup(&ret->val.err, failed);
}
