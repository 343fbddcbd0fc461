#!/usr/bin/env bash
# Reproduces the Dockerfile without Docker and checks the result starts and serves MCP:
#   1. a clean copy of exactly what the Dockerfile COPYs (tracked and untracked, not git-ignored files,
#      minus .dockerignore), 2. the Dockerfile's own `npm ci` (production dependencies only),
#   3. the image's own CMD with HOST=0.0.0.0 and the image's ENV, in a scrubbed environment,
#   4. /healthz, then MCP initialize + tools/list must list search_stats (scripts/mcp-check.sh).
# A runtime dependency left in devDependencies makes step 3 or 4 fail here instead of in ECS.
# Needs bash, curl, node (>= 24), npm, git.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' ||
  { echo "estat-mcp-cloud: npm run image-check needs Node 24 (the image runs node:24-slim; this is $(node --version)); without nvm, run \`npx -y node@24 --run image-check\` (Node 24 from the npm registry), or \`nvm use\` (.nvmrc)." >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/estat-image-check.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The final stage is everything after the last FROM.
final_stage="$(awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' Dockerfile)"

# COPY sources, in every stage, that come from the build context (not --from=another stage).
mapfile -t sources < <(awk '/^COPY / && !/--from=/ {
  n = 0; for (i = 2; i <= NF; i++) if ($i !~ /^--/) args[n++] = $i
  for (i = 0; i < n - 1; i++) print args[i]
}' Dockerfile | sort -u)
[ "${#sources[@]}" -gt 0 ] || { echo "image-check: no COPY from the build context in Dockerfile" >&2; exit 1; }

# The dependency stage's install command, exactly as written (up to the first &&).
install_cmd="$(awk '/^RUN .*npm ci/ { sub(/^RUN /, ""); sub(/ *&&.*/, ""); print; exit }' Dockerfile)"
case "$install_cmd" in
  *"npm ci"*"--omit=dev"*) ;;
  *) echo "image-check: the Dockerfile must install with npm ci --omit=dev (found: $install_cmd)" >&2; exit 1 ;;
esac

# The image's start command and environment.
cmd_json="$(printf '%s' "$final_stage" | sed -n 's/^CMD //p' | tail -n 1)"
mapfile -t start < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$cmd_json")
# ENV KEY=value KEY2="value with spaces" ...: one KEY=value per line, quotes removed, as Docker reads them.
mapfile -t image_env < <(printf '%s' "$final_stage" | sed -n 's/^ENV //p' | node -e '
  for (const line of require("fs").readFileSync(0, "utf8").split("\n"))
    for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) console.log(`${m[1]}=${m[2] ?? m[3]}`);
')

ignored() {
  local f="$1" p
  while IFS= read -r p; do
    p="${p%/}"
    [ -z "$p" ] || [ "${p:0:1}" = "#" ] && continue
    # shellcheck disable=SC2053
    if [[ "$f" == $p || "$f" == $p/* ]]; then return 0; fi
  done < .dockerignore
  return 1
}

app="$work/app"
mkdir -p "$app"
copied=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  if [ -f .dockerignore ] && ignored "$f"; then continue; fi
  mkdir -p "$app/$(dirname "$f")"
  cp -p "$f" "$app/$f"
  copied=$((copied + 1))
done < <(git ls-files -co --exclude-standard -- "${sources[@]}")
echo "image-check: copied $copied files from: ${sources[*]}"

(cd "$app" && $install_cmd --loglevel=error)

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
lake="$work/lake"
mkdir -p "$lake" "$work/home"

echo "image-check: starting: ${start[*]} (port $port)"
(
  cd "$app"
  exec env -i PATH="$PATH" HOME="$work/home" TMPDIR="$work" "${image_env[@]}" \
    HOST=0.0.0.0 PORT="$port" MCP_AUTH=none DATA_LAKE="file://$lake" LOG_LEVEL=warn \
    "${start[@]}"
) >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 60); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "image-check: FAIL: the server exited during start-up:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

if ! "$root/scripts/mcp-check.sh" "http://127.0.0.1:$port"; then
  echo "image-check: FAIL; server log:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
echo "image-check: OK"
