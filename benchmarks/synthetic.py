"""A synthetic monorepo for benchmarks: N container files among many unrelated ones.

The mix follows what a platform monorepo holds: Dockerfiles (multi-stage, ARG-built FROM
lines), compose files with anchors and `${VAR:-default}`, multi-document Kubernetes manifests
(Deployment, Service, ConfigMap, CronJob), Helm charts (Chart.yaml + values.yaml), kustomize
overlays, plus unrelated YAML (CI workflows, app config: no image references) and unrelated
source files (.py, .go, .ts, .md, .json) that discovery walks past. The output depends only on
N and the seed, so every run and every machine measures the same bytes.

    python benchmarks/synthetic.py 2000 /tmp/mono-2000
"""

from __future__ import annotations

import os
import random
import sys
from typing import Callable, Dict, List, Tuple

GENERATOR_VERSION = 2

REGISTRIES = ["registry.acme.com/platform", "ghcr.io/acme", "docker.io/library", "quay.io/prometheus", ""]
IMAGES = ["nginx", "redis", "postgres", "python", "node", "golang", "alpine", "busybox", "envoy", "api", "worker"]
TAGS = ["1.25.3", "7.2", "16-alpine", "3.12-slim", "20", "1.22", "latest", "v1.4.2", "main", "v2.0.0-beta.1"]
ENVIRONMENTS = ["dev", "staging", "prod"]

POLICY = """\
version: 1
registries:
  allow: [registry.acme.com, ghcr.io/acme, docker.io/library, quay.io/prometheus]
tags:
  require: true
  deny: [latest, main]
environments:
  release:
    match:
      paths: ["deploy/prod/**"]
      namespaces: [prod, "prod-*"]
    images: [registry.acme.com/**]
    tags: {pattern: '^v\\d+\\.\\d+\\.\\d+$'}
    digests: {require: true}
exceptions:
  - images: [docker.io/library/postgres]
    rules: [registry-not-allowed]
    paths: ["services/**"]
    reason: local development database only
    expires: 2099-06-30
ignore: ["vendor/**"]
"""


def _image(rng: random.Random, with_tag: bool = True) -> str:
    registry = rng.choice(REGISTRIES)
    name = rng.choice(IMAGES)
    ref = f"{registry}/{name}" if registry else name
    if with_tag and rng.random() < 0.9:
        ref += ":" + rng.choice(TAGS)
    if rng.random() < 0.05:
        ref += "@sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))
    return ref


def dockerfile(rng: random.Random, index: int) -> str:
    base = _image(rng)
    lines = [
        "# syntax=docker/dockerfile:1.7" if rng.random() < 0.3 else "# build image",
        f"ARG BASE={base}",
        "ARG VERSION=1.0.0",
        "FROM ${BASE} AS build",
        "WORKDIR /src",
        "COPY go.mod go.sum ./",
        "RUN --mount=type=cache,target=/root/.cache \\",
        "    apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\",
        "    && rm -rf /var/lib/apt/lists/*",
        "COPY . .",
    ]
    for step in range(rng.randint(2, 8)):
        lines.append(f"RUN make build-{step} VERSION=$VERSION TARGET=service-{index}")
    lines += [
        f"FROM {_image(rng)}",
        "COPY --from=build /src/bin/app /usr/local/bin/app",
        f"COPY --from={_image(rng)} /etc/ssl/certs /etc/ssl/certs" if rng.random() < 0.4 else "USER 65532:65532",
        "EXPOSE 8080",
        'ENTRYPOINT ["/usr/local/bin/app"]',
        "",
    ]
    return "\n".join(lines)


def compose(rng: random.Random, index: int) -> str:
    out = ["x-defaults: &defaults", "  restart: unless-stopped", "  logging:", "    driver: json-file", "", "services:"]
    for service in range(rng.randint(3, 8)):
        out.append(f"  svc{service}:")
        out.append("    <<: *defaults")
        if rng.random() < 0.3:
            out.append(f"    image: ${{REGISTRY:-registry.acme.com}}/app{index}-{service}:${{TAG:-1.0.{service}}}")
            out.append("    build:")
            out.append("      context: .")
            out.append(f"      dockerfile: Dockerfile.{service}")
        else:
            out.append(f"    image: {_image(rng)}")
        out.append("    environment:")
        for variable in range(rng.randint(1, 5)):
            out.append(f"      VAR_{variable}: value-{rng.randint(0, 1000)}")
        out.append("    ports:")
        out.append(f'      - "{8000 + service}:{8000 + service}"')
    out += ["", "volumes:", "  data: {}", ""]
    return "\n".join(out)


def _deployment(rng: random.Random, name: str, namespace: str) -> str:
    containers = []
    for number in range(rng.randint(1, 3)):
        containers.append(
            f"""        - name: c{number}
          image: {_image(rng)}
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--log-level=info"]
          ports:
            - containerPort: {8080 + number}
          env:
            - name: MODE
              value: "production"
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
            requests: {{cpu: 100m, memory: 128Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: {8080 + number}}}
            periodSeconds: 10"""
        )
    init = f"""      initContainers:
        - name: migrate
          image: {_image(rng)}
          command: ["/bin/migrate", "up"]
""" if rng.random() < 0.3 else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
  labels: {{app: {name}, team: platform}}
  annotations:
    description: "deploys {name}; image: comes from CI"
spec:
  replicas: {rng.randint(1, 5)}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      serviceAccountName: {name}
{init}      containers:
{chr(10).join(containers)}
"""


def _service(name: str, namespace: str) -> str:
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: 8080
"""


def _configmap(rng: random.Random, name: str, namespace: str) -> str:
    lines = "\n".join(f"    key_{k} = {rng.randint(0, 10 ** 6)}" for k in range(rng.randint(5, 30)))
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {namespace}
data:
  app.ini: |
{lines}
"""


def _cronjob(rng: random.Random, name: str, namespace: str) -> str:
    return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}-nightly
  namespace: {namespace}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: {_image(rng)}
              args: ["--once"]
"""


def manifest(rng: random.Random, index: int, environment: str) -> str:
    name = f"app-{index}"
    namespace = {"prod": "prod", "staging": "staging", "dev": f"dev-{index % 7}"}[environment]
    documents = [_deployment(rng, name, namespace), _service(name, namespace)]
    if rng.random() < 0.6:
        documents.append(_configmap(rng, name, namespace))
    if rng.random() < 0.3:
        documents.append(_cronjob(rng, name, namespace))
    return "---\n".join(documents)


def chart(rng: random.Random, index: int) -> Tuple[str, str]:
    chart_yaml = f"apiVersion: v2\nname: chart-{index}\nversion: 0.{index % 50}.0\nappVersion: \"1.{index % 9}.0\"\n"
    registry = rng.choice(["registry.acme.com", "ghcr.io", "docker.io"])
    values = f"""global:
  imageRegistry: ""
replicaCount: {rng.randint(1, 3)}
image:
  registry: {registry}
  repository: acme/chart-{index}
  tag: "{rng.choice(TAGS)}"
  pullPolicy: IfNotPresent
sidecar:
  image: {_image(rng)}
metrics:
  enabled: true
  image:
    repository: prom/exporter
    tag: v0.{index % 20}.0
service:
  type: ClusterIP
  port: 80
resources:
  limits: {{cpu: 200m, memory: 256Mi}}
nodeSelector: {{}}
tolerations: []
affinity: {{}}
"""
    return chart_yaml, values


def kustomization(rng: random.Random, index: int) -> str:
    images = "\n".join(
        f"  - name: app{k}\n    newName: registry.acme.com/platform/app{k}\n    newTag: v1.{index % 10}.{k}"
        for k in range(rng.randint(1, 4))
    )
    return f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: overlay-{index}
resources:
  - ../../base
patches:
  - path: patch.yaml
images:
{images}
"""


def workflow(rng: random.Random, index: int) -> str:
    steps = "\n".join(f"      - run: make step-{k}" for k in range(rng.randint(3, 10)))
    return f"""name: ci-{index}
on:
  push:
    branches: [main]
  pull_request: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with: {{python-version: "3.12"}}
{steps}
"""


def app_config(rng: random.Random, index: int) -> str:
    rows = "\n".join(f"  option_{k}: {rng.choice(['true', 'false', '42', 'on', 'text value'])}" for k in range(rng.randint(10, 60)))
    return f"service: svc-{index}\nsettings:\n{rows}\nfeatures: [a, b, c]\n"


SOURCES: List[Tuple[str, Callable[[random.Random, int], str]]] = [
    ("main.py", lambda rng, i: "".join(f"def handler_{k}(event):\n    return {{'status': {k}}}\n\n" for k in range(rng.randint(5, 40)))),
    ("server.go", lambda rng, i: "package main\n\n" + "".join(f"func H{k}() int {{ return {k} }}\n" for k in range(rng.randint(5, 40)))),
    ("index.ts", lambda rng, i: "".join(f"export const v{k} = {k};\n" for k in range(rng.randint(5, 40)))),
    ("README.md", lambda rng, i: f"# Service {i}\n\nBuild with `docker build .`; deploy with kubectl.\n"),
    ("package.json", lambda rng, i: '{"name": "svc-%d", "version": "1.0.0", "private": true}\n' % i),
]


def plan(count: int) -> Dict[str, int]:
    """How many of each container file kind make `count` container files."""
    shares = {"dockerfile": 0.30, "compose": 0.15, "manifest": 0.35, "helm": 0.10, "kustomize": 0.10}
    counts = {kind: int(count * share) for kind, share in shares.items()}
    counts["manifest"] += count - sum(counts.values())
    return counts


def generate(count: int, root: str, seed: int = 1) -> Dict[str, int]:
    """Write the monorepo for `count` container files under `root`; returns files written per kind."""
    rng = random.Random(seed * 1_000_003 + count)
    written: Dict[str, int] = {}

    def write(relative: str, text: str, kind: str) -> None:
        path = os.path.join(root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written[kind] = written.get(kind, 0) + 1

    os.makedirs(os.path.join(root, ".git"), exist_ok=True)  # a repository root: discovery and the policy search stop here
    write(".gitignore", "node_modules/\n__pycache__/\n*.pyc\n/build/\n.env.local\n", "unrelated source")
    write(".policylint.yaml", POLICY, "policy")
    counts = plan(count)
    for index in range(counts["dockerfile"]):
        group = f"services/g{index // 40:04d}/svc-{index}"
        write(f"{group}/Dockerfile", dockerfile(rng, index), "dockerfile")
        for name, make in SOURCES:
            write(f"{group}/src/{name}", make(rng, index), "unrelated source")
    for index in range(counts["compose"]):
        group = f"stacks/g{index // 40:04d}/stack-{index}"
        write(f"{group}/compose.yaml", compose(rng, index), "compose")
        if index % 3 == 0:
            write(f"{group}/.env", f"REGISTRY=registry.acme.com\nTAG=v1.{index % 10}.0\n", "unrelated source")
        write(f"{group}/README.md", f"# Stack {index}\n", "unrelated source")
    for index in range(counts["manifest"]):
        environment = ENVIRONMENTS[index % 3]
        write(f"deploy/{environment}/g{index // 40:04d}/app-{index}.yaml", manifest(rng, index, environment), "manifest")
    for index in range(counts["helm"]):
        chart_yaml, values = chart(rng, index)
        group = f"charts/g{index // 40:04d}/chart-{index}"
        write(f"{group}/Chart.yaml", chart_yaml, "unrelated yaml")
        write(f"{group}/values.yaml", values, "helm")
    for index in range(counts["kustomize"]):
        group = f"deploy/overlays/g{index // 40:04d}/overlay-{index}"
        write(f"{group}/kustomization.yaml", kustomization(rng, index), "kustomize")
        write(f"{group}/patch.yaml", f"- op: replace\n  path: /spec/replicas\n  value: {index % 5 + 1}\n", "unrelated yaml")
    for index in range(max(1, count // 10)):
        group = f"tools/g{index // 40:04d}/tool-{index}"
        write(f"{group}/.github/workflows/ci.yml", workflow(rng, index), "unrelated yaml")
        write(f"{group}/config/settings.yaml", app_config(rng, index), "unrelated yaml")
    return written


def main(argv: List[str]) -> int:
    count, root = int(argv[0]), argv[1]
    written = generate(count, root)
    print(", ".join(f"{number} {kind}" for kind, number in sorted(written.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
