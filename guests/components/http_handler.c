// A wasi:http handler in C (http_handler.wit), with one route per behaviour
// the HTTP tests check:
//   /echo        200, application/json: {"length":N,"echo":BODY}
//   /counter     a global counter incremented per request (fresh state: 1)
//   /trap        traps
//   /spin        never returns
//   /alloc       allocates and touches 4 MiB (traps when it cannot)
//   /big         writes 1 MiB of body
//   /outgoing?A  GET http://A/from-guest?x=1, answered with what came back
//                (below), or "error-code N" (": message" for
//                internal-error) when handle or the response failed
//   /outgoing-https?A  the same over https
//   /outgoing-slow?A   the same with a 200 ms first-byte timeout
//   /proxy?A     POSTs the request body to http://A/upload, streamed after
//                handle, with trailer x-length: its length
//   /trailers    answers the request body with the request's trailers
//                and x-guest: yes as the response's trailers
//   /none        returns without setting a response
//   /headers     200, the values of request header x-test joined by ","
//   anything else  200, text/plain: "hello from C\n"
// What came back from an outgoing request is answered as
// "STATUS|X-REPLY|BODY|TRAILERS", TRAILERS as "name=value;" each.
// The glue is generated from the WIT (http_guest.h).
#include <stdlib.h>
#include <string.h>

#include "http_guest.h"

typedef wasi_http_types_own_response_outparam_t outparam_t;

static int counter;
// Where /alloc keeps its block, so the compiler cannot elide the
// allocation.
static uint8_t* volatile allocated;

static int is(const http_guest_option_string_t* path, const char* prefix) {
  size_t n = strlen(prefix);
  return path->is_some && path->val.len >= n &&
         memcmp(path->val.ptr, prefix, n) == 0 &&
         (path->val.len == n || path->val.ptr[n] == '?');
}

static void append_header(wasi_http_types_own_fields_t fields, const char* name,
                          const char* value) {
  http_guest_string_t n = {(uint8_t*)name, strlen(name)};
  http_guest_list_u8_t v = {(uint8_t*)value, strlen(value)};
  http_guest_result_void_header_error_t ret;
  wasi_http_types_method_fields_append(
      wasi_http_types_fields_borrow_own(fields), &n, &v, &ret);
  if (ret.is_err) __builtin_trap();
}

// Decimal digits of `value` into `out` (at least 21 bytes); their count.
static size_t format_u64(uint64_t value, char* out) {
  char digits[21];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return n;
}

// A growable byte buffer.
typedef struct {
  uint8_t* ptr;
  size_t len;
} buf_t;

static void buf_add(buf_t* buf, const void* bytes, size_t len) {
  buf->ptr = realloc(buf->ptr, buf->len + len + 1);
  if (buf->ptr == NULL) __builtin_trap();
  memcpy(buf->ptr + buf->len, bytes, len);
  buf->len += len;
}

static void buf_str(buf_t* buf, const char* text) {
  buf_add(buf, text, strlen(text));
}

static void buf_u64(buf_t* buf, uint64_t value) {
  char digits[24];
  buf_add(buf, digits, format_u64(value, digits));
}

// Sends status, content-type and the body chunks (NULL-terminated list
// of buffers with lengths) as the response, then `trailers` (NULL: none).
static void respond_with_trailers(outparam_t out, uint16_t status,
                                  const char* type,
                                  const uint8_t* const* chunks,
                                  const size_t* lens,
                                  wasi_http_types_own_fields_t* trailers) {
  wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
  append_header(headers, "content-type", type);
  wasi_http_types_own_outgoing_response_t response =
      wasi_http_types_constructor_outgoing_response(headers);
  wasi_http_types_borrow_outgoing_response_t borrowed =
      wasi_http_types_outgoing_response_borrow_own(response);
  http_guest_result_void_void_t set_status;
  wasi_http_types_method_outgoing_response_set_status_code(borrowed, status,
                                                           &set_status);
  http_guest_result_own_outgoing_body_void_t body;
  wasi_http_types_method_outgoing_response_body(borrowed, &body);
  if (body.is_err) __builtin_trap();

  http_guest_result_own_outgoing_response_error_code_t result;
  result.is_err = false;
  result.val.ok = response;
  wasi_http_types_static_response_outparam_set(out, &result);

  http_guest_result_own_output_stream_void_t stream;
  wasi_http_types_method_outgoing_body_write(
      wasi_http_types_outgoing_body_borrow_own(body.val.ok), &stream);
  if (stream.is_err) __builtin_trap();
  for (size_t i = 0; chunks[i] != NULL; ++i) {
    http_guest_list_u8_t bytes = {(uint8_t*)chunks[i], lens[i]};
    http_guest_result_void_stream_error_t written;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(
        wasi_io_streams_output_stream_borrow_own(stream.val.ok), &bytes,
        &written);
    if (written.is_err) __builtin_trap();
  }
  wasi_io_streams_output_stream_drop_own(stream.val.ok);
  http_guest_option_own_fields_t given = {false, {0}};
  if (trailers != NULL) {
    given.is_some = true;
    given.val = *trailers;
  }
  http_guest_result_void_error_code_t finished;
  wasi_http_types_static_outgoing_body_finish(body.val.ok, &given, &finished);
  if (finished.is_err) __builtin_trap();
}

static void respond(outparam_t out, uint16_t status, const char* type,
                    const uint8_t* const* chunks, const size_t* lens) {
  respond_with_trailers(out, status, type, chunks, lens, NULL);
}

static void respond_buf(outparam_t out, const buf_t* buf,
                        wasi_http_types_own_fields_t* trailers) {
  const uint8_t* chunks[] = {buf->ptr, NULL};
  size_t lens[] = {buf->len};
  respond_with_trailers(out, 200, "text/plain", chunks, lens, trailers);
}

static void respond_text(outparam_t out, uint16_t status, const char* text) {
  const uint8_t* chunks[] = {(const uint8_t*)text, NULL};
  size_t lens[] = {strlen(text)};
  respond(out, status, "text/plain", chunks, lens);
}

// Reads `stream` to its end into `buf`; the error-code tag of a failed
// read (-1: none, -2: a failure without an error-code), dropping it.
static int read_all(wasi_io_streams_own_input_stream_t stream, buf_t* buf) {
  int failed = -1;
  for (;;) {
    http_guest_result_list_u8_stream_error_t chunk;
    wasi_io_streams_method_input_stream_blocking_read(
        wasi_io_streams_input_stream_borrow_own(stream), 65536, &chunk);
    if (chunk.is_err) {
      if (chunk.val.err.tag ==
          WASI_IO_STREAMS_STREAM_ERROR_LAST_OPERATION_FAILED) {
        wasi_io_error_own_error_t error =
            chunk.val.err.val.last_operation_failed;
        http_guest_option_error_code_t code;
        wasi_http_types_http_error_code(wasi_io_error_error_borrow_own(error),
                                        &code);
        failed = code.is_some ? code.val.tag : -2;
        http_guest_option_error_code_free(&code);
        wasi_io_error_error_drop_own(error);
      }
      break;
    }
    buf_add(buf, chunk.val.ok.ptr, chunk.val.ok.len);
    http_guest_list_u8_free(&chunk.val.ok);
  }
  wasi_io_streams_input_stream_drop_own(stream);
  return failed;
}

// "name=value;" for each of `fields`, dropping them.
static void add_fields(buf_t* buf, wasi_http_types_own_fields_t fields) {
  http_guest_list_tuple2_string_list_u8_t entries;
  wasi_http_types_method_fields_entries(
      wasi_http_types_fields_borrow_own(fields), &entries);
  for (size_t i = 0; i < entries.len; ++i) {
    buf_add(buf, entries.ptr[i].f0.ptr, entries.ptr[i].f0.len);
    buf_str(buf, "=");
    buf_add(buf, entries.ptr[i].f1.ptr, entries.ptr[i].f1.len);
    buf_str(buf, ";");
  }
  http_guest_list_tuple2_string_list_u8_free(&entries);
  wasi_http_types_fields_drop_own(fields);
}

// Waits for `trailers` (dropping it) and gives them, or none.
static http_guest_option_own_fields_t await_trailers(
    wasi_http_types_own_future_trailers_t trailers) {
  wasi_io_poll_own_pollable_t ready =
      wasi_http_types_method_future_trailers_subscribe(
          wasi_http_types_future_trailers_borrow_own(trailers));
  wasi_io_poll_method_pollable_block(wasi_io_poll_pollable_borrow_own(ready));
  wasi_io_poll_pollable_drop_own(ready);
  http_guest_option_result_result_option_own_fields_error_code_void_t got;
  wasi_http_types_method_future_trailers_get(
      wasi_http_types_future_trailers_borrow_own(trailers), &got);
  wasi_http_types_future_trailers_drop_own(trailers);
  if (!got.is_some || got.val.is_err || got.val.val.ok.is_err) {
    __builtin_trap();
  }
  return got.val.val.ok.val.ok;
}

// The whole request body (malloc'd) and its length.
static uint8_t* read_body(wasi_http_types_own_incoming_request_t request,
                          size_t* len) {
  http_guest_result_own_incoming_body_void_t body;
  wasi_http_types_method_incoming_request_consume(
      wasi_http_types_incoming_request_borrow_own(request), &body);
  if (body.is_err) __builtin_trap();
  http_guest_result_own_input_stream_void_t stream;
  wasi_http_types_method_incoming_body_stream(
      wasi_http_types_incoming_body_borrow_own(body.val.ok), &stream);
  if (stream.is_err) __builtin_trap();
  uint8_t* data = NULL;
  *len = 0;
  for (;;) {
    http_guest_result_list_u8_stream_error_t chunk;
    wasi_io_streams_method_input_stream_blocking_read(
        wasi_io_streams_input_stream_borrow_own(stream.val.ok), 65536, &chunk);
    if (chunk.is_err) break;  // closed: the end of the body
    data = realloc(data, *len + chunk.val.ok.len + 1);
    if (data == NULL) __builtin_trap();
    memcpy(data + *len, chunk.val.ok.ptr, chunk.val.ok.len);
    *len += chunk.val.ok.len;
    http_guest_list_u8_free(&chunk.val.ok);
  }
  wasi_io_streams_input_stream_drop_own(stream.val.ok);
  wasi_http_types_incoming_body_drop_own(body.val.ok);
  return data;
}

static void echo(wasi_http_types_own_incoming_request_t request,
                 outparam_t out) {
  size_t len = 0;
  uint8_t* body = read_body(request, &len);
  char head[64] = "{\"length\":";
  size_t head_len = strlen(head);
  head_len += format_u64(len, head + head_len);
  memcpy(head + head_len, ",\"echo\":", 9);
  head_len += 8;
  const uint8_t* chunks[] = {(const uint8_t*)head, body, (const uint8_t*)"}",
                             NULL};
  size_t lens[] = {head_len, len, 1};
  if (len == 0) {  // An empty body echoes as null.
    chunks[1] = (const uint8_t*)"null";
    lens[1] = 4;
  }
  respond(out, 200, "application/json", chunks, lens);
  free(body);
}

// "error-code N" (with ": message" for internal-error) for `code`.
static void respond_error(outparam_t out, wasi_http_types_error_code_t* code) {
  buf_t text = {NULL, 0};
  buf_str(&text, "error-code ");
  buf_u64(&text, code->tag);
  if (code->tag == WASI_HTTP_TYPES_ERROR_CODE_INTERNAL_ERROR &&
      code->val.internal_error.is_some) {
    buf_str(&text, ": ");
    buf_add(&text, code->val.internal_error.val.ptr,
            code->val.internal_error.val.len);
  }
  wasi_http_types_error_code_free(code);
  respond_buf(out, &text, NULL);
  free(text.ptr);
}

enum send_kind { SEND_GET, SEND_HTTPS, SEND_SLOW, SEND_PROXY };

// Sends the request `kind` says to the authority after '?' in `path` and
// answers with what came back.
static void send_request(const http_guest_option_string_t* path,
                         enum send_kind kind,
                         wasi_http_types_own_incoming_request_t incoming,
                         outparam_t out) {
  const char* query = memchr(path->val.ptr, '?', path->val.len);
  http_guest_option_string_t authority = {false, {NULL, 0}};
  if (query != NULL) {
    authority.is_some = true;
    authority.val.ptr = (uint8_t*)query + 1;
    authority.val.len =
        path->val.len - (size_t)((const uint8_t*)query + 1 - path->val.ptr);
  }
  wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
  append_header(headers, "x-from", "guest");
  // The request goes to its authority, whatever Host the guest sets.
  append_header(headers, "host", "spoofed.example");
  wasi_http_types_own_outgoing_request_t request =
      wasi_http_types_constructor_outgoing_request(headers);
  wasi_http_types_borrow_outgoing_request_t borrowed =
      wasi_http_types_outgoing_request_borrow_own(request);
  http_guest_result_void_void_t set;
  wasi_http_types_method_outgoing_request_set_authority(borrowed, &authority,
                                                        &set);
  http_guest_option_string_t target = {true, {NULL, 0}};
  http_guest_string_set(&target.val,
                        kind == SEND_PROXY ? "/upload" : "/from-guest?x=1");
  wasi_http_types_method_outgoing_request_set_path_with_query(borrowed, &target,
                                                              &set);
  if (kind == SEND_HTTPS) {
    http_guest_option_scheme_t scheme;
    memset(&scheme, 0, sizeof(scheme));
    scheme.is_some = true;
    scheme.val.tag = WASI_HTTP_TYPES_SCHEME_HTTPS;
    wasi_http_types_method_outgoing_request_set_scheme(borrowed, &scheme, &set);
  }
  http_guest_result_own_outgoing_body_void_t body;
  memset(&body, 0, sizeof(body));
  if (kind == SEND_PROXY) {
    wasi_http_types_method_t post;
    memset(&post, 0, sizeof(post));
    post.tag = WASI_HTTP_TYPES_METHOD_POST;
    wasi_http_types_method_outgoing_request_set_method(borrowed, &post, &set);
    wasi_http_types_method_outgoing_request_body(borrowed, &body);
    if (body.is_err) __builtin_trap();
  }
  http_guest_option_own_request_options_t options = {false, {0}};
  if (kind == SEND_SLOW) {
    options.is_some = true;
    options.val = wasi_http_types_constructor_request_options();
    http_guest_option_u64_t timeout = {true, 200000000};  // 200 ms
    wasi_http_types_method_request_options_set_first_byte_timeout(
        wasi_http_types_request_options_borrow_own(options.val), &timeout,
        &set);
  }
  http_guest_result_own_future_incoming_response_error_code_t sent;
  wasi_http_outgoing_handler_handle(request, &options, &sent);
  if (sent.is_err) {
    respond_error(out, &sent.val.err);
    return;
  }
  if (kind == SEND_PROXY) {
    // The body streams after handle: chunked, with a trailer.
    size_t len = 0;
    uint8_t* data = read_body(incoming, &len);
    http_guest_result_own_output_stream_void_t stream;
    wasi_http_types_method_outgoing_body_write(
        wasi_http_types_outgoing_body_borrow_own(body.val.ok), &stream);
    if (stream.is_err) __builtin_trap();
    for (size_t at = 0; at < len; at += 3) {  // Several chunks.
      http_guest_list_u8_t bytes = {data + at, len - at < 3 ? len - at : 3};
      http_guest_result_void_stream_error_t written;
      wasi_io_streams_method_output_stream_blocking_write_and_flush(
          wasi_io_streams_output_stream_borrow_own(stream.val.ok), &bytes,
          &written);
      if (written.is_err) __builtin_trap();
    }
    wasi_io_streams_output_stream_drop_own(stream.val.ok);
    free(data);
    char digits[24];
    format_u64(len, digits);
    wasi_http_types_own_fields_t trailers =
        wasi_http_types_constructor_fields();
    append_header(trailers, "x-length", digits);
    http_guest_option_own_fields_t given = {true, trailers};
    http_guest_result_void_error_code_t finished;
    wasi_http_types_static_outgoing_body_finish(body.val.ok, &given, &finished);
    if (finished.is_err) {
      respond_error(out, &finished.val.err);
      return;
    }
  }

  wasi_http_types_own_future_incoming_response_t future = sent.val.ok;
  wasi_io_poll_own_pollable_t ready =
      wasi_http_types_method_future_incoming_response_subscribe(
          wasi_http_types_future_incoming_response_borrow_own(future));
  wasi_io_poll_method_pollable_block(wasi_io_poll_pollable_borrow_own(ready));
  wasi_io_poll_pollable_drop_own(ready);
  http_guest_option_result_result_own_incoming_response_error_code_void_t got;
  wasi_http_types_method_future_incoming_response_get(
      wasi_http_types_future_incoming_response_borrow_own(future), &got);
  wasi_http_types_future_incoming_response_drop_own(future);
  if (!got.is_some || got.val.is_err) __builtin_trap();
  if (got.val.val.ok.is_err) {
    respond_error(out, &got.val.val.ok.val.err);
    return;
  }
  wasi_http_types_own_incoming_response_t response = got.val.val.ok.val.ok;
  wasi_http_types_borrow_incoming_response_t response_ref =
      wasi_http_types_incoming_response_borrow_own(response);

  buf_t text = {NULL, 0};
  buf_u64(&text, wasi_http_types_method_incoming_response_status(response_ref));
  buf_str(&text, "|");
  wasi_http_types_own_fields_t response_headers =
      wasi_http_types_method_incoming_response_headers(response_ref);
  http_guest_string_t name = {(uint8_t*)"x-reply", 7};
  http_guest_list_list_u8_t values;
  wasi_http_types_method_fields_get(
      wasi_http_types_fields_borrow_own(response_headers), &name, &values);
  if (values.len > 0) buf_add(&text, values.ptr[0].ptr, values.ptr[0].len);
  http_guest_list_list_u8_free(&values);
  wasi_http_types_fields_drop_own(response_headers);
  buf_str(&text, "|");

  http_guest_result_own_incoming_body_void_t response_body;
  wasi_http_types_method_incoming_response_consume(response_ref,
                                                   &response_body);
  if (response_body.is_err) __builtin_trap();
  http_guest_result_own_input_stream_void_t stream;
  wasi_http_types_method_incoming_body_stream(
      wasi_http_types_incoming_body_borrow_own(response_body.val.ok), &stream);
  if (stream.is_err) __builtin_trap();
  int failed = read_all(stream.val.ok, &text);
  if (failed != -1) {
    buf_str(&text, "|read failed: ");
    buf_u64(&text, (uint64_t)(failed + 2));  // 0: no code, else code + 2
  } else {
    buf_str(&text, "|");
    http_guest_option_own_fields_t trailers = await_trailers(
        wasi_http_types_static_incoming_body_finish(response_body.val.ok));
    if (trailers.is_some) add_fields(&text, trailers.val);
  }
  wasi_http_types_incoming_response_drop_own(response);
  respond_buf(out, &text, NULL);
  free(text.ptr);
}

// The request body back, with the request's trailers and x-guest: yes as
// the response's.
static void trailers(wasi_http_types_own_incoming_request_t request,
                     outparam_t out) {
  http_guest_result_own_incoming_body_void_t body;
  wasi_http_types_method_incoming_request_consume(
      wasi_http_types_incoming_request_borrow_own(request), &body);
  if (body.is_err) __builtin_trap();
  http_guest_result_own_input_stream_void_t stream;
  wasi_http_types_method_incoming_body_stream(
      wasi_http_types_incoming_body_borrow_own(body.val.ok), &stream);
  if (stream.is_err) __builtin_trap();
  buf_t text = {NULL, 0};
  read_all(stream.val.ok, &text);
  http_guest_option_own_fields_t got =
      await_trailers(wasi_http_types_static_incoming_body_finish(body.val.ok));
  wasi_http_types_own_fields_t sent = wasi_http_types_constructor_fields();
  if (got.is_some) {
    http_guest_list_tuple2_string_list_u8_t entries;
    wasi_http_types_method_fields_entries(
        wasi_http_types_fields_borrow_own(got.val), &entries);
    for (size_t i = 0; i < entries.len; ++i) {
      http_guest_result_void_header_error_t ret;
      wasi_http_types_method_fields_append(
          wasi_http_types_fields_borrow_own(sent), &entries.ptr[i].f0,
          &entries.ptr[i].f1, &ret);
      if (ret.is_err) __builtin_trap();
    }
    http_guest_list_tuple2_string_list_u8_free(&entries);
    wasi_http_types_fields_drop_own(got.val);
  }
  append_header(sent, "x-guest", "yes");
  respond_buf(out, &text, &sent);
  free(text.ptr);
}

void exports_wasi_http_incoming_handler_handle(
    wasi_http_types_own_incoming_request_t request, outparam_t out) {
  http_guest_option_string_t path;
  wasi_http_types_method_incoming_request_path_with_query(
      wasi_http_types_incoming_request_borrow_own(request), &path);
  if (is(&path, "/echo")) {
    echo(request, out);
  } else if (is(&path, "/counter")) {
    char text[24];
    format_u64((uint64_t)++counter, text);
    respond_text(out, 200, text);
  } else if (is(&path, "/trap")) {
    __builtin_trap();
  } else if (is(&path, "/spin")) {
    for (volatile int i = 0;; ++i) {
    }
  } else if (is(&path, "/alloc")) {
    allocated = malloc(4 << 20);
    if (allocated == NULL) __builtin_trap();
    memset(allocated, 1, 4 << 20);
    respond_text(out, 200, "allocated");
    free(allocated);
  } else if (is(&path, "/big")) {
    static uint8_t chunk[65536];
    memset(chunk, 'x', sizeof(chunk));
    const uint8_t* chunks[17];
    size_t lens[16];
    for (int i = 0; i < 16; ++i) {
      chunks[i] = chunk;
      lens[i] = sizeof(chunk);
    }
    chunks[16] = NULL;
    respond(out, 200, "text/plain", chunks, lens);
  } else if (is(&path, "/outgoing")) {
    send_request(&path, SEND_GET, request, out);
  } else if (is(&path, "/outgoing-https")) {
    send_request(&path, SEND_HTTPS, request, out);
  } else if (is(&path, "/outgoing-slow")) {
    send_request(&path, SEND_SLOW, request, out);
  } else if (is(&path, "/proxy")) {
    send_request(&path, SEND_PROXY, request, out);
  } else if (is(&path, "/trailers")) {
    trailers(request, out);
  } else if (is(&path, "/headers")) {
    wasi_http_types_own_fields_t headers =
        wasi_http_types_method_incoming_request_headers(
            wasi_http_types_incoming_request_borrow_own(request));
    http_guest_string_t name = {(uint8_t*)"x-test", 6};
    http_guest_list_list_u8_t values;
    wasi_http_types_method_fields_get(
        wasi_http_types_fields_borrow_own(headers), &name, &values);
    const uint8_t* chunks[9];
    size_t lens[8];
    size_t n = 0;
    for (size_t i = 0; i < values.len && n < 8; ++i) {
      if (i > 0 && n < 7) {
        chunks[n] = (const uint8_t*)",";
        lens[n++] = 1;
      }
      chunks[n] = values.ptr[i].ptr;
      lens[n++] = values.ptr[i].len;
    }
    chunks[n] = NULL;
    respond(out, 200, "text/plain", chunks, lens);
    http_guest_list_list_u8_free(&values);
    wasi_http_types_fields_drop_own(headers);
  } else if (is(&path, "/none")) {
    wasi_http_types_response_outparam_drop_own(out);
  } else {
    respond_text(out, 200, "hello from C\n");
  }
  http_guest_option_string_free(&path);
  wasi_http_types_incoming_request_drop_own(request);
}
