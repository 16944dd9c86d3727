// A wasi:http handler in C (http_handler.wit), with one route per behaviour
// the HTTP tests check:
//   /echo        200, application/json: {"length":N,"echo":BODY}
//   /counter     a global counter incremented per request (fresh state: 1)
//   /trap        traps
//   /spin        never returns
//   /alloc       allocates and touches 4 MiB (traps when it cannot)
//   /big         writes 1 MiB of body
//   /outgoing?A  sends a request to authority A: "error-code N" or "sent"
//   /none        returns without setting a response
//   /headers     200, the values of request header x-test joined by ","
//   anything else  200, text/plain: "hello from C\n"
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

// Sends status, content-type and the body chunks (NULL-terminated list
// of buffers with lengths) as the response.
static void respond(outparam_t out, uint16_t status, const char* type,
                    const uint8_t* const* chunks, const size_t* lens) {
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
  http_guest_option_own_fields_t no_trailers = {false, {0}};
  http_guest_result_void_error_code_t finished;
  wasi_http_types_static_outgoing_body_finish(body.val.ok, &no_trailers,
                                              &finished);
}

static void respond_text(outparam_t out, uint16_t status, const char* text) {
  const uint8_t* chunks[] = {(const uint8_t*)text, NULL};
  size_t lens[] = {strlen(text)};
  respond(out, status, "text/plain", chunks, lens);
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

static void outgoing(const http_guest_option_string_t* path, outparam_t out) {
  const char* query = memchr(path->val.ptr, '?', path->val.len);
  http_guest_option_string_t authority = {false, {NULL, 0}};
  if (query != NULL) {
    authority.is_some = true;
    authority.val.ptr = (uint8_t*)query + 1;
    authority.val.len =
        path->val.len - (size_t)((const uint8_t*)query + 1 - path->val.ptr);
  }
  wasi_http_types_own_outgoing_request_t request =
      wasi_http_types_constructor_outgoing_request(
          wasi_http_types_constructor_fields());
  http_guest_result_void_void_t set;
  wasi_http_types_method_outgoing_request_set_authority(
      wasi_http_types_outgoing_request_borrow_own(request), &authority, &set);
  http_guest_option_own_request_options_t no_options = {false, {0}};
  http_guest_result_own_future_incoming_response_error_code_t sent;
  wasi_http_outgoing_handler_handle(request, &no_options, &sent);
  if (!sent.is_err) {
    wasi_http_types_future_incoming_response_drop_own(sent.val.ok);
    respond_text(out, 200, "sent");
    return;
  }
  char text[40] = "error-code ";
  format_u64(sent.val.err.tag, text + strlen(text));
  wasi_http_types_error_code_free(&sent.val.err);
  respond_text(out, 200, text);
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
    outgoing(&path, out);
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
