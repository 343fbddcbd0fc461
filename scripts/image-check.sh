#!/usr/bin/env bash
# Reproduces the Dockerfile without Docker and checks the result starts and serves MCP. Each stage
# (FROM … AS name) is a folder; its COPY lines copy from the build context (tracked and untracked, not
# git-ignored files, minus .dockerignore) or from an earlier stage (--from=), its RUN lines run there,
# exactly as written, with the stage's ENV so far (a value under /app/ names the stage's folder, as COPY
# paths do). Then the final stage's CMD runs with HOST=0.0.0.0 and the image's ENV in a
# scrubbed environment, with /healthz, then MCP initialize + tools/list must list search_stats
# (scripts/mcp-check.sh). The final stage must carry no node_modules: the bundle is all it runs.
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

ignored() {
  # .dockerignore rules in order, the last match wins (`!pattern` re-includes).
  local f="$1" p neg out=1
  while IFS= read -r p; do
    p="${p%/}"
    [ -z "$p" ] || [ "${p:0:1}" = "#" ] && continue
    neg=0
    if [ "${p:0:1}" = "!" ]; then neg=1; p="${p:1}"; fi
    # shellcheck disable=SC2053
    if [[ "$f" == $p || "$f" == $p/* ]]; then out=$neg; fi
  done < .dockerignore
  return $out
}

# The final stage is everything after the last FROM: its CMD and ENV are the image's.
final_stage="$(awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' Dockerfile)"
cmd_json="$(printf '%s' "$final_stage" | sed -n 's/^CMD //p' | tail -n 1)"
mapfile -t start < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$cmd_json")
# ENV KEY=value KEY2="value with spaces" ...: one KEY=value per line, quotes removed, as Docker reads them.
env_pairs() {
  node -e '
    for (const line of require("fs").readFileSync(0, "utf8").split("\n"))
      for (const m of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|(\S*))/g)) console.log(`${m[1]}=${m[2] ?? m[3]}`);
  '
}
mapfile -t image_env < <(printf '%s' "$final_stage" | sed -n 's/^ENV //p' | env_pairs)

# WORKDIR is /app in every stage: a path under /app/ is a path in the stage's folder.
in_stage() { local dir="$1" path="$2"; path="${path#/app}"; path="${path#/}"; printf '%s/%s' "$dir" "${path:-.}"; }
# KEY=/app/… → KEY=<stage folder>/…; other values as they are.
stage_env() {
  local dir="$1" kv
  shift
  for kv in "$@"; do
    case "${kv#*=}" in /app | /app/*) printf '%s=%s\n' "${kv%%=*}" "$(in_stage "$dir" "${kv#*=}")" ;; *) printf '%s\n' "$kv" ;; esac
  done
}

stage="" dir="" n=0
run_env=()
while IFS= read -r line; do
  case "$line" in
    "FROM "*)
      n=$((n + 1))
      stage="$(printf '%s' "$line" | awk '{ for (i = 1; i <= NF; i++) if (tolower($i) == "as") print $(i + 1) }')"
      stage="${stage:-stage$n}"
      dir="$work/$stage"
      mkdir -p "$dir"
      run_env=()
      ;;
    "ENV "*)
      mapfile -t -O "${#run_env[@]}" run_env < <(printf '%s\n' "${line#ENV }" | env_pairs)
      ;;
    "COPY "*)
      read -r -a words <<<"${line#COPY }"
      from="" args=()
      for w in "${words[@]}"; do
        case "$w" in --from=*) from="${w#--from=}" ;; --*) ;; *) args+=("$w") ;; esac
      done
      dest="$(in_stage "$dir" "${args[-1]}")"
      unset 'args[-1]'
      if [ -n "$from" ]; then
        for src in "${args[@]}"; do
          [ -e "$(in_stage "$work/$from" "$src")" ] || { echo "image-check: COPY --from=$from $src: not in stage $from" >&2; exit 1; }
          mkdir -p "$(dirname "$dest")"
          cp -a "$(in_stage "$work/$from" "$src")" "$dest"
        done
      else
        copied=0
        while IFS= read -r f; do
          [ -f "$f" ] || continue
          if [ -f .dockerignore ] && ignored "$f"; then continue; fi
          case "$dest" in
            */) target="$dest$f" ;;
            *) if [ "${#args[@]}" -eq 1 ] && [ "$f" = "${args[0]}" ]; then target="$dest"; else target="$dest/${f#"${args[0]%/}"/}"; fi ;;
          esac
          mkdir -p "$(dirname "$target")"
          cp -p "$f" "$target"
          copied=$((copied + 1))
        done < <(git ls-files -co --exclude-standard -- "${args[@]}")
        [ "$copied" -gt 0 ] || { echo "image-check: $line copied nothing (check .dockerignore)" >&2; exit 1; }
        echo "image-check: [$stage] copied $copied files from: ${args[*]}"
      fi
      ;;
    "RUN "*)
      echo "image-check: [$stage] ${line#RUN }"
      mapfile -t env_now < <(stage_env "$dir" "${run_env[@]}")
      (cd "$dir" && env "${env_now[@]}" bash -c "${line#RUN }") >"$work/run.log" 2>&1 ||
        { echo "image-check: FAIL: [$stage] ${line#RUN }" >&2; cat "$work/run.log" >&2; exit 1; }
      ;;
  esac
done < Dockerfile
app="$dir"
if [ -e "$app/node_modules" ]; then
  echo "image-check: FAIL: the final stage carries node_modules; it should run the bundle alone" >&2
  exit 1
fi

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
lake="$work/lake"
mkdir -p "$lake" "$work/home"

echo "image-check: starting: ${start[*]} (port $port)"
(
  cd "$app"
  mapfile -t final_env < <(stage_env "$app" "${image_env[@]}")
  exec env -i PATH="$PATH" HOME="$work/home" TMPDIR="$work" "${final_env[@]}" \
    HOST=0.0.0.0 PORT="$port" MCP_AUTH=none DATA_LAKE="file://$lake" LOG_LEVEL=warn NODE_DEBUG_NATIVE=COMPILE_CACHE \
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
# The compile cache written at build time (Dockerfile, scripts/warm-compile-cache.mjs) must be what the
# start-up read: Node's own debug lines say which modules' code came from it.
if printf '%s' "$final_stage" | grep -q '^ENV NODE_COMPILE_CACHE='; then
  accepted="$(grep -c 'was accepted' "$work/server.log" || true)"
  if [ "$accepted" -lt 1 ] || grep -q 'was rejected' "$work/server.log"; then
    echo "image-check: FAIL: the image names NODE_COMPILE_CACHE but the start-up used none of it:" >&2
    grep '\[compile cache\]' "$work/server.log" | head -20 >&2
    exit 1
  fi
  echo "image-check: the start-up read $accepted modules' compiled code from the image's compile cache"
fi
echo "image-check: OK"
