#!/usr/bin/env bash
# scripts/load.sh — bounded load run of zhicheng-server against a throwaway SQLite database.
#
# Builds the release binaries, starts the server on a free loopback port with a temporary
# database, seeds it (demo seed + a few applicants registered through the API), then runs wrk
# against read endpoints, an authenticated list, the public certificate lookup and one write
# endpoint, and prints req/s, p50/p99 latency and the ratio to the baselines measured on the
# same kind of machine (docs/performance.md explains them). Loopback only; nothing outside the
# temporary directory is written; the server is stopped on exit.
#
# FOR THE LOAD RUN ONLY the server is started with ZHICHENG_CAPTCHA=fixed:LOAD so the script
# can sign in through the real captcha + login API. Never set that in production.
#
# Knobs (environment): LOAD_DURATION (10s), LOAD_THREADS (2), LOAD_CONNECTIONS (64),
# LOAD_PERSONS (32 applicants with a submitted case, as many more with a draft), LOAD_KEEP=1 keeps the
# temporary directory, LOAD_PIN_WRITE=0 disables pinning for the write run (see below).
#
# Requires: cargo, curl, jq, wrk (installed with apt-get when missing and running as root).

set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=${LOAD_DURATION:-10s}
THREADS=${LOAD_THREADS:-2}
CONNECTIONS=${LOAD_CONNECTIONS:-64}
PERSONS=${LOAD_PERSONS:-32}
PIN_WRITE=${LOAD_PIN_WRITE:-1}

# Baselines (docs/performance.md; /work/shared/docs/stack.md at the time of writing), req/s.
BASE_HELLO=114000   # poem hello world, unpinned
BASE_JSON=102000    # poem-openapi JSON hello, unpinned
BASE_INSERT=15800   # poem-openapi + sea-orm one-row insert, SQLite WAL+NORMAL, pinned

log() { printf '[load] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in curl jq cargo; do
    command -v "$tool" >/dev/null || die "$tool is required"
done
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "installing wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null \
            || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null; }
    else
        die "wrk is missing: apt-get install -y wrk"
    fi
fi

log "building release binaries"
cargo build --release -p zhicheng-server -p zhicheng >&2
SERVER_BIN="$ROOT/target/release/zhicheng-server"
CLI_BIN="$ROOT/target/release/zhicheng"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/zhicheng-load.XXXXXX")
DB_FILE="$WORK/load.db"
DB_URL="sqlite://$DB_FILE?mode=rwc"
SERVER_PID=""

cleanup() {
    local rc=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${LOAD_KEEP:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null) \
    || PORT=$(( 20000 + RANDOM % 20000 ))
BASE="http://127.0.0.1:$PORT"

log "seeding $DB_FILE"
"$CLI_BIN" --database-url "$DB_URL" demo seed --json >"$WORK/seed.json"

log "starting server on $BASE (ZHICHENG_CAPTCHA=fixed:LOAD — load run only)"
ZHICHENG_CAPTCHA=fixed:LOAD RUST_LOG=warn ZHICHENG_DATA_DIR="$WORK/data" \
    "$SERVER_BIN" --bind "127.0.0.1:$PORT" --database-url "$DB_URL" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
    curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "server exited"; }
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null || die "server did not answer /healthz"

# --- tiny API client ------------------------------------------------------------------------

# api METHOD PATH [TOKEN] [JSON]: prints the body; fails on a non-2xx answer.
api() {
    local method=$1 path=$2 token=${3:-} body=${4:-}
    local args=(-sS -X "$method" -w '\n%{http_code}' -H 'Content-Type: application/json')
    [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
    [ -n "$body" ] && args+=(--data "$body")
    local out code
    out=$(curl "${args[@]}" "$BASE$path")
    code=${out##*$'\n'}
    out=${out%$'\n'*}
    case $code in
        2??) printf '%s' "$out" ;;
        *) die "$method $path -> $code: $out" ;;
    esac
}

login() {
    local captcha
    captcha=$(api POST /api/v1/auth/captcha | jq -r .captcha_id)
    api POST /api/v1/auth/login "" \
        "$(jq -nc --arg l "$1" --arg p "$2" --arg c "$captcha" \
            '{login:$l, password:$p, captcha_id:$c, captcha_answer:"LOAD"}')" | jq -r .token
}

seeded() { jq -r "$1" "$WORK/seed.json"; }
password_of() { seeded ".accounts[] | select(.username==\"$1\") | .password"; }
org_of() { seeded ".accounts[] | select(.username==\"$1\") | .org_id"; }

# GB 11643 check character for 17 digits.
id_check() {
    local d=$1 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) s=0 i
    for i in $(seq 0 16); do s=$(( s + ${d:i:1} * w[i] )); done
    local map=(1 0 X 9 8 7 6 5 4 3 2)
    printf '%s' "${map[s % 11]}"
}

PLAN_ID=$(seeded .plan.id)
UNIT_A=$(org_of wendeng_hospital)   # reports via the health department (senior level drafts)
UNIT_B=$(org_of wendeng_renhe)      # reports directly to the HR bureau
UNIT_B_TOKEN=$(login wendeng_renhe "$(password_of wendeng_renhe)")
BUREAU_TOKEN=$(login wendeng_hrss "$(password_of wendeng_hrss)")
APPLICANT_TOKEN=$(login zhangsan "$(password_of zhangsan)")

declare_json() { # plan unit level specialty
    jq -nc --arg p "$1" --arg u "$2" --arg l "$3" --arg s "$4" \
        '{plan_id:$p, unit_id:$u, level:$l, specialty:$s,
          materials:{education:"2008 山东大学 临床医学 本科", work_history:"2008—今 威海文登仁和医院 内科",
                     achievements:"参与院内质控项目"}}'
}

# The demo applicant: one declaration taken through to an issued certificate.
log "demo applicant: declaration → unit approval → report → acceptance → vote → certificate"
api POST /api/v1/me/commitment "$APPLICANT_TOKEN" '{}' >/dev/null
D=$(api POST /api/v1/declarations "$APPLICANT_TOKEN" "$(declare_json "$PLAN_ID" "$UNIT_B" intermediate 内科)" | jq -r .id)
CASE=$(api POST "/api/v1/declarations/$D/submit" "$APPLICANT_TOKEN" | jq -r .case_id)
api POST "/api/v1/cases/$CASE/approve" "$UNIT_B_TOKEN" '{}' >/dev/null
api POST "/api/v1/cases/$CASE/report" "$UNIT_B_TOKEN" '{}' >/dev/null
api POST "/api/v1/cases/$CASE/accept" "$BUREAU_TOKEN" '{}' >/dev/null
api POST "/api/v1/cases/$CASE/vote" "$BUREAU_TOKEN" \
    '{"members":25,"attending":17,"yes":12,"no":4,"abstain":1}' >/dev/null
VERIFY_PATH=$(api POST "/api/v1/cases/$CASE/certificate" "$BUREAU_TOKEN" '{}' | jq -r .verify_path)
CERT_CODE=${VERIFY_PATH##*/}

# More applicants, registered through the API (one declaration per person and year): the
# first LOAD_PERSONS submit an intermediate declaration to unit B (so unit B has a queue of
# cases), the next LOAD_PERSONS keep a draft at unit A (the rows the write run edits).
log "registering $(( 2 * PERSONS )) applicants through the API"
PW='Load-Test-2026!'
DRAFTS=()
for n in $(seq 1 $(( 2 * PERSONS ))); do
    id17=$(printf '3710031990%02d%02d%03d' $(( (n - 1) / 28 % 12 + 1 )) $(( (n - 1) % 28 + 1 )) $(( 100 + n % 900 )))
    idn="$id17$(id_check "$id17")"
    user=$(printf 'loadtest%03d' "$n")
    api POST /api/v1/persons "" "$(jq -nc --arg i "$idn" --arg u "$user" --arg p "$PW" \
        --arg m "$(printf '139%08d' "$n")" \
        '{id_number:$i, name:"压测申报人", mobile:$m, username:$u, password:$p, ethnicity:"汉族"}')" >/dev/null
    t=$(login "$user" "$PW")
    api POST /api/v1/me/commitment "$t" '{}' >/dev/null
    if [ "$n" -le "$PERSONS" ]; then
        d=$(api POST /api/v1/declarations "$t" "$(declare_json "$PLAN_ID" "$UNIT_B" intermediate 内科)" | jq -r .id)
        api POST "/api/v1/declarations/$d/submit" "$t" >/dev/null
    else
        d=$(api POST /api/v1/declarations "$t" "$(declare_json "$PLAN_ID" "$UNIT_A" intermediate 外科)" | jq -r .id)
        DRAFTS+=("$d $t")
    fi
done
QUEUE_LEN=$(api GET /api/v1/cases "$UNIT_B_TOKEN" | jq .total)
log "unit B holds $QUEUE_LEN cases; certificate code ${CERT_CODE:0:4}…"

# Write-run script: round-robin over the drafts, each with its owner's token, a new body each
# time (so every request really changes the row).
{
    echo 'local drafts = {'
    for entry in "${DRAFTS[@]}"; do
        set -- $entry
        printf '  {"/api/v1/declarations/%s/materials", "Bearer %s"},\n' "$1" "$2"
    done
    cat <<'LUA'
}
local n = 0
offset = 0 -- set per thread by setup()
local counter = 1
setup = function(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
request = function()
  n = n + 1
  local d = drafts[((n * 2 + offset) % #drafts) + 1]
  local body = '{"education":"2008 山东大学 临床医学 本科","current_title":"主治医师",'
    .. '"work_history":"2008—今 威海市文登区人民医院 外科","achievements":"改稿 ' .. n .. '",'
    .. '"summary":"压测"}'
  return wrk.format("PUT", d[1], {["Content-Type"] = "application/json",
                                  ["Authorization"] = d[2]}, body)
end
LUA
} >"$WORK/put.lua"

# --- runs -----------------------------------------------------------------------------------

ROWS=()
# bench NAME BASELINE_NAME BASELINE PIN wrk-args...
bench() {
    local name=$1 bname=$2 base=$3 pin=$4; shift 4
    local out wrk_cmd=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
    if [ "$pin" = 1 ] && command -v taskset >/dev/null; then
        taskset -a -p -c 0 "$SERVER_PID" >/dev/null
        wrk_cmd=(taskset -c 1 "${wrk_cmd[@]}")
    fi
    log "wrk $name"
    out=$("${wrk_cmd[@]}")
    if [ "$pin" = 1 ] && command -v taskset >/dev/null; then
        taskset -a -p -c "0-$(( $(nproc --all) - 1 ))" "$SERVER_PID" >/dev/null 2>&1 || true
    fi
    printf '%s\n' "$out" >>"$WORK/wrk.txt"
    local rps p50 p99 bad
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    local errs
    errs=$(awk '/Socket errors:/ {print}' <<<"$out")
    [ -n "$errs" ] && log "  $errs"
    ROWS+=("$name|$rps|$p50|$p99|${bad:-0}|$bname|$(awk -v r="$rps" -v b="$base" 'BEGIN {printf "%.2f", r / b}')")
}

AUTH_APPLICANT="Authorization: Bearer $APPLICANT_TOKEN"
AUTH_UNIT="Authorization: Bearer $UNIT_B_TOKEN"
bench "GET /healthz" hello "$BASE_HELLO" 0 "$BASE/healthz"
bench "GET /api/v1/catalog/series" json "$BASE_JSON" 0 "$BASE/api/v1/catalog/series"
bench "GET /api/v1/plans" json "$BASE_JSON" 0 "$BASE/api/v1/plans"
bench "GET /api/v1/declarations (applicant)" json "$BASE_JSON" 0 -H "$AUTH_APPLICANT" "$BASE/api/v1/declarations"
bench "GET /api/v1/cases (unit, $QUEUE_LEN cases)" json "$BASE_JSON" 0 -H "$AUTH_UNIT" "$BASE/api/v1/cases"
if [ -n "$CERT_CODE" ] && [ "$CERT_CODE" != null ]; then
    bench "GET /api/v1/certificates/by-code/{code}" json "$BASE_JSON" 0 "$BASE/api/v1/certificates/by-code/$CERT_CODE"
else
    log "no certificate code: skipping /certificates/by-code"
fi
bench "PUT /api/v1/declarations/{id}/materials" insert "$BASE_INSERT" "$PIN_WRITE" -s "$WORK/put.lua" "$BASE"

# WAL size right after the write run, and again after the 2 s background checkpoint.
wal_size() { stat -c %s "$DB_FILE-wal" 2>/dev/null || echo 0; }
WAL_NOW=$(wal_size)
sleep 3
WAL_LATER=$(wal_size)
DB_SIZE=$(stat -c %s "$DB_FILE")

# --- report ---------------------------------------------------------------------------------

printf '\nzhicheng-server load run: %s cores, wrk -t%s -c%s -d%s, SQLite (WAL, synchronous=FULL)\n' \
    "$(nproc)" "$THREADS" "$CONNECTIONS" "$DURATION"
[ "$PIN_WRITE" = 1 ] && printf 'write run pinned: server on CPU 0, wrk on CPU 1 (as the insert baseline)\n'
printf '\n%-48s %10s %9s %9s %7s  %s\n' endpoint req/s p50 p99 non-2xx "ratio to baseline"
printf '%-48s %10s %9s %9s %7s  %s\n' "$(printf '%.0s-' {1..48})" ---------- --------- --------- ------- -----------------
for row in "${ROWS[@]}"; do
    IFS='|' read -r name rps p50 p99 bad bname ratio <<<"$row"
    printf '%-48s %10.0f %9s %9s %7s  %s × %s\n' "$name" "$rps" "$p50" "$p99" "$bad" "$ratio" "$bname"
done
printf '\nbaselines: hello = poem hello-world %s req/s; json = poem-openapi JSON hello %s req/s;\n' "$BASE_HELLO" "$BASE_JSON"
printf '           insert = poem-openapi + sea-orm one-row insert, SQLite WAL+NORMAL, pinned, %s req/s\n' "$BASE_INSERT"
printf 'database after the run: %s bytes; WAL %s bytes right after the write run, %s bytes 3 s later\n' \
    "$DB_SIZE" "$WAL_NOW" "$WAL_LATER"
