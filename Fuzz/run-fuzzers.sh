#!/usr/bin/env bash
# Runs each libFuzzer target built by `make fuzz-build` for SECONDS, one after another
# (the machines are shared; no -jobs), then prints per target the executions, the
# executions per second and the crashes found. Exits 1 if any target found a crash,
# leak, timeout or out-of-memory input.
#
#   Fuzz/run-fuzzers.sh SECONDS TARGET...     e.g. Fuzz/run-fuzzers.sh 60 config csv
#
# Working corpora grow in .build/fuzz-corpus/TARGET (seeded from Fuzz/Corpus/TARGET, which
# is only read); crashing inputs go to .build/fuzz-crashes/TARGET; logs to .build/fuzz-logs.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=$1
shift
build=.build/fuzz
failed=0
summary=()

for target in "$@"; do
    # The largest input per target: room for real files' structure, small enough to
    # keep thousands of executions per second.
    case $target in
        config)      max_len=16384 ;;
        csv)         max_len=8192 ;;
        csvencoding) max_len=4096 ;;
        idx)         max_len=16384 ;;
        safetensors) max_len=8192 ;;
        npy)         max_len=8192 ;;
        jpeg)        max_len=8192 ;;
        png)         max_len=16384 ;;
        *) echo "unknown fuzz target '$target' (known: config csv csvencoding idx safetensors npy jpeg png)" >&2; exit 2 ;;
    esac
    case $target in
        config) dict=Fuzz/Dictionaries/json.dict ;;
        csvencoding) dict=Fuzz/Dictionaries/csvencoding.dict ;;
        *)      dict=Fuzz/Dictionaries/$target.dict ;;
    esac
    corpus=.build/fuzz-corpus/$target
    crashes=.build/fuzz-crashes/$target
    log=.build/fuzz-logs/$target.log
    mkdir -p "$corpus" "$crashes" .build/fuzz-logs
    marker=$(mktemp)
    echo "fuzzing $target for ${seconds}s (log: $log)"
    start=$(date +%s)
    "$build/$target-fuzzer" "$corpus" "Fuzz/Corpus/$target" -dict="$dict" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
    status=$?
    duration=$(( $(date +%s) - start ))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ -z "$executions" ]; then
        # No final statistics after a crash: the last progress line counts the runs.
        executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
        executions=${executions:-0}
        rate=$(( executions / (duration > 0 ? duration : 1) ))
    fi
    found=$(find "$crashes" -type f -newer "$marker" \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort | tr '\n' ' ')
    rm -f "$marker"
    if [ "$status" -ne 0 ] || [ -n "$found" ]; then
        failed=1
        [ -n "$found" ] || found="(exit status $status, see $log)"
        grep -m1 -E '^==[0-9]+==ERROR|deadly signal|Fatal error|ALARM|out-of-memory' "$log" | sed 's/^/    /'
    else
        found=0
    fi
    summary+=("$(printf '%-12s %6ss %12s executions %8s exec/s   crashes: %s' \
        "$target" "$duration" "$executions" "$rate" "$found")")
done

echo
echo "fuzz summary"
printf '%s\n' "${summary[@]}"
exit $failed
