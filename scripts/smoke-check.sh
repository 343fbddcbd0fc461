#!/usr/bin/env bash
# Smoke-checks a deployed stack through its public endpoint, with its own API key:
#   scripts/smoke-check.sh STACK
# Retries for a few minutes: CloudFront and a rolling ECS deployment take a while to settle. Once the
# server answers, it saves a small dataset (SMOKE_SAVE: save_dataset arguments) once: a lake the task
# cannot write (an unwritable /tmp, a missing S3 permission) fails the deploy, not a user's first save.
set -euo pipefail
stack="${1:?usage: smoke-check.sh STACK}"
here="$(cd "$(dirname "$0")" && pwd)"
endpoint="$(pulumi stack output endpoint --stack "$stack")"
key="$(pulumi stack output apiKey --show-secrets --stack "$stack")"
# Keep the key out of CI logs.
[ -n "${GITHUB_ACTIONS:-}" ] && echo "::add-mask::$key"
attempts="${SMOKE_ATTEMPTS:-20}"
# Tokyo's total of the 2020 census population table: a few rows, written to the lake as Parquet and CSV.
small='{"statsDataId": "0003445078", "filters": {"area": "13000", "cat01": "0"}, "formats": ["parquet", "csv"]}'
save="${SMOKE_SAVE:-$small}"
for i in $(seq 1 "$attempts"); do
  if "$here/mcp-check.sh" "$endpoint" "$key"; then
    if MCP_CHECK_SAVE="$save" "$here/mcp-check.sh" "$endpoint" "$key"; then
      exit 0
    fi
    echo "smoke-check: $endpoint answers but cannot save to its data lake (see the FAIL line above)" >&2
    exit 1
  fi
  echo "smoke-check: attempt $i/$attempts failed; retrying in 15 s" >&2
  sleep 15
done
echo "smoke-check: $endpoint never answered; check the ECS service events (a rolled-back deployment?)" >&2
exit 1
