#!/usr/bin/env bash
# Runs one of the README's two commands as a new machine would, twice (cold, then warm), and times
# both: in a fresh clone of this repository's HEAD (committed work only), with every build cache
# the commands use pointed at empty folders: the control plane and Helm (XDG_CACHE_HOME, which
# also holds Go's build cache), Go's modules (GOPATH), Yarn's package cache and npm's. npm's own
# configuration stays as it is: the registry comes from it. What this cannot make new: Debian
# packages already installed (Chromium, the servers) and the servers this kind of machine starts.
# Afterwards it lists any process the command left running (and stops it), and fails if there was one.
#   bash scripts/fresh-machine.sh test     # `bash .ci/run` with CI=true, as CI runs it
#   bash scripts/fresh-machine.sh start    # `npm start` until it is ready, then Ctrl-C
# Options: --keep  keep the clone and the caches (printed) instead of removing them.
set -euo pipefail
command="${1:-}"
[[ "$command" == test || "$command" == start ]] || { echo "usage: bash scripts/fresh-machine.sh test|start [--keep]" >&2; exit 2; }
keep="${2:-}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1m[fresh machine]\033[0m %s\n' "$*" >&2; }

work="$(mktemp -d /tmp/voting-fresh-machine.XXXXXX)"
git clone -q "$repo" "$work/clone"
# Processes of this run carry this marker in their environment, whoever started them.
marker="FRESH_MACHINE_RUN=$(basename "$work")"
export FRESH_MACHINE_RUN="${marker#*=}"
export XDG_CACHE_HOME="$work/cache" GOPATH="$work/go" YARN_GLOBAL_FOLDER="$work/yarn" npm_config_cache="$work/npm"
mkdir -p "$XDG_CACHE_HOME" "$GOPATH" "$YARN_GLOBAL_FOLDER" "$npm_config_cache"
say "clone of $(git -C "$repo" rev-parse --short HEAD) in $work/clone; caches under $work"

leftovers() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid="${environ#/proc/}"; pid="${pid%/environ}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    # 2>/dev/null first: a process that ends meanwhile makes the redirection itself fail
    if tr '\0' '\n' 2>/dev/null <"$environ" | grep -qx "$marker"; then
      grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && continue
      echo "$pid $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-150)"
    fi
  done
}

# One run of the command; prints "<seconds> <exit code> <seconds to ready>" on stdout (the last
# for start only), the command's output in a log.
run_once() { # <label>
  local label="$1" log="$work/$1.log" started=$SECONDS status=0 pid ready=''
  say "$label run of '$command' (log: $log)"
  if [[ "$command" == test ]]; then
    (cd "$work/clone" && CI=true bash .ci/run </dev/null) >"$log" 2>&1 || status=$?
  else
    # a process group of its own, so that Ctrl-C can be sent to all of it, as a terminal does
    (cd "$work/clone" && exec setsid npm start </dev/null) >"$log" 2>&1 &
    pid=$!
    until grep -q 'press Ctrl-C to stop' "$log" 2>/dev/null; do
      if ! kill -0 "$pid" 2>/dev/null; then status=1; break; fi
      sleep 0.5
    done
    if (( status == 0 )); then
      ready=$((SECONDS - started))
      say "$label: ready after $ready s; pressing Ctrl-C"
      kill -INT -- "-$pid" 2>/dev/null || true
      wait "$pid" || true
    fi
  fi
  echo "$((SECONDS - started)) $status $ready"
}

cold="$(run_once cold)"
warm="$(run_once warm)"
sleep 1
left="$(leftovers)"
[[ -z "$left" ]] || while read -r pid _; do kill -KILL "$pid" 2>/dev/null || true; done <<<"$left"

say "results of '$command' from a fresh clone:"
if [[ "$command" == test ]]; then
  say "  cold: ${cold%% *} s, exit $(cut -d' ' -f2 <<<"$cold"); $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/cold.log" | tail -n 1)"
  say "  warm: ${warm%% *} s, exit $(cut -d' ' -f2 <<<"$warm"); $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/warm.log" | tail -n 1)"
  say "  where the time went (cold):"
  sed -n '/^step  /,/^$/p' "$work/cold.log" >&2
  say "  where the time went (warm):"
  sed -n '/^step  /,/^$/p' "$work/warm.log" >&2
  grep -E '^(not ok|✖)|  ● .* ›' "$work/warm.log" "$work/cold.log" >&2 || true
else
  read -r cold_total cold_status cold_ready <<<"$cold"
  read -r warm_total warm_status warm_ready <<<"$warm"
  say "  cold: ready after ${cold_ready:-never} s, exit $cold_status, stopped by Ctrl-C after $cold_total s"
  say "  warm: ready after ${warm_ready:-never} s, exit $warm_status, stopped by Ctrl-C after $warm_total s"
fi
if [[ -n "$left" ]]; then say "  processes left running (now killed):"; echo "$left" >&2; else say "  no process left running"; fi

# The logs outlive the clone: a failed run must be readable afterwards.
logs="$repo/.cache/fresh-machine"
mkdir -p "$logs"
cp "$work/cold.log" "$logs/$command-cold.log"
cp "$work/warm.log" "$logs/$command-warm.log"
say "logs: .cache/fresh-machine/$command-cold.log and $command-warm.log"
if [[ "$keep" == --keep ]]; then
  say "kept: $work"
else
  chmod -R u+w "$work" 2>/dev/null || true # Go's module cache is read-only
  rm -rf "$work"
fi
[[ "$(cut -d' ' -f2 <<<"$cold")" == 0 && "$(cut -d' ' -f2 <<<"$warm")" == 0 && -z "$left" ]]
