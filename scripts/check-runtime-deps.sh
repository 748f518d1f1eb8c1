#!/usr/bin/env bash
# Proves, without Docker, that the Dockerfile's runtime stage provides every shared library the
# release binaries load.
#
#   scripts/check-runtime-deps.sh
#
# 1. Builds afk-poller and afk-watcher exactly as the Dockerfile does (release,
#    --static-swift-stdlib) into .build-release-check/ (git-ignored; incremental on re-runs).
# 2. Lists each binary's shared libraries with `ldd` (plus the static backtracer the image ships).
# 3. Maps every library to its Debian package with `dpkg -S` (this machine must be the same
#    distribution as the runtime image: Debian 12 bookworm).
# 4. Accepts a package if it is installed explicitly by the final stage's `apt-get install`
#    line, a dependency of those (`apt-cache depends --recurse`), or part of the base image
#    debian:bookworm-slim (packages of Priority required / Essential, and their dependencies:
#    what a minbase debootstrap installs).
# Exits 1 naming every library whose package is not provided; 2 on a setup problem.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

SCRATCH=.build-release-check
DOCKERFILE="${DOCKERFILE:-Dockerfile}"  # override to check another Dockerfile
PRODUCTS=(afk-poller afk-watcher afk)

fail_setup() { echo "check-runtime-deps: $*" >&2; exit 2; }
for tool in swift ldd dpkg dpkg-query apt-cache readelf objdump; do
  command -v "$tool" >/dev/null 2>&1 || fail_setup "'$tool' is required but not found"
done

# --- The runtime stage of the Dockerfile: its base image and its apt-get install packages.
[ -f "$DOCKERFILE" ] || fail_setup "$DOCKERFILE not found"
# Join continuation lines, then keep the lines from the last FROM on.
joined="$(grep -Ev '^[[:space:]]*#' "$DOCKERFILE" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta')"
final_stage="$(printf '%s\n' "$joined" | awk 'toupper($1)=="FROM" {buf=""} {buf=buf $0 "\n"} END {printf "%s", buf}')"
runtime_from="$(printf '%s\n' "$final_stage" | awk 'toupper($1)=="FROM" {print $2; exit}')"
if [[ "$runtime_from" == '${'*'}' ]]; then  # FROM ${RUNTIME_IMAGE}: resolve the ARG default
  arg="${runtime_from#\$\{}"; arg="${arg%\}}"
  runtime_from="$(printf '%s\n' "$joined" | sed -n "s/^ARG $arg=//p" | head -1)"
fi
install_line="$(printf '%s\n' "$final_stage" | grep -E '^ *RUN .*apt-get( +-[^ ]+)* +install' | head -1 || true)"
[ -n "$install_line" ] || fail_setup "no 'apt-get install' line in the final stage of $DOCKERFILE"
read -r -a explicit <<<"$(printf '%s\n' "$install_line" \
  | sed -E 's/.*apt-get( +-[^ ]+)* +install//; s/(&&|;|\|).*//' \
  | tr ' ' '\n' | grep -Ev '^(-.*|[A-Za-z_]+=.*|)$' | tr '\n' ' ')"
[ "${#explicit[@]}" -gt 0 ] || fail_setup "could not read the packages of: $install_line"

# --- Same distribution as the runtime image?
. /etc/os-release
case "$runtime_from" in
  *"${VERSION_CODENAME:-none}"*) ;;
  *) fail_setup "this machine is ${PRETTY_NAME:-unknown}, but the runtime image is '$runtime_from':" \
       "dpkg here cannot answer for it (build and check on the runtime's distribution)" ;;
esac

# --- 1. Build, as the Dockerfile does.
build_log="$(mktemp)"
trap 'rm -f "$build_log"' EXIT
for p in "${PRODUCTS[@]}"; do
  echo "== swift build -c release --static-swift-stdlib --scratch-path $SCRATCH --product $p"
  if ! swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --product "$p" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    fail_setup "release build of $p failed"
  fi
  tail -1 "$build_log"
done
bin_dir="$(swift build -c release --static-swift-stdlib --scratch-path "$SCRATCH" --show-bin-path)"
binaries=()
for p in "${PRODUCTS[@]}"; do
  [ -x "$bin_dir/$p" ] || fail_setup "$bin_dir/$p was not built"
  binaries+=("$bin_dir/$p")
done
swift_bin="$(command -v swift)"
swift_root="$(cd "$(dirname "$(readlink -f "$swift_bin")")/.." && pwd)"
backtracer="$swift_root/libexec/swift/linux/swift-backtrace-static"
if grep -q 'swift-backtrace-static' "$DOCKERFILE"; then
  [ -x "$backtracer" ] || fail_setup "the Dockerfile ships swift-backtrace-static but $backtracer is missing"
  binaries+=("$backtracer")
fi

# --- The packages that count as provided.
apt_closure() {  # every package reachable through Depends/Pre-Depends (alternatives included)
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "$@" 2>/dev/null | grep -v '^ ' | sed 's/^<\(.*\)>$/\1/; s/:.*//' | sort -u
}
for pkg in "${explicit[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && [ -z "${apt_updated:-}" ]; then
      echo "apt-cache does not know $pkg: running apt-get update"
      apt-get update -qq >/dev/null; apt_updated=1
    fi
    apt-cache show "$pkg" >/dev/null 2>&1 || fail_setup "apt-cache does not know package '$pkg' (run apt-get update)"
  fi
done
explicit_closure="$(apt_closure "${explicit[@]}")"
read -r -a base_seeds <<<"$(dpkg-query -W -f='${Package} ${Priority} ${Essential}\n' \
  | awk '$2=="required" || $3=="yes" {print $1}' | tr '\n' ' ')"
[ "${#base_seeds[@]}" -gt 0 ] || fail_setup "no installed package of Priority required: cannot model the base image"
base_closure="$(apt_closure "${base_seeds[@]}")"

# --- 2./3. Libraries and their packages.
package_of() {  # dpkg -S, trying the usrmerge aliases (/lib <-> /usr/lib) and the resolved path
  local lib="$1" candidates=() c out
  candidates+=("$lib" "$(readlink -f "$lib")")
  case "$lib" in
    /usr/lib/*) candidates+=("${lib#/usr}") ;;
    /lib/* | /lib64/*) candidates+=("/usr$lib") ;;
  esac
  for c in "${candidates[@]}"; do
    out="$(dpkg -S "$c" 2>/dev/null | grep -v '^diversion' | head -1 || true)"
    if [ -n "$out" ]; then
      printf '%s\n' "${out%%: /*}" | tr ',' '\n' | sed 's/^ *//; s/:.*//' | head -1
      return 0
    fi
  done
  return 1
}

declare -A lib_pkg=() lib_users=()
problems=()
for bin in "${binaries[@]}"; do
  name="$(basename "$bin")"
  ldd_out="$(ldd "$bin" 2>&1)" || { problems+=("$name: ldd failed: $ldd_out"); continue; }
  if grep -q 'not found' <<<"$ldd_out"; then
    while IFS= read -r line; do problems+=("$name: $line"); done < <(grep 'not found' <<<"$ldd_out" | sed 's/^\s*//')
  fi
  while IFS= read -r lib; do
    [ -n "$lib" ] || continue
    lib_users[$lib]="${lib_users[$lib]:-}${lib_users[$lib]:+ }$name"
  done < <(awk '/=>/ && $3 ~ /^\// {print $3} !/=>/ && $1 ~ /^\// {print $1}' <<<"$ldd_out")
done

missing=()
declare -A pkg_how=()
for lib in $(printf '%s\n' "${!lib_users[@]}" | sort); do
  if ! pkg="$(package_of "$lib")"; then
    missing+=("$lib (used by ${lib_users[$lib]}): no Debian package owns it")
    continue
  fi
  lib_pkg[$lib]="$pkg"
  if printf '%s\n' "${explicit[@]}" | grep -qx "$pkg"; then how="installed explicitly"
  elif grep -qx "$pkg" <<<"$explicit_closure"; then how="dependency of: ${explicit[*]}"
  elif grep -qx "$pkg" <<<"$base_closure"; then how="base image (required/essential)"
  else
    how="NOT PROVIDED"
    missing+=("$lib (package $pkg, used by ${lib_users[$lib]}): not installed by the runtime stage, not a dependency of it, not in the base image")
  fi
  pkg_how[$pkg]="$how"
done

# --- Summary.
echo
echo "== runtime dependencies (runtime image: $runtime_from; apt-get install: ${explicit[*]})"
for bin in "${binaries[@]}"; do
  echo "-- $(basename "$bin"): $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')(direct NEEDED);" \
    "needs $(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1), $(objdump -T "$bin" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1 || true)"
done
printf '%-55s %-28s %s\n' "library" "package" "provided as"
for lib in $(printf '%s\n' "${!lib_pkg[@]}" | sort); do
  printf '%-55s %-28s %s\n' "$lib" "${lib_pkg[$lib]}" "${pkg_how[${lib_pkg[$lib]}]}"
done
echo "libraries: ${#lib_users[@]}, packages: ${#pkg_how[@]}," \
  "explicit: $(for p in "${!pkg_how[@]}"; do [ "${pkg_how[$p]}" = "installed explicitly" ] && echo "$p"; done | sort | tr '\n' ' ')"
if [ "${#problems[@]}" -gt 0 ] || [ "${#missing[@]}" -gt 0 ]; then
  echo
  echo "FAILED: the runtime stage of $DOCKERFILE does not provide:" >&2
  for m in "${problems[@]}" "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi
echo "OK: every shared library of ${PRODUCTS[*]} is provided by the runtime stage of $DOCKERFILE"
