#!/usr/bin/env bash
# Opens the HTML report of example scenarios in headless Chromium and fails on any console
# message (the page has no scripts, so any message — an SVG attribute Chromium cannot parse,
# an uncaught error — is a bug), on any file or URL the page tries to load besides itself,
# and on a missing screenshot. Screenshots are left in target/report-screenshots/NAME/ for
# a person to look at.
#
#   tests/report_in_chromium.sh                 # a short list of examples, 4 seeds each
#   SEEDS=20 tests/report_in_chromium.sh        # more seeds
#   tests/report_in_chromium.sh minimal oom_cascade   # these scenarios
#   ALL=1 tests/report_in_chromium.sh           # every scenario in scenarios/
#   README_SCREENSHOT=src/manual/images/report.png tests/report_in_chromium.sh retry_storm_spike
#                                               # also the README's picture: the page's top and
#                                               # its first charts, from 20 seeds
#
# .ci/run installs Chromium and runs this with FAULTSIM_REAL_CLIENTS=1, which makes a missing
# browser a failure; elsewhere it says NOT RUN and exits 0. Set CHROMIUM to pick a binary.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=""
for c in "${CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
    if [[ -n "$c" ]] && command -v "$c" >/dev/null 2>&1; then
        chromium="$(command -v "$c")"
        break
    fi
done
if [[ -z "$chromium" ]]; then
    if [[ -n "${FAULTSIM_REAL_CLIENTS:-}" ]]; then
        echo "FAIL: FAULTSIM_REAL_CLIENTS is set but Chromium is not installed (apt-get install chromium)"
        exit 1
    fi
    echo "NOT RUN: chromium is not installed (apt-get install chromium); .ci/run installs it"
    exit 0
fi

seeds="${SEEDS:-4}"
width="${WIDTH:-1280}"
height="${HEIGHT:-2400}"
if [[ $# -gt 0 ]]; then
    names=("$@")
elif [[ -n "${ALL:-}" ]]; then
    names=()
    for f in scenarios/*.ron; do
        names+=("$(basename "$f" .ron)")
    done
else
    names=(zone_outage ecommerce_peak payments_region_loss retry_storm_spike oom_cascade minimal)
fi

cargo build --release --locked --quiet
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
faultsim="$target_dir/release/faultsim"
root="$target_dir/report-screenshots"
mkdir -p "$root"

# Opens DIR/index.html of NAME in Chromium; sets failed=1 on any problem.
check_page() {
    local name="$1" out="$2"
    page="$(cd "$out" && pwd)/index.html"

    # No URL outside the SVG namespace declarations.
    urls="$(grep -oE "https?://[^\"' <>)]*" "$page" | grep -vxE 'http://www\.w3\.org/(2000/svg|1999/xlink)' || true)"
    if [[ -n "$urls" ]]; then
        echo "FAIL $name: index.html names external URLs:"
        echo "$urls" | sort -u | sed 's/^/  /'
        failed=1
    fi

    profile="$(mktemp -d)"
    log="$out/chromium.log"
    shot="$out/screenshot.png"
    # --v=1 makes Chromium log every file it opens (FileURLLoader::Start), so a page that
    # loads anything besides itself shows up; console messages are logged at any level.
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --enable-logging=stderr --v=1 --hide-scrollbars \
        --screenshot="$shot" --window-size="$width,$height" "file://$page" >"$log" 2>&1 || {
        echo "FAIL $name: chromium exited $? (log: $log)"
        failed=1
    }
    rm -rf "$profile"

    console="$(grep -E ':CONSOLE(\(|:|\])|Uncaught' "$log" || true)"
    if [[ -n "$console" ]]; then
        echo "FAIL $name: console messages:"
        echo "$console" | sed 's/^/  /'
        failed=1
    fi
    loads="$(grep -o 'FileURLLoader::Start: .*' "$log" | sed 's/^FileURLLoader::Start: //' | grep -vxF "file://$page" || true)"
    if [[ -n "$loads" ]]; then
        echo "FAIL $name: the page loads other files:"
        echo "$loads" | sed 's/^/  /'
        failed=1
    fi
    if [[ ! -s "$shot" ]]; then
        echo "FAIL $name: no screenshot (log: $log)"
        failed=1
        return
    fi
    echo "ok   $name: $shot"
}

failed=0
for name in "${names[@]}"; do
    scenario="scenarios/$name.ron"
    out="$root/$name"
    rm -rf "$out"
    mkdir -p "$out"
    # Exit 3 (some seeds stopped at a limit) still writes the report; anything else fails.
    code=0
    "$faultsim" report "$scenario" --seeds "$seeds" --out "$out" 2>"$out/faultsim.log" || code=$?
    if [[ $code -ne 0 && $code -ne 3 ]]; then
        echo "FAIL $name: faultsim report exited $code:"
        cat "$out/faultsim.log"
        failed=1
        continue
    fi
    check_page "$name" "$out"
done

# The studies' pages (their --out folders), on small grids so this stays quick.
run_study() {
    local name="$1"
    shift
    local out="$root/$name"
    rm -rf "$out"
    mkdir -p "$out"
    if ! "$faultsim" "$@" --out "$out" >"$out/faultsim.out" 2>"$out/faultsim.log"; then
        echo "FAIL $name: faultsim $* failed:"
        cat "$out/faultsim.log"
        failed=1
        return
    fi
    check_page "$name" "$out"
}
# The README's picture: the page's header and SLOs above its first charts (two frames of
# the same page, the second scrolled to the nines chart), so it shows what a reader meets first.
if [[ -n "${README_SCREENSHOT:-}" ]]; then
    out="$root/readme"
    rm -rf "$out"
    mkdir -p "$out"
    "$faultsim" report scenarios/retry_storm_spike.ron --seeds 20 --out "$out" >/dev/null 2>&1 || true
    cat >"$out/readme.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0">
<iframe src="index.html" style="border:0;display:block" width="1280" height="430" scrolling="no"></iframe>
<iframe src="index.html#plot-nines" style="border:0;display:block" width="1280" height="1230" scrolling="no"></iframe>
</body></html>
HTML
    profile="$(mktemp -d)"
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$profile" \
        --hide-scrollbars --virtual-time-budget=3000 --screenshot="$README_SCREENSHOT" --window-size=1280,1660 \
        "file://$(cd "$out" && pwd)/readme.html" >"$out/chromium.log" 2>&1 || failed=1
    rm -rf "$profile"
    if [[ -s "$README_SCREENSHOT" ]]; then
        echo "ok   README screenshot: $README_SCREENSHOT"
    else
        echo "FAIL README screenshot (log: $out/chromium.log)"
        failed=1
    fi
fi

if [[ $# -eq 0 ]]; then
    run_study study-fmea fmea scenarios/ecommerce_orders_db_loss.ron --seeds 2 --modes crash,zone
    run_study study-cascade cascade scenarios/oom_cascade.ron --seeds 2
    run_study study-metastability metastability scenarios/retry_storm_spike.ron --seeds 2 --loads 0.5,1 \
        --magnitudes 0.25,1 --durations 5s,15s
    run_study study-whatif whatif scenarios/shared_pool.ron --variant scenarios/patches/recommendations_bulkhead.ron \
        --seeds 4
    run_study availability availability models/ecommerce.ron --years 20 --seeds 4
fi

if [[ $failed -ne 0 ]]; then
    exit 1
fi
echo "all reports opened without console errors; screenshots in $root"
