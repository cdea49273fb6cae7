#!/usr/bin/env bash
# Property-based API fuzzing against openapi.yaml (schemathesis): every operation, with a
# signed-in clerk's token; zero 5xx and zero replies that break the schema.
# Usage: tests/schemathesis/run.sh PATH_TO_MASKPORTAL_BINARY [MAX_EXAMPLES]
# The seed is fixed so CI is reproducible; set SCHEMATHESIS_SEED to explore other inputs.
set -euo pipefail
bin="$(realpath "$1")"
examples="${2:-30}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

venv="${SCHEMATHESIS_VENV:-$HOME/.cache/maskportal-schemathesis}"
if [ ! -x "$venv/bin/st" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'schemathesis>=4,<5'
fi

export DATABASE_URL="$work/fuzz.db" MASKPORTAL_SECRETS_DIR="$work" RUST_LOG=warn
export MASKPORTAL_CLOCK=2020-03-11T10:00:00+09:00
# Fuzzing sends thousands of requests from one address and many wrong passwords.
export MASKPORTAL_PUBLIC_RPS=100000 MASKPORTAL_PUBLIC_BURST=100000
export MASKPORTAL_MAX_FAILED_LOGINS=1000000 MASKPORTAL_MAX_FAILED_LOGINS_PER_IP=1000000
# /metrics declares a bearer token (without one configured it is a 404): with one set, the
# fuzzer checks that requests without it, or with the clerk's token, are refused.
export MASKPORTAL_METRICS_TOKEN="the fuzzer's metrics token"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MASKPORTAL_BIND="127.0.0.1:$port"

"$bin" admin site add --code 11817488 --name 온누리약국 --type pharmacy \
    --addr "서울특별시 강남구 논현로 1 (논현동)" --lat 37.5 --lng 127.03 --max-devices 1000 >/dev/null
echo "fuzz password 0123" | "$bin" admin user add --username fuzzer --site 11817488 --role clerk --password-stdin >/dev/null
"$bin" serve & server=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.2
done
token="$(curl -fs "http://127.0.0.1:$port/portal/v1/sessions" -H 'content-type: application/json' \
    -d '{"username":"fuzzer","password":"fuzz password 0123","device_id":"fuzzer"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
curl -fs "http://127.0.0.1:$port/portal/v1/stock-in" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' \
    -d '{"quantity":100000,"client_key":"00000000-0000-4000-8000-000000000001"}' >/dev/null

# Signing out would end the fuzzer's own session; the stream never ends by design. Both are
# covered by the Rust black-box tests.
"$venv/bin/st" --config-file "$root/tests/schemathesis/schemathesis.toml" run "$root/openapi.yaml" --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks all --max-examples "$examples" --workers 2 --seed "${SCHEMATHESIS_SEED:-20200311}" \
    --exclude-path /portal/v1/sessions/current --exclude-path /v2/stream \
    --suppress-health-check all --no-color "${@:3}"
