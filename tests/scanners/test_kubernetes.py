"""Kubernetes scanner: containers at any depth, image volumes, custom resources, positions."""

from __future__ import annotations

import random
import time
from textwrap import dedent
from typing import List, Optional

import pytest
from scanner_support import part_lines, rows, scan_errors

from policylint import yamldoc
from policylint.model import ScanError, ScanOptions
from policylint.scanners import kubernetes


def run(text: str) -> List[object]:
    return list(kubernetes.scan(dedent(text), "deploy/app.yaml", ScanOptions()))


def test_deployment_containers_and_context() -> None:
    found = run(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: prod
          annotations:
            image: not/an-image:1
        spec:
          template:
            spec:
              initContainers:
                - name: init
                  image: busybox:1.36
              containers:
                - name: app
                  image: "registry.acme.com/web:v1.2.3"
                  args: ["--image", "x:1"]
                  env:
                    - {name: IMAGE, value: "y:2"}
        """
    )
    assert rows(found) == [
        ("busybox:1.36", "busybox:1.36", 13, 18),
        ("registry.acme.com/web:v1.2.3", "registry.acme.com/web:v1.2.3", 16, 19),
    ]
    assert found[1].location.end_column == 47  # type: ignore[union-attr]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"object": "Deployment/web", "namespace": "prod", "container": "init"},
        {"object": "Deployment/web", "namespace": "prod", "container": "app"},
    ]
    assert {o.kind for o in found} == {"kubernetes"}  # type: ignore[union-attr]


def test_cronjob_nesting_and_ephemeral_containers() -> None:
    found = run(
        """\
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly}
        spec:
          schedule: "@daily"
          jobTemplate:
            spec:
              template:
                spec:
                  containers:
                    - name: job
                      image: ghcr.io/acme/job:2024.1
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: debug}
        spec:
          containers: [{name: main, image: app:1}]
          ephemeralContainers:
            - name: dbg
              image: nicolaka/netshoot
        """
    )
    assert rows(found) == [
        ("ghcr.io/acme/job:2024.1", "ghcr.io/acme/job:2024.1", 12, 22),
        ("app:1", "app:1", 18, 36),
        ("nicolaka/netshoot", "nicolaka/netshoot", 21, 14),
    ]
    assert found[0].context == {"object": "CronJob/nightly", "container": "job"}  # type: ignore[union-attr]
    assert found[2].context == {"object": "Pod/debug", "container": "dbg"}  # type: ignore[union-attr]


def test_list_items_carry_their_own_namespace() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: prod-eu}
            spec: {containers: [{name: c, image: "a:1"}]}
          - apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: b}
            spec: {template: {spec: {containers: [{name: c, image: "b:2"}]}}}
        """
    )
    assert rows(found) == [("a:1", "a:1", 7, 43), ("b:2", "b:2", 11, 61)]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"object": "Pod/a", "namespace": "prod-eu", "container": "c"},
        {"object": "StatefulSet/b", "container": "c"},
    ]


def test_configmap_data_and_non_objects_are_not_images() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg}
        data:
          image: nginx:1
          pod.yaml: |
            containers:
              - image: nginx:2
        ---
        containers:
          - image: not-an-object:1
        ---
        apiVersion: v1
        kind: Secret
        stringData:
          spec: {containers: [{image: "x:1"}]}
        """
    )
    assert found == []


def test_image_volumes_and_non_scalar_images() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              image: {repository: x}
            - name: b
              image: [x]
            - name: c
              image:
            - name: d
          volumes:
            - name: models
              image:
                reference: quay.io/acme/models:v1
                pullPolicy: IfNotPresent
            - name: data
              emptyDir: {}
        """
    )
    # the API server refuses a container image that is not a string; a missing one is allowed
    errors = scan_errors(found)
    assert errors == [("image must be a string, not a mapping: Kubernetes refuses this file", 7, 14),
                      ("image must be a string, not a list: Kubernetes refuses this file", 9, 14)]
    assert rows(found[2:]) == [("quay.io/acme/models:v1", "quay.io/acme/models:v1", 16, 20)]
    assert found[2].context == {"object": "Pod/p", "volume": "models"}  # type: ignore[union-attr]


def test_a_number_as_a_container_image_is_a_parse_error() -> None:
    """The API server refuses it; an unquoted `{{ .Values.image }}` of a Helm template that
    still parses (a flow mapping in a flow mapping) is a placeholder, not a mapping."""
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - {name: a, image: 12345}
            - {name: b, image: "12345"}
            - {name: c, image: on}
            - name: e
              image: {{ .Values.image }}
          initContainers:
            - name: d
              image: 3.14
        """
    )
    errors = scan_errors(found)
    assert errors == [
        ('image must be a string, not an integer: Kubernetes refuses this file; quote it: "12345"', 6, 24),
        ('image must be a string, not a number: Kubernetes refuses this file; quote it: "3.14"', 13, 14),
    ]
    assert rows([item for item in found if not isinstance(item, ScanError)]) == [("12345", "12345", 7, 25)]


def test_custom_resources() -> None:
    found = run(
        """\
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata: {name: k8s, namespace: monitoring}
        spec:
          image: quay.io/prometheus/prometheus:v3.0.0
          containers:
            - name: sidecar
              image: quay.io/acme/sidecar:1
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: build-}
        spec:
          templates:
            - name: step
              container:
                image: "{{inputs.parameters.image}}"
            - name: other
              container:
                image: alpine:3.20
        ---
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata: {name: no-latest}
        spec:
          rules:
            - validate:
                pattern:
                  spec:
                    containers:
                      - image: "!*:latest"
        ---
        apiVersion: sparkoperator.k8s.io/v1beta2
        kind: SparkApplication
        metadata: {name: pi}
        spec:
          image: spark:3.5.2
        """
    )
    assert rows(found) == [
        ("quay.io/prometheus/prometheus:v3.0.0", "quay.io/prometheus/prometheus:v3.0.0", 5, 10),
        ("quay.io/acme/sidecar:1", "quay.io/acme/sidecar:1", 8, 14),
        ("alpine:3.20", "alpine:3.20", 20, 16),
        ("spark:3.5.2", "spark:3.5.2", 37, 10),
    ]
    assert found[0].context == {"object": "Prometheus/k8s", "namespace": "monitoring"}  # type: ignore[union-attr]
    assert found[2].context == {"object": "Workflow/build-"}  # type: ignore[union-attr]


def test_placeholders_filled_in_by_other_tools_are_not_references() -> None:
    """Tekton `$(params.x)`, ko's `ko://` import paths and Kargo's image selectors are replaced
    or resolved before anything is pulled: no invalid-reference or tag-missing on them."""
    found = run(
        """\
        apiVersion: tekton.dev/v1
        kind: TaskRun
        metadata: {name: interop}
        spec:
          taskSpec:
            steps:
              - image: $(params.image)
              - image: ubuntu:24.04
        ---
        apiVersion: caching.internal.knative.dev/v1alpha1
        kind: Image
        metadata: {name: queue-proxy}
        spec:
          image: ko://knative.dev/serving/cmd/queue
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: activator}
        spec:
          template:
            spec:
              containers:
                - name: activator
                  image: ko://knative.dev/serving/cmd/activator
                - name: proxy
                  image: envoyproxy/envoy:v1.30
        ---
        apiVersion: kargo.akuity.io/v1alpha1
        kind: Stage
        metadata: {name: test}
        spec:
          promotionTemplate:
            spec:
              steps:
                - uses: helm-update-image
                  config:
                    images:
                      - image: public.ecr.aws/nginx/nginx
                        key: image.name
        """
    )
    assert rows(found) == [
        ("ubuntu:24.04", "ubuntu:24.04", 8, 16),
        ("envoyproxy/envoy:v1.30", "envoyproxy/envoy:v1.30", 26, 18),
    ]


def test_nvidia_cluster_policy_images_are_joined_as_the_operator_does() -> None:
    found = run(
        """\
        apiVersion: nvidia.com/v1
        kind: ClusterPolicy
        metadata: {name: gpu-cluster-policy}
        spec:
          driver:
            repository: nvcr.io/nvidia
            image: driver
            version: "550.54.15"
          validator:
            image: quay.io/acme/validator:v1
        """
    )
    assert rows(found) == [
        ("nvcr.io/nvidia/driver:550.54.15", "nvcr.io/nvidia/driver:550.54.15", 7, 12),
        ("quay.io/acme/validator:v1", "quay.io/acme/validator:v1", 10, 12),
    ]


def test_cluster_api_machine_images_are_not_container_images() -> None:
    found = run(
        """\
        apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
        kind: GCPMachineTemplate
        metadata: {name: control-plane}
        spec:
          template:
            spec:
              image: projects/ubuntu-os-cloud/global/images/ubuntu-2204
        ---
        apiVersion: infrastructure.cluster.x-k8s.io/v1beta1
        kind: OpenStackMachineTemplate
        metadata: {name: md-0}
        spec:
          template:
            spec:
              image: ${OPENSTACK_IMAGE_NAME}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: capi-controller}
        spec:
          template:
            spec:
              containers:
                - {name: manager, image: "registry.k8s.io/cluster-api/cluster-api-controller:v1.8.5"}
        """
    )
    assert [o.written for o in found] == ["registry.k8s.io/cluster-api/cluster-api-controller:v1.8.5"]  # type: ignore[union-attr]


def test_anchor_shared_by_two_containers_is_reported_once() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - &main {name: a, image: "app:1"}
          containers:
            - *main
            - {<<: *main, name: b}
        """
    )
    assert rows(found) == [("app:1", "app:1", 6, 31)]


def test_documents_without_api_version_and_kind_are_skipped() -> None:
    found = run(
        """\
        kind: Pod
        spec: {containers: [{image: "a:1"}]}
        ---
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: x}
        spec: {containers: [{image: "b:1"}]}
        """
    )
    assert rows(found) == [("b:1", "b:1", 8, 30)]


def test_syntax_error_is_one_scan_error_with_position() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        spec:
          containers:
          - image: nginx
          ...
         env: []
        """
    )
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert (found[0].location.line, found[0].location.column) == (7, 2)
    assert found[0].message


def test_control_characters_are_a_scan_error_with_position() -> None:
    found = list(kubernetes.scan("apiVersion: v1\nkind: Pod\nx: a\x07b\n", "p.yaml", ScanOptions()))
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert (found[0].location.line, found[0].location.column) == (3, 5)


def test_crlf_and_multibyte_positions() -> None:
    lines = [
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: é}",
        "spec:",
        "  containers:",
        "  - {name: é, image: 'a:1'}",
    ]
    text = "\r\n".join(lines) + "\r\n"
    found = list(kubernetes.scan(text, "p.yaml", ScanOptions()))
    assert rows(found) == [("a:1", "a:1", 6, 23)]
    assert found[0].location.end_column == 26  # type: ignore[union-attr]


def test_alias_bomb_finishes_fast() -> None:
    lines = [
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: bomb}",
        "x0: &a0 [{containers: [{image: 'a:1'}]}]",
    ]
    for level in range(1, 60):
        lines.append(f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    lines.append("spec: {containers: [{image: *a59}], initContainers: *a59}")
    started = time.perf_counter()
    found = run("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert rows(found[:1]) == [("a:1", "a:1", 4, 33)]
    # spec.containers[0].image is the aliased list (placed at its anchor): refused by the API
    assert [(type(item).__name__, item.location.line) for item in found[1:]] == [("ScanError", 63)]


def test_deep_nesting_is_refused_not_a_crash() -> None:
    text = "apiVersion: v1\nkind: Pod\nspec: " + "[" * 5000 + "]" * 5000 + "\n"
    found = list(kubernetes.scan(text, "p.yaml", ScanOptions()))
    assert len(found) == 1 and isinstance(found[0], ScanError)


def test_envsubst_variables_are_unresolved_not_invalid():
    from policylint.model import ScanOptions
    from policylint.scanners import kubernetes

    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: ${IMAGE_URI}\n"
        "  - name: b\n    image: ${IMG:-ghcr.io/acme/app:v1}\n"
        "  - name: c\n    image: $REGION-docker.pkg.dev/$PROJECT/app:1\n"
    )
    found = [(o.written, o.resolved, o.unresolved) for o in kubernetes.scan(text, "p.yaml", ScanOptions())]
    assert found == [
        ("${IMAGE_URI}", "", ("IMAGE_URI",)),
        ("${IMG:-ghcr.io/acme/app:v1}", "ghcr.io/acme/app:v1", ()),
        ("$REGION-docker.pkg.dev/$PROJECT/app:1", "-docker.pkg.dev//app:1", ("REGION", "PROJECT")),
    ]


def test_openshift_template_parameters_give_their_defaults():
    """`oc process` fills `${NAME}` from the template's parameters; only those without a value
    stay unresolved, and the defaults belong to their own template document."""
    found = run(
        """\
        apiVersion: template.openshift.io/v1
        kind: Template
        metadata: {name: api}
        parameters:
          - name: REGISTRY
            value: image-registry.openshift-image-registry.svc:5000
          - name: TAG
            value: "1.0"
          - name: SECRET
            generate: expression
        objects:
          - apiVersion: apps.openshift.io/v1
            kind: DeploymentConfig
            metadata: {name: api}
            spec:
              template:
                spec:
                  containers:
                    - name: api
                      image: ${REGISTRY}/shop/api:${TAG}
                    - name: sidecar
                      image: ${REGISTRY}/shop/sidecar:${SIDECAR_TAG}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: elsewhere}
        spec:
          containers:
            - name: a
              image: ${REGISTRY}/shop/api:${TAG}
        """
    )
    assert [(o.resolved, o.unresolved, o.context.get("object")) for o in found] == [  # type: ignore[union-attr]
        ("image-registry.openshift-image-registry.svc:5000/shop/api:1.0", (), "DeploymentConfig/api"),
        ("image-registry.openshift-image-registry.svc:5000/shop/sidecar:", ("SIDECAR_TAG",), "DeploymentConfig/api"),
        ("/shop/api:", ("REGISTRY", "TAG"), "Pod/elsewhere"),
    ]


def test_helm_values_inside_flux_and_argo_cd_objects_are_read_as_values():
    """A Flux HelmRelease's spec.values and an Argo CD Application's helm.valuesObject are Helm
    values: image maps are joined, each reference is reported once, beside the object."""
    found = run(
        """\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: radarr, namespace: media}
        spec:
          chart:
            spec: {chart: app-template, version: 3.7.1}
          values:
            controllers:
              radarr:
                containers:
                  app:
                    image:
                      repository: ghcr.io/onedr0p/radarr
                      tag: 5.18.1
            sidecar:
              image: busybox:1.36
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: redis, namespace: argocd}
        spec:
          sources:
            - repoURL: https://charts.bitnami.com/bitnami
              helm:
                valuesObject:
                  image: {registry: docker.io, repository: bitnami/redis, tag: 7.4.1}
        """
    )
    assert rows(found) == [
        ("ghcr.io/onedr0p/radarr:5.18.1", "ghcr.io/onedr0p/radarr:5.18.1", 13, 27),
        ("busybox:1.36", "busybox:1.36", 16, 14),
        ("docker.io/bitnami/redis:7.4.1", "docker.io/bitnami/redis:7.4.1", 26, 52),
    ]
    assert [(o.kind, o.context) for o in found] == [  # type: ignore[union-attr]
        ("helm", {"object": "HelmRelease/radarr", "namespace": "media",
                  "key": "spec.values.controllers.radarr.containers.app.image"}),
        ("helm", {"object": "HelmRelease/radarr", "namespace": "media", "key": "spec.values.sidecar.image"}),
        ("helm", {"object": "Application/redis", "key": "spec.sources[0].helm.valuesObject.image"}),
    ]  # an Application without a destination namespace: `argocd` is where Argo CD runs, not the chart


def test_charts_installed_by_gitops_objects_take_the_namespace_they_go_to():
    """Environments match where the workloads run: Flux's targetNamespace, Argo CD's
    destination namespace; not the namespace the HelmRelease or Application object lives in."""
    found = run(
        """\
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata: {name: api, namespace: flux-system}
        spec:
          targetNamespace: prod
          values: {image: {repository: ghcr.io/acme/api, tag: v1.0.0}}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: api-prod, namespace: argocd}
        spec:
          destination: {server: https://kubernetes.default.svc, namespace: prod}
          source:
            helm:
              valuesObject: {image: "ghcr.io/acme/api:v1.0.0"}
        """
    )
    assert [o.context.get("namespace") for o in found] == ["prod", "prod"]  # type: ignore[union-attr]


KUSTOMIZATION = """\
resources:
  - ./deployment.yaml
images:
  - name: ghcr.io/acme/api
    newTag: v1.4.2
  - name: redis
  - name: envoyproxy/envoy
    newName: registry.acme.com/envoy
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - {name: api, image: ghcr.io/acme/api}
        - {name: pinned, image: "ghcr.io/acme/api:dev"}
        - {name: cache, image: redis}
        - {name: proxy, image: envoyproxy/envoy}
---
apiVersion: actions.summerwind.dev/v1alpha1
kind: RunnerDeployment
metadata: {name: runners}
spec:
  template:
    spec:
      image: ghcr.io/acme/api:v0.27.6
"""


def test_images_a_kustomization_beside_the_file_rewrites_are_left_to_it():
    """`kubectl apply -k` deploys what the kustomization's `images:` say (reported there), so a
    container's spelling of an image whose tag the kustomization sets is not judged. An entry
    with only newName keeps the manifest's tag, and kustomize rewrites only container images
    (not a custom resource's `image` field): those are judged as written."""
    def scan(name: str, kustomization: Optional[str]) -> List[str]:
        options = ScanOptions(kustomization=(KUSTOMIZATION, name) if kustomization else None)
        return [o.written for o in kubernetes.scan(DEPLOYMENT, f"base/{name}", options)]  # type: ignore[union-attr]

    everything = ["ghcr.io/acme/api", "ghcr.io/acme/api:dev", "redis", "envoyproxy/envoy", "ghcr.io/acme/api:v0.27.6"]
    assert scan("deployment.yaml", "kustomization.yaml") == ["redis", "envoyproxy/envoy", "ghcr.io/acme/api:v0.27.6"]
    assert scan("other.yaml", "kustomization.yaml") == everything  # not one of its resources
    assert scan("deployment.yaml", None) == everything  # no kustomization of the run lists it


def test_a_rename_beside_the_file_resolves_its_containers_and_leaves_ephemeral_ones():
    """An entry with only newName: the container is judged as the renamed reference (its own tag
    kept). kustomize 5.8 rewrites containers and initContainers, not ephemeralContainers: one of
    those with a retagged image is judged as written (it was left to the kustomization)."""
    kustomization = "resources: [pod.yaml]\nimages:\n  - {name: app, newName: reg.example/app}\n" \
                    "  - {name: tool, newTag: v2}\n"
    pod = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
           "    - {name: a, image: 'app:v1'}\n    - {name: t, image: 'tool:v1'}\n"
           "  initContainers:\n    - {name: i, image: 'app@sha256:" + "a" * 64 + "'}\n"
           "  ephemeralContainers:\n    - {name: e, image: 'tool:v1'}\n")
    options = ScanOptions(kustomization=(kustomization, "pod.yaml"))
    found = [(o.written, o.resolved) for o in kubernetes.scan(pod, "pod.yaml", options)]  # type: ignore[union-attr]
    assert found == [("app:v1", "reg.example/app:v1"), ("app@sha256:" + "a" * 64, "reg.example/app@sha256:" + "a" * 64),
                     ("tool:v1", "tool:v1")]


def test_a_kustomization_beside_the_file_gives_its_objects_its_namespace():
    """kustomize sets its `namespace:` on every object it lists (over their own), and that
    namespace selects environments; a file it does not list keeps its own."""
    kustomization = "namespace: prod\nresources: [deployment.yaml]\n"

    def namespaces(name: str) -> List[Optional[str]]:
        options = ScanOptions(kustomization=(kustomization, name))
        text = DEPLOYMENT.replace("metadata: {name: api}", "metadata: {name: api, namespace: dev}")
        return [o.context.get("namespace") for o in kubernetes.scan(text, name, options)]  # type: ignore[union-attr]

    assert set(namespaces("deployment.yaml")) == {"prod"}
    assert namespaces("other.yaml") == ["dev", "dev", "dev", "dev", None]


def test_duplicate_key_is_reported_and_images_beside_it_still_found():
    from policylint.model import ScanError, ScanOptions
    from policylint.scanners import kubernetes

    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "  - name: a\n    image: nginx:1.27\n    resources:\n      requests: {cpu: 1}\n      requests: {cpu: 2}\n"
    )
    found = list(kubernetes.scan(text, "p.yaml", ScanOptions()))
    errors = [(item.location.line, item.location.column) for item in found if isinstance(item, ScanError)]
    images = [item.written for item in found if not isinstance(item, ScanError)]
    assert errors == [(10, 7)]
    assert images == ["nginx:1.27"]


def test_prefilter_skips_documents_without_image_text_only(monkeypatch) -> None:
    """Documents without `image` in their text are not walked; the ones beside them are."""
    walked = []
    real = kubernetes._template_parameters  # read once for each document walked
    monkeypatch.setattr(kubernetes, "_template_parameters", lambda document, header, merged: walked.append(True) or
                        real(document, header, merged))
    found = run(
        """\
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec: {containers: [{name: a, image: "nginx:1"}]}
        """
    )
    assert rows(found) == [("nginx:1", "nginx:1", 9, 39)]
    assert walked.count(True) == 1  # only the Pod document was walked


def test_prefilter_keeps_keys_spelled_with_escapes() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: a
              "\\x69mage": "redis:7"
        """
    )
    assert rows(found) == [("redis:7", "redis:7", 7, 20)]


def test_prefilter_reads_an_image_through_an_anchor_in_the_same_document() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        x-base: &base {name: a, image: "busybox:1"}
        spec:
          containers:
            - <<: *base
        """
    )
    assert rows(found) == [("busybox:1", "busybox:1", 4, 33)]


def test_prefilter_skips_subtrees_without_image_text(monkeypatch) -> None:
    walked = []
    real = kubernetes._embedded_header  # asked of every mapping walked below the document
    monkeypatch.setattr(kubernetes, "_embedded_header", lambda node, merged: walked.append(
        (node.start_mark.line + 1, node.start_mark.column + 1)) or real(node, merged))
    found = run(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            spec:
              affinity: {nodeAffinity: {required: {terms: [{key: zone}]}}}
              containers: [{name: a, image: "nginx:1"}]
        """
    )
    assert rows(found) == [("nginx:1", "nginx:1", 9, 38)]
    # spec, template, template.spec below the document; not selector (5:13) or affinity (8:17)
    assert walked == [(5, 3), (7, 5), (8, 7)]


def test_subtrees_are_all_walked_when_an_alias_brings_text_from_elsewhere() -> None:
    found = run(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - &c {name: a, image: "nginx:1"}
          initContainers:
            - *c
          x: {y: {<<: *c}}
        """
    )
    assert rows(found) == [("nginx:1", "nginx:1", 6, 28)]


def test_argocd_operator_joins_image_and_version_other_operators_do_not():
    """argocd-operator pulls `image:version` (CombineImageTag); prometheus-operator uses a set
    `image` as written, so there `version` is no tag (an untagged image stays untagged)."""
    found = run(
        """\
        apiVersion: argoproj.io/v1beta1
        kind: ArgoCD
        metadata: {name: gitops}
        spec:
          image: quay.io/argoproj/argocd
          version: v2.14.20
          redis: {image: docker.io/library/redis, version: 7.2.7-alpine}
          applicationSet: {image: "quay.io/argoproj/argocd:v2.13.0", version: v2.14.20}
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: Prometheus
        metadata: {name: k8s}
        spec: {image: quay.io/prometheus/prometheus, version: v2.54.1}
        """
    )
    assert [(o.resolved, o.location.line) for o in found] == [  # type: ignore[union-attr]
        ("quay.io/argoproj/argocd:v2.14.20", 5),
        ("docker.io/library/redis:7.2.7-alpine", 7),
        ("quay.io/argoproj/argocd:v2.13.0", 8),
        ("quay.io/prometheus/prometheus", 13),
    ]
    assert part_lines(found[0])["tag"] == (6, 12)


# --- documents without `image` are blanked out before composing (text_to_compose) ---

_BUNDLE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  note: |+\n    kept\n\n"
    "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: 'nginx:1'}\n"
    "--- # a comment after the marker\napiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {é: ü}}\n"
    "...\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - image: |+\n      redis:7\n\n"
    "---\nkind: Role\nrules: [{verbs: [get]}]\n"
)


def _composed(text):
    """Every scalar of every document as (value, tag, line, column, index): what a scan can see."""
    found = []

    def walk(node):
        if isinstance(node, yamldoc.ScalarNode):
            mark = node.start_mark
            found.append((node.value, node.tag, mark.line, mark.column, mark.index))
        elif isinstance(node, yamldoc.MappingNode):
            for key, value in node.value:
                walk(key)
                walk(value)
        elif isinstance(node, yamldoc.SequenceNode):
            for item in node.value:
                walk(item)

    for document in yamldoc.compose_all(text):
        if isinstance(document, yamldoc.ScalarNode) and document.tag.endswith(":null"):
            continue  # what stands for a blanked run of documents
        walk(document)
    return found


def _image_documents(text):
    """The scalars of the documents whose text holds `image`, composed from `text` itself."""
    return [item for item in _composed(text) if "image" in _document_text_holding(text, item[4])]


def _document_text_holding(text, index):
    starts = [0] + [i + 1 for i in range(len(text)) if text.startswith(("\n---", "\n..."), i)]
    start = max(s for s in starts if s <= index)
    ends = [s for s in starts if s > index]
    return text[start:ends[0] if ends else len(text)]


@pytest.mark.parametrize("text", [_BUNDLE, _BUNDLE.replace("\n", "\r\n")])
def test_blanked_text_keeps_every_position_of_the_documents_with_an_image(text):
    blanked = kubernetes.text_to_compose(text)
    assert blanked != text and len(blanked) == len(text)
    assert blanked.count("\n") == text.count("\n")
    assert "ConfigMap" not in blanked and "Service" not in blanked and "Role" not in blanked
    assert _composed(blanked) == _image_documents(text)
    # `redis:7\n\n` keeps its blank line (`|+`), and takes in none of the blanked text after it
    assert ("redis:7\n\n" if "\r" not in text else "redis:7\n\n") in [item[0] for item in _composed(blanked)]


@pytest.mark.parametrize("kept", [
    "---\nkind: Secret\n\"\\x69mage\": x\n",  # an escape spells `image`
    "---\nkind: Secret\nk: \"ima\\\n  ge\"\n",  # so does an escaped line break
    "---\nkind: Secret\na: *undefined\n",  # composing fails where parsing does not
    "---\nkind: Secret\na: &x 1\nb: &x 2\n",
    "---\nname: app\nservices: {}\n",  # a compose document another one may need
    "---\nkind: Secret\nk: a\rb\n",  # a lone CR is a line break to libyaml
    "---\nkind: Secret\nk: 'a\u2028b'\n",
])
def test_documents_that_may_matter_are_composed_as_written(kept):
    text = "kind: Pod\nspec: {containers: [{image: 'nginx:1'}]}\n" + kept
    assert kubernetes.text_to_compose(text) is text


def test_a_directive_keeps_the_whole_text():
    text = "%TAG !e! tag:example.com,2000:\n---\nkind: Secret\n---\nkind: Pod\nspec: {containers: [{image: x}]}\n"
    assert kubernetes.text_to_compose(text) is text


def test_a_syntax_error_in_a_document_without_image_is_still_reported_where_it_is():
    text = "kind: Pod\nspec: {containers: [{image: 'nginx:1'}]}\n---\nkind: ConfigMap\ndata: {a: [1, 2}\n"
    assert kubernetes.text_to_compose(text) is text  # the blanked document does not parse
    found = list(kubernetes.scan(text, "m.yaml", ScanOptions()))
    assert [(type(item).__name__, item.location.line) for item in found] == [("ScanError", 5)]


def test_without_the_prefilter_nothing_is_blanked(monkeypatch):
    monkeypatch.setattr(kubernetes, "PREFILTER", False)
    assert kubernetes.text_to_compose(_BUNDLE) is _BUNDLE


def test_blanking_matches_composing_the_whole_text_on_random_bundles():
    """Bundles of random documents, some with an image: the scan finds the same with and
    without blanking, and every blanked text keeps the positions of what it composes."""
    generator = random.Random(11)
    parts = [
        "kind: Pod\nspec:\n  containers:\n  - image: 'nginx:{n}'\n",
        "kind: Deployment\nspec: {{template: {{spec: {{containers: [{{image: redis:{n}}}]}}}}}}\n",
        "kind: ConfigMap\ndata:\n  k{n}: |\n    line\n    other\n",
        "kind: Service\nmetadata: {{name: s{n}}}\nspec: {{ports: [{{port: {n}}}]}}\n",
        "kind: Role\nrules: ['*']\n",
        "kind: Secret\nstringData: {{a: \"x\\ty\"}}\n",
        "kind: Broken\nspec: [1, {n}\n",
        "# only a comment {n}\n",
        "kind: Pod\nspec:\n  containers:\n  - image: |+\n      busybox:{n}\n\n",
    ]
    markers = ["---\n", "--- \n", "---  # c\n", "...\n---\n"]
    compared = 0
    for _ in range(300):
        chosen = [generator.choice(parts).format(n=generator.randint(0, 99)) for _ in range(generator.randint(1, 6))]
        text = chosen[0] + "".join(generator.choice(markers) + part for part in chosen[1:])
        blanked = kubernetes.text_to_compose(text)
        assert len(blanked) == len(text)
        expected = [_row(item) for item in kubernetes.scan(text, "m.yaml", ScanOptions())]
        if blanked is not text:
            assert _composed(blanked) == _image_documents(text)
            compared += 1
        with_prefilter = expected
        original = kubernetes.PREFILTER
        kubernetes.PREFILTER = False
        try:
            without = [_row(item) for item in kubernetes.scan(text, "m.yaml", ScanOptions())]
        finally:
            kubernetes.PREFILTER = original
        # only duplicate keys in a document without an image go unreported; none are generated
        assert with_prefilter == without, text
    assert compared > 100


def _row(item):
    return (type(item).__name__, getattr(item, "written", None), getattr(item, "message", None),
            item.location.line, item.location.column)


def test_prefilter_steps_aside_only_for_escapes_that_can_make_letters():
    """`\\t` or `\\\\` make no letter; a hex escape or an escaped line break can spell `image`."""
    joined = ('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n'
              '  - ? "ima\\\n      ge"\n    : "redis:7"\n')  # an explicit key may span lines
    assert [item.written for item in kubernetes.scan(joined, "p.yaml", ScanOptions())] == ["redis:7"]
    for text, expected in [
        ('kind: ConfigMap\ndata: {a: "x\\ty\\\\z"}\n', "all"),
        ('kind: ConfigMap\ndata: {a: "\\x69"}\n', "none"),
        ('kind: ConfigMap\ndata: {a: "x\\\n  y"}\n', "none"),
    ]:
        (document,) = yamldoc.compose_all(text)
        assert kubernetes.KubeState(text).text_filter(document) == expected, text
