// A wasi:http handler (http_fetch.wit) on StarlingMonkey's service-worker
// API, as the HTTP tests drive it:
//   /echo     200, application/json: {"length":N,"echo":BODY}
//   /counter  a global counter incremented per request (fresh state: 1)
//   /throw    throws: StarlingMonkey answers 500 itself
//   /spin     runs forever (the host's deadline stops it)
//   /fetch?A  POSTs "ping" to http://A/from-js and answers
//             "STATUS|X-REPLY|BODY", or "failed: MESSAGE"
//   anything else  200, text/plain: "hello from JavaScript\n"

let counter = 0;

function text(body, type = "text/plain") {
  return new Response(body, { headers: { "content-type": type } });
}

async function handle(request) {
  const path = new URL(request.url).pathname;
  if (path === "/echo") {
    const body = await request.text();
    return text(`{"length":${body.length},"echo":${body || "null"}}`,
                "application/json");
  }
  if (path === "/counter") {
    counter += 1;
    return text(String(counter));
  }
  if (path === "/throw") throw new Error("a guest secret");
  if (path === "/spin") for (;;) {}
  if (path === "/fetch") {
    const authority = new URL(request.url).search.slice(1);
    try {
      const response = await fetch(`http://${authority}/from-js`,
                                   { method: "POST", body: "ping" });
      const body = await response.text();
      return text(`${response.status}|${response.headers.get("x-reply")}|${body}`);
    } catch (error) {
      return text(`failed: ${error.message}`);
    }
  }
  return text("hello from JavaScript\n");
}

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));
