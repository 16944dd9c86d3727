// An implementation of kitchen_sink.wit's exports against the generated
// sink.h: enough to make a component whose world is the WIT's (so every
// import is called somewhere), not a program anyone runs.
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

void exports_test_sink_guest_spill(test_sink_host_prims_t* a,
                                   test_sink_host_prims_t* b,
                                   sink_result_list_own_session_string_t* ret) {
  test_sink_host_prims_t echoed;
  test_sink_host_echo(a, &echoed);
  ret->is_err = echoed.b != b->b;
  if (ret->is_err) {
    sink_string_dup(&ret->val.err, "different");
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

// Calls every import that the other exports do not.
void exports_sink_run(sink_list_string_t* args,
                      sink_result_void_string_t* ret) {
  ret->is_err = false;
  for (size_t i = 0; i < args->len; ++i) sink_log(&args->ptr[i]);
  sink_list_string_free(args);
  test_sink_host_own_file_t f =
      test_sink_host_constructor_file(&(sink_string_t){0});
  test_sink_host_borrow_file_t borrowed = test_sink_host_file_borrow_own(f);
  sink_result_bytes_string_t read;
  test_sink_host_method_file_read(borrowed, 4, &read);
  sink_result_bytes_string_free(&read);
  sink_option_bytes_t used;
  test_sink_host_use_file(borrowed, &used);
  sink_option_bytes_free(&used);
  sink_tuple2_own_file_own_file_t two;
  test_sink_host_static_file_open_twice(&(sink_string_t){0}, &two);
  test_sink_host_file_drop_own(two.f0);
  test_sink_host_file_drop_own(two.f1);
  test_sink_host_file_drop_own(f);
  test_sink_host_many_t m = test_sink_host_toggle(TEST_SINK_HOST_MANY_I);
  test_sink_host_maybe_names_t names = {0};
  test_sink_host_maybe_names_t names_back;
  test_sink_host_names(&names, &names_back);
  test_sink_host_maybe_names_free(&names_back);
  uint64_t w = test_sink_host_wide(m, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                   14, 15, 16, sink_clock_now());
  sink_result_void_level_t r1;
  test_sink_host_ok_or_not(&r1);
  sink_result_s32_void_t r2;
  test_sink_host_just_ok(&r2);
  sink_result_void_void_t r3;
  test_sink_host_nothing(&r3);
  if (w == 0 || r1.is_err || r2.is_err || r3.is_err) {
    sink_string_dup(&ret->val.err, "failed");
    ret->is_err = true;
  }
}
