#!/usr/bin/env bash
# The load benchmark. Builds the release binary, seeds a demo practice (`myochart seed-demo`),
# starts the real server, signs in as a demo therapist and drives wrk over loopback against the
# pages a therapist uses all day, round by round (pages alternate each round, so drift in the
# machine hits them alike). Prints req/s, p50, p99 and errors per page with its ratio to
# /healthz of the same round, medians over the rounds, then the write, sign-in-flood, memory
# and start-up checks. Numbers belong here, never in timed tests.
#
#   benches/load.sh                       # both backends, 1k and 100k clients, 3 rounds of 10 s
#   benches/load.sh --backends sqlite --sizes 1000 --rounds 1 --duration 3   # a quick look
#
# Needs wrk (apt-get install wrk) and, for PostgreSQL, a server that MYOCHART_BENCH_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres) may create databases on.
set -euo pipefail
cd "$(dirname "$0")/.."

backends="sqlite postgres"
sizes="1000 100000"
rounds=3
duration=10
connections=64
while [ $# -gt 0 ]; do
    case "$1" in
        --backends) backends="$2"; shift 2 ;;
        --sizes) sizes="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        *) echo "unknown option $1 (see the top of $0)" >&2; exit 2 ;;
    esac
done
command -v wrk >/dev/null || { echo "the benchmark needs wrk: apt-get install wrk" >&2; exit 1; }
pg_admin="${MYOCHART_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

cargo build --release --quiet
bin="$PWD/target/release/myochart"
work="$(mktemp -d)"
password="bench-$(date +%s)-tall-lantern"
port=18080
origin="http://127.0.0.1:$port"
results="$work/results.tsv"
server_pid=""
trap 'if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

log() { printf '%s\n' "$*" >&2; }

# The server's resident memory now, and its peak, in MB.
rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$server_pid/status"; }
peak_rss() { awk '/VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$server_pid/status"; }

database_for() { # backend size -> URL of a fresh database
    local backend="$1" size="$2"
    if [ "$backend" = sqlite ]; then
        echo "sqlite://$work/bench-$size.db"
    else
        local name="myochart_bench_$size"
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name" -qc "CREATE DATABASE $name" >/dev/null
        echo "${pg_admin%/*}/$name"
    fi
}

start_server() { # url -> sets server_pid and startup_ms (not in a subshell: the pid must stick)
    local url="$1" started ready
    if curl -fs "$origin/healthz" >/dev/null 2>&1; then
        echo "something already answers on $origin; stop it first" >&2
        exit 1
    fi
    started=$(date +%s%N)
    MYOCHART_DATABASE_URL="$url" MYOCHART_DATA_DIR="$work" MYOCHART_BIND="127.0.0.1:$port" \
        MYOCHART_PUBLIC_URL="$origin" MYOCHART_LOG=warn MYOCHART_TRUST_PROXY_HEADERS=true \
        MYOCHART_MAIL_TRANSPORT=folder MYOCHART_MAIL_FOLDER="$work/mail" \
        "$bin" serve >"$work/server.log" 2>&1 &
    server_pid=$!
    until curl -fs "$origin/healthz" >/dev/null 2>&1; do
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
        sleep 0.005
    done
    ready=$(date +%s%N)
    startup_ms=$(( (ready - started) / 1000000 ))
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# Signs in as `email`; sets cookie (the session) and token (its CSRF token).
sign_in() {
    local email="$1" jar="$work/jar" page login_token
    rm -f "$jar"
    page=$(curl -fs -c "$jar" "$origin/login")
    login_token=$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
    curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $origin" \
        --data-urlencode "csrf_token=$login_token" --data-urlencode "email=$email" \
        --data-urlencode "password=$password" "$origin/login"
    cookie=$(awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$jar")
    token=$(curl -fs -H "Cookie: $cookie" "$origin/account/password" \
        | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p' | head -1)
    [ -n "$token" ] || { echo "signing in as $email failed" >&2; exit 1; }
}

# wrk's summary as "req/s p50 p99 errors" (latencies in ms).
parse_wrk() {
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx/ { errors += $NF }
        /Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errors += $i + 0 }
        END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, errors }'
}

# run NAME METHOD PATH [BODY] [CONNECTIONS] [SECONDS]: one wrk run, appended to the results.
run() {
    local name="$1" method="$2" path="$3" body="${4:-}" conns="${5:-$connections}" secs="${6:-$duration}"
    local out
    out=$(BENCH_METHOD="$method" BENCH_BODY="$body" BENCH_COOKIE="$cookie" BENCH_TOKEN="$token" \
        BENCH_ORIGIN="$origin" BENCH_ACCEPT="$([ "$method" = POST ] && echo application/json || echo text/html)" \
        wrk -t1 -c"$conns" -d"${secs}s" --latency -s benches/request.lua "$origin$path" | parse_wrk)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$size" "$round" "$name" "$out" "$(rss)" >>"$results"
    echo "$out"
}

for backend in $backends; do
    for size in $sizes; do
        url=$(database_for "$backend" "$size")
        log "== $backend, $size clients: seeding"
        seed_started=$(date +%s)
        seeded=$(MYOCHART_DATABASE_URL="$url" MYOCHART_DATA_DIR="$work" MYOCHART_LOG=warn \
            "$bin" seed-demo --clients "$size" --therapists 5 --password "$password")
        log "$(printf '%s' "$seeded" | head -1) ($(( $(date +%s) - seed_started )) s wall)"
        email=$(printf '%s\n' "$seeded" | awk '/@example.com \/clients\// { print $1; exit }')
        chart=$(printf '%s\n' "$seeded" | awk '/@example.com \/clients\// { print $2; exit }')
        start_server "$url"
        log "start-up to the first /healthz: ${startup_ms} ms"
        sign_in "$email"
        log "dashboard page: $(( $(curl -fs -H "Cookie: $cookie" "$origin/" | wc -c) / 1024 )) KB"
        # The benchmark client's draft visit (its latest), for the note save.
        for visit in $(curl -fs -H "Cookie: $cookie" "$origin$chart" | grep -o '/visits/[0-9a-f-]\{36\}' | sort -u); do
            form=$(curl -fs -H "Cookie: $cookie" "$origin$visit")
            case "$form" in *'name="version"'*) break ;; esac
        done
        started_at=$(printf '%s' "$form" | sed -n 's/.*name="started_at" type="datetime-local" value="\([^"]*\)".*/\1/p' | head -1)
        version=$(printf '%s' "$form" | sed -n 's/.*name="version" value="\([^"]*\)".*/\1/p' | head -1)
        note="started_at=$started_at&duration_minutes=60&version=$version&subjective=Bench+note&plan=Ball+work"
        check=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" -H "X-CSRF-Token: $token" -H "Origin: $origin" \
            -H "Sec-Fetch-Site: same-origin" -H "Accept: application/json" --data "$note" "$origin$visit/autosave")
        [ "$check" = 200 ] || { echo "a note save answered $check" >&2; exit 1; }
        pages=("healthz GET /healthz" "chart GET $chart" "list GET /clients" "search GET /clients?q=meyer" "dashboard GET /")
        for round in $(seq 1 "$rounds"); do
            # Rotate the order each round.
            for offset in $(seq 0 $(( ${#pages[@]} - 1 ))); do
                read -r name method path <<<"${pages[$(( (offset + round - 1) % ${#pages[@]} ))]}"
                log "round $round $name: $(run "$name" "$method" "$path")"
            done
        done
        round=write
        if [ "$backend" = sqlite ]; then
            log "32 concurrent note saves: $(run note-save POST "$visit/autosave" "$note" 32 15)"
        else
            log "64 concurrent note saves: $(run note-save POST "$visit/autosave" "$note")"
        fi
        round=flood
        idle=$(run chart-idle GET "$chart" "$connections" 20)
        log "chart, idle: $idle"
        for kind in wrong spray; do
            login_page=$(curl -fs -c "$work/flood-jar" "$origin/login")
            flood_token=$(printf '%s' "$login_page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
            flood_cookie=$(awk '(!/^#/ || /^#HttpOnly_/) && NF >= 7 { printf "%s%s=%s", sep, $6, $7; sep="; " }' "$work/flood-jar")
            BENCH_FLOOD="$kind" BENCH_COOKIE="$flood_cookie" BENCH_TOKEN="$flood_token" BENCH_EMAIL="$email" \
                BENCH_ORIGIN="$origin" wrk -t1 -c50 -d20s -s benches/flood.lua "$origin/login" >"$work/flood.out" &
            flood_pid=$!
            sleep 10
            during=$(rss)
            log "chart during a $kind-password flood: $(run "chart-flood-$kind" GET "$chart" "$connections" 10); RSS ${during} MB"
            wait "$flood_pid" || true
            sleep 30
            log "RSS 30 s after the $kind flood: $(rss) MB"
        done
        log "peak RSS: $(peak_rss) MB"
        stop_server
    done
done

echo
echo "Medians over $rounds rounds (req/s · p50 ms · p99 ms · errors · ratio to /healthz):"
awk -F'\t' '$3 ~ /^[0-9]+$/ { key = $1 " " $2 " " $4; split($5, f, " "); n[key]++;
        rps[key, n[key]] = f[1]; p50[key, n[key]] = f[2]; p99[key, n[key]] = f[3]; err[key] += f[4] }
    function median(arr, key, count,    i, j, t, v) {
        for (i = 1; i <= count; i++) v[i] = arr[key, i]
        for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
        return v[int((count + 1) / 2)]
    }
    END {
        for (key in n) { split(key, k, " "); base = k[1] " " k[2] " healthz"
            printf "%-9s %7s %-10s %7.0f · %7.2f · %8.2f · %d · %.3f\n", k[1], k[2], k[3],
                median(rps, key, n[key]), median(p50, key, n[key]), median(p99, key, n[key]), err[key],
                median(rps, key, n[key]) / median(rps, base, n[base]) }
    }' "$results" | sort
