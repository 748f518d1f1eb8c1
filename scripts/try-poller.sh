#!/usr/bin/env bash
# One dispatch tick against the built-in simulator, no credentials needed:
# starts `afk-sim serve --demo` on an ephemeral 127.0.0.1 port, runs a dry run, then two real
# ticks (the second finds every repo locked), prints what happened, and stops the simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/debug
if [ ! -x "$bin/afk-poller" ] || [ ! -x "$bin/afk-sim" ]; then swift build; fi

out=$(mktemp)
"$bin/afk-sim" serve --demo >"$out" &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q '^AFK_EXECUTOR_TOKEN=' "$out" && break; sleep 0.1; done
grep -q '^AFK_EXECUTOR_TOKEN=' "$out" || { echo "afk-sim did not start" >&2; exit 1; }

set -a
# shellcheck disable=SC1090
. "$out"   # AFK_TRACKER_URL, AFK_EXECUTOR_URL and the demo tokens
AFK_KILL_SWITCH=false
AFK_ALLOWLIST=acme/widgets,acme/gadgets
AFK_TRACKER_BOT_LOGIN=afk-bot
set +a

echo "== afk-poller --dry-run   (reads everything, writes nothing)"
"$bin/afk-poller" --dry-run 2>/dev/null
echo
echo "== afk-poller             (dispatches one issue per repo)"
"$bin/afk-poller" 2>/dev/null
echo
echo "== afk-poller             (again: the repos are locked by the runs just started)"
"$bin/afk-poller" 2>/dev/null
echo
echo "== what the simulated tracker and T3 now hold"
curl -s "$AFK_SIM_URL/_sim/state" | python3 -c '
import json, sys
state = json.load(sys.stdin)
for repo in state["github"]["repos"]:
    for issue in repo["issues"]:
        records = [c for c in issue.get("comments", []) if "<!-- afk:run " in c["body"]]
        labels = ", ".join(l if isinstance(l, str) else l["name"] for l in issue["labels"])
        print("  %s/%s#%d: labels [%s], run records %d" % (repo["owner"], repo["name"], issue["number"], labels, len(records)))
for thread in state["t3"].get("threads", []):
    print("  T3 thread %s: turn %s" % (thread["id"], (thread.get("latestTurn") or {}).get("state")))
' || echo "  (could not summarise: see $AFK_SIM_URL/_sim/state)"
