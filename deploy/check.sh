#!/usr/bin/env bash
# Checks what can be checked of the deployment without a Docker engine or a cluster (run by CI):
#   1. the image: every path the Dockerfile copies exists; the runtime packages it installs cover
#      every shared library `credit` links (the Swift runtime is linked statically); the user is
#      not root; the entry point's flags parse and its configuration is valid (`serve --check`);
#   2. the manifests: every kustomization renders, and every resource validates against the
#      Kubernetes 1.30 JSON schemas, strictly (unknown fields refused); a broken manifest must fail;
#      the platform's settings hold (HPA at CPU 70 % / memory 75 %, probes, non-root, read-only
#      root, grace period longer than the drain, Secrets referenced, never committed);
#   3. the alert rules (promtool check rules, and their unit tests) and the dashboard's JSON;
#   4. the sharded batch Job: its pods' commands, run here with the image's paths mapped, and
#      the reconcile Job's, give the unsharded run's output byte for byte.
# Usage: bash deploy/check.sh [path-to-credit]   (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
credit="${1:-$(swift build --show-bin-path)/credit}"
[ -x "$credit" ] || { echo "deploy/check: no credit executable at $credit (swift build first)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "deploy/check: $*" >&2; exit 1; }

# Tools: promtool (Debian's prometheus), kubernetes-validate (PyPI), kubectl with kustomize v5.
if ! command -v promtool >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
python3 -c "import kubernetes_validate" 2>/dev/null || python3 -m pip install -q "kubernetes-validate==1.37.0"
command -v kubectl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl >/dev/null 2>&1 || true
command -v kubectl >/dev/null || fail "kubectl (with kustomize v5) is needed to render the kustomizations"
kubectl version --client 2>/dev/null | grep -q "Kustomize Version: v5" || fail "kubectl's kustomize must be v5 (the kustomizations use labels: and patches:)"

echo "== image"
dockerfile=deploy/Dockerfile
grep -E '^COPY ' "$dockerfile" | grep -v -- '--from=' | awk '{print $2}' | while read -r path; do
  [ -e "$path" ] || fail "$dockerfile copies $path, which does not exist"
done
user=$(grep -E '^USER ' "$dockerfile" | tail -1 | awk '{print $2}')
case "$user" in ''|root|0|0:*) fail "$dockerfile must end as a non-root USER (found '${user}')";; esac
grep -q -- '--static-swift-stdlib' "$dockerfile" || fail "$dockerfile must link the Swift runtime statically"
runtime=$(grep -A4 '# runtime-packages' "$dockerfile" | grep -oE 'install -y --no-install-recommends [^&]+' | sed -e 's/.*--no-install-recommends //' -e 's/\\//g')
[ -n "$runtime" ] || fail "no runtime package list found in $dockerfile"
# Every package the runtime list pulls in (installed here as dependencies of the -dev packages).
closure=$(python3 - $runtime <<'PY'
import subprocess, sys, re
seen, todo = set(), list(sys.argv[1:])
while todo:
    name = todo.pop()
    if name in seen: continue
    seen.add(name)
    out = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", name], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"runtime package {name} is not installed on this machine; install it to check the image")
    for alternative in re.split(r",", out.stdout):
        first = alternative.split("|")[0].strip().split(" ")[0].split(":")[0]
        if first: todo.append(first)
print("\n".join(sorted(seen)))
PY
)
toolchain="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
ldd "$credit" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u | while read -r library; do
  real=$(readlink -f "$library")
  case "$real" in "$toolchain"/*) continue;; esac   # the Swift runtime: linked statically in the image
  owner=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$owner" ] || owner=$(dpkg -S "$library" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$owner" ] || fail "$library (linked by credit) belongs to no Debian package"
  grep -qx "$owner" <<<"$closure" || fail "$library comes from $owner, which the runtime packages ($runtime) do not install"
done
# The entry point and command, with the ConfigMap's configuration at /app/config and the models at /app/models.
# The Secret's API keys file, with the hash of a throwaway key.
mkdir -p "$work/app/config" "$work/app/secrets"
ln -s "$PWD/models" "$work/app/models"
printf '[{"id": "loan-service", "sha256": "%s", "role": "scorer"}]' "$(printf %s check-key | sha256sum | cut -d' ' -f1)" > "$work/app/secrets/api-keys.json"
sed "s#\"/app/#\"$work/app/#g" deploy/k8s/overlays/single-instance/server.json > "$work/app/config/server.json"
mapfile -t command < <(python3 - "$dockerfile" "$work" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
entry = json.loads([l for l in lines if l.startswith("ENTRYPOINT ")][-1][len("ENTRYPOINT "):])
cmd = json.loads([l for l in lines if l.startswith("CMD ")][-1][len("CMD "):])
assert entry == ["/app/bin/credit"], entry
for argument in cmd: print(argument.replace("/app/", sys.argv[2] + "/app/"))
PY
)
"$credit" "${command[@]}" --check || fail "the image's command (${command[*]}) does not parse or its configuration is invalid"
# The base's configuration (replicas on a PostgreSQL store) must be valid too.
sed "s#\"/app/#\"$work/app/#g" deploy/k8s/base/server.json > "$work/app/config/server.json"
"$credit" "${command[@]}" --check || fail "the base configuration (PostgreSQL store) is refused"

echo "== manifests"
for kustomization in deploy/k8s/overlays/example deploy/k8s/overlays/single-instance deploy/k8s/batch; do
  name=$(basename "$kustomization")
  kubectl kustomize "$kustomization" > "$work/$name.yaml" 2>"$work/$name.err" || { cat "$work/$name.err" >&2; fail "$kustomization does not render"; }
done
cp deploy/k8s/batch/reconcile-job.yaml "$work/reconcile.yaml"
cp deploy/k8s/store/migrate-job.yaml "$work/migrate.yaml"
kubernetes-validate --quiet -k 1.30.0 --strict "$work/example.yaml" "$work/single-instance.yaml" "$work/batch.yaml" "$work/reconcile.yaml" "$work/migrate.yaml" \
  || fail "a manifest does not validate against the Kubernetes 1.30 schemas"
# The validator must catch a broken manifest: an unknown field, and a wrong type.
sed 's/^  replicas: 3/  replica: 3/' "$work/example.yaml" > "$work/broken.yaml"
if kubernetes-validate --quiet -k 1.30.0 --strict "$work/broken.yaml" >/dev/null 2>&1; then fail "the validator accepted an unknown field"; fi
sed 's/averageUtilization: 70/averageUtilization: "seventy"/' "$work/example.yaml" > "$work/broken.yaml"
if kubernetes-validate --quiet -k 1.30.0 --strict "$work/broken.yaml" >/dev/null 2>&1; then fail "the validator accepted a wrong type"; fi
python3 - "$work" <<'PY'
import json, sys, re
work = sys.argv[1]
def documents(path):
    # The rendered YAML is a list of documents; kubernetes-validate already parsed it, so read it with its YAML library.
    import yaml
    return [d for d in yaml.safe_load_all(open(path)) if d]
def check(condition, message):
    if not condition: sys.exit(f"deploy/check: {message}")
example = {(d["kind"], d["metadata"]["name"]): d for d in documents(f"{work}/example.yaml")}
deployment = example[("Deployment", "credit-engine")]
spec = deployment["spec"]["template"]["spec"]
container = spec["containers"][0]
check(deployment["spec"]["replicas"] == 3, "the Deployment runs 3 replicas")
hpa = example[("HorizontalPodAutoscaler", "credit-engine")]["spec"]
targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
check(targets == {"cpu": 70, "memory": 75}, f"the HPA targets CPU 70 % and memory 75 % (found {targets})")
check(container["readinessProbe"]["httpGet"]["path"] == "/health/ready", "readiness probes /health/ready")
check(container["livenessProbe"]["httpGet"]["path"] == "/health/live", "liveness probes /health/live")
check("startupProbe" in container, "a startup probe is set")
security = container["securityContext"]
check(security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"] and security["capabilities"]["drop"] == ["ALL"],
      "the container is read-only, without privilege escalation, with no capabilities")
check(spec["securityContext"]["runAsNonRoot"], "pods run as non-root")
config = json.loads(example[next(k for k in example if k[0] == "ConfigMap")]["data"]["server.json"])
drain = config["connections"]["drainSeconds"]
pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
check(spec["terminationGracePeriodSeconds"] > pause + drain + 5, "the grace period outlasts the preStop pause, the drain and a request")
check(all(k[0] != "Secret" for k in example), "no Secret is rendered from the repository")
check(spec["volumes"][1]["secret"]["secretName"] == "credit-engine-secrets", "the keys come from the Secret credit-engine-secrets")
check({"PodDisruptionBudget", "NetworkPolicy", "Service", "Ingress"} <= {k[0] for k in example}, "PDB, NetworkPolicy, Service and Ingress are there")
annotations = deployment["spec"]["template"]["metadata"]["annotations"]
check(annotations.get("prometheus.io/scrape") == "true" and annotations.get("prometheus.io/path") == "/metrics", "pods carry the scrape annotations")
single = {(d["kind"], d["metadata"]["name"]): d for d in documents(f"{work}/single-instance.yaml")}
check(("HorizontalPodAutoscaler", "credit-engine") not in single and single[("Deployment", "credit-engine")]["spec"]["replicas"] == 1,
      "the single-instance overlay runs one replica without an HPA")
job = next(d for d in documents(f"{work}/batch.yaml") if d["kind"] == "Job")["spec"]
check(job["completionMode"] == "Indexed" and job["completions"] == job["parallelism"] and "backoffLimitPerIndex" in job, "the batch Job is Indexed")
shards = re.search(r"--shard \$shard/(\d+)", job["template"]["spec"]["containers"][0]["args"][0])
check(shards and int(shards.group(1)) == job["completions"], "the --shard count equals the Job's completions")
for path in ["deploy/grafana/credit-engine.json"]:
    json.load(open(path))
PY

echo "== alerts"
promtool check rules deploy/prometheus/alerts.yaml
promtool test rules deploy/prometheus/alerts-test.yaml

echo "== batch job"
mkdir -p "$work/data/in" "$work/data/out"
python3 - "$work/data/in/applications.csv" <<'PY'
import random, sys
lines = open("datasets/german_credit.csv").read().splitlines()
random.seed(15)
out = [lines[0]]
for i in range(4000):
    row = random.choice(lines[1:])
    if i % 89 == 3:
        cells = row.split(","); cells[1] = "n/a"; row = ",".join(cells)
    out.append(row)
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PY
mapfile -t job < <(python3 - "$work/batch.yaml" "$work/reconcile.yaml" <<'PY'
import sys, yaml
score = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Job")
reconcile = yaml.safe_load(open(sys.argv[2]))
print(score["spec"]["completions"])
print(score["spec"]["template"]["spec"]["containers"][0]["args"][0])
print("\x1f".join(reconcile["spec"]["template"]["spec"]["containers"][0]["args"]))
PY
)
count=${job[0]}
mapped() { sed -e "s#/app/bin/credit#$credit#g" -e "s#/app/models#$PWD/models#g" -e "s#/data/#$work/data/#g"; }
script=$(mapped <<<"${job[1]}")
for ((index = 0; index < count; index++)); do
  JOB_COMPLETION_INDEX=$index sh -c "$script" || fail "pod $index of the score Job failed"
done
IFS=$'\x1f' read -r -a reconcile <<<"$(mapped <<<"${job[2]}")"
"$credit" "${reconcile[@]}" || fail "the reconcile Job failed"
"$credit" score --model models/pd-german-credit/1.0.0/model.json --data "$work/data/in/applications.csv" --out "$work/whole.csv" --quiet
cmp "$work/whole.csv" "$work/data/out/scores.csv" || fail "the merged shards differ from the unsharded run"
cmp "$work/whole.csv.rejects.csv" "$work/data/out/scores.csv.rejects.csv" || fail "the merged rejects differ from the unsharded run"
echo "deploy/check: all checks passed"
