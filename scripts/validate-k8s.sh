#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests (no cluster, no network once the tools exist).
#
#   scripts/validate-k8s.sh
#
# 1. yamllint (config: .yamllint.yaml) on every YAML file under k8s/ and configmap/.
# 2. `kubectl kustomize` of the base and of every overlay under k8s/overlays/, into a temp dir.
# 3. kubernetes-validate --strict on each rendered file, against Kubernetes 1.30.0 and the
#    tool's default (newest bundled) version. --strict rejects unknown fields (typos such as
#    readOnlyRootFileSystem). Semantic values (schedule, policies, security settings) are not
#    checked by schemas: Tests/AFKDeployTests asserts those on the same rendered output.
#
# k8s/monitoring/ (an optional PrometheusRule, a Prometheus Operator CRD that the schemas do not
# know) is linted but neither rendered nor schema-checked: it is not part of any kustomization.
#
# yamllint and kubernetes-validate are installed from PyPI into .venv-k8s/ (git-ignored) on the
# first run, at pinned versions; later runs reuse them. Exits non-zero on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-k8s
YAMLLINT_VERSION=1.38.0
KUBERNETES_VALIDATE_VERSION=1.37.0
K8S_VERSIONS=(1.30.0 default)  # default: the newest schema kubernetes-validate bundles (1.37.0)

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "validate-k8s: $*" >&2; exit 2; }

# --- Tools.
KUBECTL="$(command -v kubectl || true)"
if [ -z "$KUBECTL" ] && [ -x /usr/lib/google-cloud-sdk/bin/kubectl ]; then
  KUBECTL=/usr/lib/google-cloud-sdk/bin/kubectl
fi
[ -n "$KUBECTL" ] || die "kubectl is required (kubectl kustomize renders the overlays offline)"

stamp="$VENV/.versions"
want="yamllint==$YAMLLINT_VERSION kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
if [ ! -x "$VENV/bin/yamllint" ] || [ ! -x "$VENV/bin/kubernetes-validate" ] \
  || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing $want into $VENV"
  PYTHON="$(command -v python3 || true)"
  [ -n "$PYTHON" ] || die "python3 is required to install yamllint and kubernetes-validate"
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "python3 -m venv failed: installing python3-venv"
      rm -rf "$VENV"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv "$VENV" || die "cannot create a virtualenv in $VENV"
    else
      die "cannot create a virtualenv with $PYTHON -m venv (install python3-venv)"
    fi
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input $want \
    || die "pip install $want failed"
  echo "$want" >"$stamp"
fi
YAMLLINT="$VENV/bin/yamllint"
KVALIDATE="$VENV/bin/kubernetes-validate"

# --- 1. yamllint.
yaml_files=()
while IFS= read -r f; do yaml_files+=("$f"); done < <(find k8s configmap -name '*.yaml' -o -name '*.yml' | sort)
[ "${#yaml_files[@]}" -gt 0 ] || die "no YAML files under k8s/ or configmap/"
echo "== yamllint (${#yaml_files[@]} files)"
if "$YAMLLINT" --strict --config-file .yamllint.yaml --format parsable "${yaml_files[@]}" .yamllint.yaml; then
  echo "ok: yamllint"
else
  fail "yamllint found problems (above)"
fi

# --- 2. Render.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
targets=(k8s/base)
for d in k8s/overlays/*/; do targets+=("${d%/}"); done
[ "${#targets[@]}" -gt 1 ] || die "no overlays under k8s/overlays/"
rendered=()
for t in "${targets[@]}"; do
  name="$(basename "$t")"
  file="$out/$name.yaml"
  echo "== kubectl kustomize $t"
  if "$KUBECTL" kustomize "$t" >"$file" 2>"$out/$name.err"; then
    echo "ok: $t renders $(grep -c '^kind:' "$file") resources ($(grep '^kind:' "$file" | sort | uniq -c | awk '{printf "%s%s x%s", sep, $3, $1; sep=", "}'))"
    rendered+=("$file")
  else
    cat "$out/$name.err" >&2
    fail "kubectl kustomize $t"
  fi
done

# --- 3. Schemas.
for file in "${rendered[@]}"; do
  for v in "${K8S_VERSIONS[@]}"; do
    args=(--strict --quiet)
    [ "$v" = default ] || args+=(-k "$v")
    label="$(basename "$file" .yaml) against Kubernetes $v"
    if ! log="$("$KVALIDATE" "${args[@]}" "$file" 2>&1)"; then
      printf '%s\n' "$log" >&2
      fail "kubernetes-validate: $label"
    elif grep -Eq 'WARN|ERROR|FATAL' <<<"$log"; then
      # Exit 0 with a warning means a resource was NOT validated (e.g. no schema for its kind).
      printf '%s\n' "$log" >&2
      fail "kubernetes-validate: $label (warnings: some resource was not validated)"
    else
      echo "ok: kubernetes-validate --strict: $label"
    fi
  done
done

if [ "$failures" -gt 0 ]; then
  echo "validate-k8s: $failures problem(s)" >&2
  exit 1
fi
echo "validate-k8s: all checks passed (${#targets[@]} kustomizations, Kubernetes ${K8S_VERSIONS[*]})"
