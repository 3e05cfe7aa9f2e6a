// The gateway's index page (GET /pyro/): Python's page (same sections, same table of up to 10 exposed names with
// their methods and attributes) but its demo calls run through our browser client module, served by the gateway
// itself, instead of jQuery from a CDN (which a closed network or a strict CSP cannot load).

export interface IndexEntry {
  name: string;
  methods: string[] | null;
  attrs: string[];
  error?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const jsq = (s: string) => `"${esc(s)}"`;

/**
 * `demoBody`: how the demo calls send their parameters: "form" (Pyro4's gateway reads form bodies) or "json" (our
 * extension; Pyro5's gateway reads the query string only and the client's query mode escapes as latin-1).
 */
export function renderIndexPage(o: { entries: IndexEntry[]; regex: string; nsLocation: string; version: string; clientUrl: string; demoBody?: "form" | "json" }): string {
  const rows = o.entries.map((e) => {
    const methods = e.error !== undefined ? `??error:${esc(e.error)}??` : e.methods!.map(esc).join(" &nbsp; ") || "-";
    const attrs =
      e.attrs.map((a) => `<a href="${esc(e.name)}/${esc(a)}" data-name=${jsq(e.name)} data-method=${jsq(a)}>${esc(a)}</a>`).join(" &nbsp; ") || "-";
    return `<tr><td><a href="${esc(e.name)}/$meta" data-name=${jsq(e.name)} data-method="$meta">${esc(e.name)}</a></td><td>${methods}</td><td>${attrs}</td></tr>`;
  });
  const demo = (name: string, method: string, params: Record<string, string> | null, text: string, about: string) => {
    const q = params ? "?" + Object.entries(params).map(([k, v]) => `${k}=${v}`).join("&") : "";
    return `<li><a href="${esc(name)}/${esc(method)}${esc(q)}" data-name=${jsq(name)} data-method=${jsq(method)}${params ? ` data-params=${jsq(JSON.stringify(params))}` : ""}>${esc(text)}</a> -- ${esc(about)}</li>`;
  };
  return `<!DOCTYPE html>
<html>
<head>
    <meta charset="utf-8">
    <title>Pyro HTTP gateway</title>
    <style type="text/css">
    body { margin: 1em; font-family: sans-serif; }
    table, th, td {border: 1px solid #bbf; padding: 4px;}
    table {border-collapse: collapse;}
    pre {border: 1px solid #bbf; padding: 1ex; margin: 1ex; white-space: pre-wrap;}
    </style>
</head>
<body>
<h1>Pyro HTTP gateway</h1>
<p>Use http+json to talk to Pyro objects. The demo calls below use the browser client module
 <a href="${esc(o.clientUrl)}"><code>pyro4/http</code></a> served by this gateway.</p>
<p><em>Note: a stateless server. It does a name lookup and uses a new Pyro connection for each request.</em></p>
<h2>Currently exposed contents of name server on ${esc(o.nsLocation)}:</h2>
<p>(Limited to 10 entries, exposed name pattern = '${esc(o.regex)}')</p>
<table id="ns_contents"><tr><th>Name</th><th>methods</th><th>attributes (zero-param methods)</th></tr>${rows.join("")}</table>
<p>Name server examples: (these examples are working if you expose the Pyro.NameServer object)</p>
<ul>
${demo("Pyro.NameServer", "$meta", null, "Pyro.NameServer/$meta", "gives meta info of the name server (methods)")}
${demo("Pyro.NameServer", "list", null, "Pyro.NameServer/list", "lists the contents of the name server")}
${demo("Pyro.NameServer", "list", { prefix: "test." }, "Pyro.NameServer/list?prefix=test.", "lists the contents of the name server starting with 'test.'")}
${demo("Pyro.NameServer", "lookup", { name: "Pyro.NameServer" }, "Pyro.NameServer/lookup?name=Pyro.NameServer", "perform lookup method of the name server")}
${demo("Pyro.NameServer", "lookup", { name: "test.echoserver" }, "Pyro.NameServer/lookup?name=test.echoserver", "perform lookup method of the echo server")}
</ul>
<p>Echoserver examples: (these examples are working if you expose the test.echoserver object)</p>
<ul>
${demo("test.echoserver", "error", null, "test.echoserver/error", "perform error call on echoserver")}
${demo("test.echoserver", "echo", { message: "Hi there, browser script!" }, "test.echoserver/echo?message=Hi there, browser script!", "perform echo call on echoserver")}
</ul>
<h2>Pyro response data (via fetch):</h2>
Call: <pre id="pyro_call"> &nbsp; </pre>
Response: <pre id="pyro_response"> &nbsp; </pre>
<p>Pyro version: ${esc(o.version)} (pyro4 for Node.js)</p>
<script type="module">
import { httpProxy, PyroHttpError } from ${JSON.stringify(o.clientUrl)};
const gateway = new URL(".", location.href).href;
async function pyroCall(name, method, params) {
  document.getElementById("pyro_call").textContent = "GET " + name + "/" + method + (params ? " " + JSON.stringify(params) : "");
  const out = document.getElementById("pyro_response");
  try {
    const proxy = httpProxy(name, { gateway, body: ${JSON.stringify(o.demoBody ?? "form")} });
    const result = method === "$meta" ? await proxy.$meta() : await proxy.$call(method, params || {});
    out.textContent = JSON.stringify(result, null, 4);
  } catch (e) {
    out.textContent = "ERROR: " + (e instanceof PyroHttpError ? e.status + " " + e.pythonType + ": " + e.message + "\\n" + (e.traceback || []).join("") : String(e));
  }
}
window.pyroCall = pyroCall;
document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-method]");
  if (!a) return;
  ev.preventDefault();
  pyroCall(a.dataset.name, a.dataset.method, a.dataset.params ? JSON.parse(a.dataset.params) : null);
});
</script>
</body>
</html>
`;
}
