#!/usr/bin/env bash
# Smoke-checks a running server: GET /healthz, then MCP initialize and tools/list (Streamable HTTP,
# 2025-06-18), and asserts that search_stats is listed. Answers may be JSON or SSE `data:` lines.
# With MCP_CHECK_SAVE set to save_dataset arguments (JSON), it also saves that dataset (refresh: true,
# so the lake is really written, not answered from a stored copy) and fails unless the save succeeds.
#   scripts/mcp-check.sh BASE_URL [API_KEY]     e.g. scripts/mcp-check.sh https://d111.cloudfront.net "$KEY"
set -euo pipefail
base="${1:?usage: mcp-check.sh BASE_URL [API_KEY]}"
base="${base%/}"
base="${base%/mcp}"
key="${2:-}"
timeout="${MCP_CHECK_TIMEOUT:-30}"

auth=()
[ -n "$key" ] && auth=(-H "X-API-Key: $key")

health="$(curl -fsS --max-time "$timeout" "$base/healthz")" || { echo "FAIL: GET $base/healthz" >&2; exit 1; }
echo "healthz: $health"

post() {
  curl -sS --max-time "$timeout" -X POST "$base/mcp" \
    -H "Content-Type: application/json" \
    -H "Accept: application/json, text/event-stream" \
    -H "MCP-Protocol-Version: 2025-06-18" \
    "${auth[@]}" -D "$1" --data "$2"
}

# The JSON-RPC message of a JSON body or of an SSE stream's `data:` lines.
message() {
  node -e '
    const text = require("fs").readFileSync(0, "utf8");
    const data = text.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim());
    const msgs = (data.length ? data : [text]).filter(Boolean).map((d) => JSON.parse(d));
    const reply = msgs.find((m) => m.id === Number(process.argv[1]));
    if (!reply) { console.error("no JSON-RPC reply with id " + process.argv[1] + " in: " + text.slice(0, 500)); process.exit(1); }
    process.stdout.write(JSON.stringify(reply));
  ' "$1"
}

headers="$(mktemp)"
trap 'rm -f "$headers"' EXIT
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcp-check","version":"1.0.0"}}}'
post "$headers" "$init" | message 1 >/dev/null || { echo "FAIL: initialize" >&2; exit 1; }
session="$(awk 'tolower($1) == "mcp-session-id:" { print $2 }' "$headers" | tr -d '\r')"
session_header=()
[ -n "$session" ] && session_header=(-H "Mcp-Session-Id: $session")

curl -sS --max-time "$timeout" -X POST "$base/mcp" \
  -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
  -H "MCP-Protocol-Version: 2025-06-18" "${auth[@]}" "${session_header[@]}" \
  --data '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null || true

tools="$(curl -sS --max-time "$timeout" -X POST "$base/mcp" \
  -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
  -H "MCP-Protocol-Version: 2025-06-18" "${auth[@]}" "${session_header[@]}" \
  --data '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' | message 2)" || { echo "FAIL: tools/list" >&2; exit 1; }

node -e '
  const reply = JSON.parse(process.argv[1]);
  const names = (reply.result?.tools ?? []).map((t) => t.name);
  console.log("tools: " + names.join(", "));
  if (!names.includes("search_stats")) { console.error("FAIL: search_stats is not listed"); process.exit(1); }
' "$tools"

if [ -n "${MCP_CHECK_SAVE:-}" ]; then
  call="$(node -e '
    const args = { ...JSON.parse(process.argv[1]), refresh: true };
    process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "save_dataset", arguments: args } }));
  ' "$MCP_CHECK_SAVE")"
  saved="$(curl -sS --max-time "${MCP_CHECK_SAVE_TIMEOUT:-120}" -X POST "$base/mcp" \
    -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
    -H "MCP-Protocol-Version: 2025-06-18" "${auth[@]}" "${session_header[@]}" \
    --data "$call" | message 3)" || { echo "FAIL: save_dataset gave no answer" >&2; exit 1; }
  node -e '
    const reply = JSON.parse(process.argv[1]);
    const r = reply.result;
    const said = (r?.content ?? []).map((c) => c.text ?? "").join(" ").slice(0, 500) || JSON.stringify(reply.error ?? reply);
    if (!r || r.isError || !r.structuredContent?.datasetId || r.structuredContent.fromLake !== false) {
      console.error("FAIL: save_dataset did not write the lake: " + said);
      process.exit(1);
    }
    const s = r.structuredContent;
    console.log(`saved: ${s.datasetId}, ${s.rows} rows, ${s.files.length} files`);
  ' "$saved"
  echo "OK: $base saves a dataset to its lake"
fi
echo "OK: $base answers /healthz and lists search_stats"
