"""Helm values scanner: image strings, image mappings joined into references, defaults."""

from __future__ import annotations

import time
from textwrap import dedent
from typing import Dict, List, Optional

import pytest
from scanner_support import part_lines, rows

from policylint.model import ScanError, ScanOptions
from policylint.scanners import helm

CHART = "apiVersion: v2\nname: demo\nversion: 1.0.0\nappVersion: 2.5.0\n"


def run(text: str, chart: Optional[str] = CHART) -> List[object]:
    siblings: Dict[str, str] = {"Chart.yaml": chart} if chart is not None else {}
    return list(helm.scan(dedent(text), "chart/values.yaml", ScanOptions(read_sibling=siblings.get)))


def test_image_strings_anywhere() -> None:
    found = run(
        """\
        image: nginx:1.25
        sidecar:
          extraContainers:
            - name: proxy
              image: "envoyproxy/envoy:v1.30"
        mlmdImage: gcr.io/tfx/mlmd:1.14.0
        imagePullPolicy: Always
        pullImage: true
        image2: not-an-image-key
        """
    )
    assert rows(found) == [
        ("nginx:1.25", "nginx:1.25", 1, 8),
        ("envoyproxy/envoy:v1.30", "envoyproxy/envoy:v1.30", 5, 15),
        ("gcr.io/tfx/mlmd:1.14.0", "gcr.io/tfx/mlmd:1.14.0", 6, 12),
    ]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"key": "image"},
        {"key": "sidecar.extraContainers[0].image"},
        {"key": "mlmdImage"},
    ]
    assert found[1].location.end_column == 37  # type: ignore[union-attr]
    assert {o.kind for o in found} == {"helm"}  # type: ignore[union-attr]


def test_bitnami_mapping_with_float_looking_tag() -> None:
    found = run(
        """\
        server:
          image:
            registry: docker.io
            repository: bitnami/redis
            tag: 1.10
            digest: ""
            pullPolicy: IfNotPresent
        """
    )
    assert rows(found) == [("docker.io/bitnami/redis:1.10", "docker.io/bitnami/redis:1.10", 4, 17)]
    assert found[0].context == {"key": "server.image"}  # type: ignore[union-attr]
    assert found[0].location.end_column is None  # type: ignore[union-attr]
    assert part_lines(found[0]) == {"registry": (3, 15), "repository": (4, 17), "tag": (5, 10)}


def test_empty_or_missing_tag_falls_back_to_app_version() -> None:
    text = """\
    a:
      image:
        repository: acme/a
        tag: ""
    b:
      image:
        repository: acme/b
    c:
      image:
        repository: acme/c:pinned
    """
    found = run(text)
    assert rows(found) == [
        ("acme/a", "acme/a:2.5.0", 3, 17),
        ("acme/b", "acme/b:2.5.0", 7, 17),
        ("acme/c:pinned", "acme/c:pinned", 10, 17),
    ]
    assert part_lines(found[0]) == {"repository": (3, 17), "tag": (4, 11)}
    assert part_lines(found[1]) == {"repository": (7, 17)}
    assert [o.unresolved for o in found] == [(), (), ()]  # type: ignore[union-attr]
    # without the chart's appVersion, the tag is the chart's to decide: unresolved, not `latest`
    alone = run(text, chart=None)
    assert rows(alone)[:2] == [("acme/a", "acme/a", 3, 17), ("acme/b", "acme/b", 7, 17)]
    assert [o.unresolved for o in alone] == [(".Chart.AppVersion",), (".Chart.AppVersion",), ()]  # type: ignore
    assert rows(run(text, chart="appVersion: [unclosed\n"))[0] == ("acme/a", "acme/a", 3, 17)
    digest = run('image: {repository: acme/d, tag: "", digest: "sha256:' + "0" * 64 + '"}\n', chart=None)
    assert [o.unresolved for o in digest] == [()]  # type: ignore[union-attr]


@pytest.mark.parametrize("app_version, tag", [
    ("6.10", "6.1"),  # pgadmin4's chart deployed 6.1 (rowanruseler/helm-charts#156)
    ("7.0", "7"), ("1.25", "1.25"), ("1_0.5", "10.5"),
    ('"6.10"', "6.10"), ("'7.0'", "7.0"), ("6.10.1", "6.10.1"), ("10", "10"), ("v1.0", "v1.0"), (".inf", ".inf"),
])
def test_an_unquoted_number_as_app_version_is_the_float_helm_renders(app_version: str, tag: str) -> None:
    found = run('image: {repository: acme/a, tag: ""}\n', chart=f"apiVersion: v2\nappVersion: {app_version}\n")
    assert rows(found) == [("acme/a", f"acme/a:{tag}", 1, 21)]


def test_global_registry_and_tag_defaults() -> None:
    found = run(
        """\
        global:
          imageRegistry: registry.acme.com
          imageTag: v9
        app:
          image: {repository: team/app, tag: v1}
        own:
          image: {registry: quay.io, repository: team/own, tag: v2}
        hosted:
          image: {repository: ghcr.io/x/y}
        """
    )
    assert rows(found) == [
        ("team/app:v1", "registry.acme.com/team/app:v1", 5, 23),
        ("quay.io/team/own:v2", "quay.io/team/own:v2", 7, 42),
        ("ghcr.io/x/y", "ghcr.io/x/y:v9", 9, 23),
    ]
    assert part_lines(found[0]) == {"registry": (2, 18), "repository": (5, 23), "tag": (5, 38)}
    assert part_lines(found[2]) == {"repository": (9, 23), "tag": (3, 13)}


def test_a_set_global_image_registry_replaces_a_docker_hub_registry() -> None:
    """Bitnami's values name `registry: docker.io` in every image, and `common.images.image`
    renders a set `global.imageRegistry` over it (a mirror for the whole chart). A mapping naming
    another registry keeps it: kubeflow's charts pin `quay.io` beside their global registry."""
    found = run(
        """\
        global:
          imageRegistry: mirror.acme.com
        image:
          registry: docker.io
          repository: bitnami/kubewatch
          tag: 0.1.0-debian-10-r162
        hub:
          image: {registry: registry-1.docker.io, repository: bitnami/os-shell, tag: "12"}
        authProxy:
          image: {registry: quay.io, repository: brancz/kube-rbac-proxy, tag: v0.4.0}
        """
    )
    assert rows(found) == [
        ("docker.io/bitnami/kubewatch:0.1.0-debian-10-r162", "mirror.acme.com/bitnami/kubewatch:0.1.0-debian-10-r162",
         5, 15),
        ("registry-1.docker.io/bitnami/os-shell:12", "mirror.acme.com/bitnami/os-shell:12", 8, 55),
        ("quay.io/brancz/kube-rbac-proxy:v0.4.0", "quay.io/brancz/kube-rbac-proxy:v0.4.0", 10, 42),
    ]
    assert part_lines(found[0])["registry"] == (2, 18)  # a registry finding points at the mirror


def test_an_empty_global_registry_or_the_image_map_form_is_only_a_default() -> None:
    """Bitnami's own values leave `imageRegistry: ""`; SAP CAP's `global.image.registry` is
    `.image.registry | default .Values.global.image.registry` in their helper."""
    empty = run(
        """\
        global:
          imageRegistry: ""
        image: {registry: docker.io, repository: bitnami/nginx, tag: "1.27"}
        """
    )
    assert rows(empty) == [("docker.io/bitnami/nginx:1.27", "docker.io/bitnami/nginx:1.27", 3, 42)]
    mapped = run(
        """\
        global:
          image: {registry: registry.acme.example}
        image: {registry: docker.io, repository: bitnami/nginx, tag: "1.27"}
        """
    )
    assert rows(mapped) == [("docker.io/bitnami/nginx:1.27", "docker.io/bitnami/nginx:1.27", 3, 42)]


def test_pictures_under_image_keys_are_not_references() -> None:
    """A web UI's `logoImage` or `ogImage` holds a picture; `image` itself is always a container."""
    found = run(
        """\
        ui:
          logoImage: https://example.com/static/logo.png
          backgroundImage: /static/bg.JPG
          ogImage: "static/og-image.webp"
          sidecarImage: busybox:1.36
        image: logo.png
        """
    )
    assert rows(found) == [("busybox:1.36", "busybox:1.36", 5, 17), ("logo.png", "logo.png", 6, 8)]


def test_version_is_the_tag_of_an_image_map_without_one() -> None:
    """Linkerd's `{name, version}` maps: `name:(version | default linkerdVersion)`; `tag` wins."""
    found = run(
        """\
        proxyInit:
          image: {name: cr.l5d.io/linkerd/proxy-init, version: v2.0.0}
        proxy:
          image: {name: cr.l5d.io/linkerd/proxy, version: ""}
        both:
          image: {repository: acme/app, tag: "1.2", version: "9"}
        """
    )
    assert rows(found) == [
        ("cr.l5d.io/linkerd/proxy-init:v2.0.0", "cr.l5d.io/linkerd/proxy-init:v2.0.0", 2, 17),
        ("cr.l5d.io/linkerd/proxy", "cr.l5d.io/linkerd/proxy:2.5.0", 4, 17),
        ("acme/app:1.2", "acme/app:1.2", 6, 23),
    ]
    assert part_lines(found[0])["tag"] == (2, 56)


def test_an_image_string_takes_its_image_version_sibling() -> None:
    """Linkerd's `controllerImage` with `controllerImageVersion`, like `fooImage` + `fooImageTag`."""
    found = run(
        """\
        controllerImage: cr.l5d.io/linkerd/controller
        controllerImageVersion: edge-24.1.1
        """
    )
    assert rows(found) == [("cr.l5d.io/linkerd/controller:edge-24.1.1", "cr.l5d.io/linkerd/controller:edge-24.1.1",
                            1, 18)]


def test_a_default_registry_in_the_image_map_comes_after_the_global_one() -> None:
    """Kyverno 3.5+: `default (default .image.defaultRegistry .globalRegistry) .image.registry`."""
    found = run(
        """\
        admissionController:
          container:
            image: {registry: ~, defaultRegistry: reg.kyverno.io, repository: kyverno/kyverno, tag: v1.15.0}
        own:
          image: {registry: ghcr.io, defaultRegistry: reg.kyverno.io, repository: kyverno/own, tag: v1}
        """
    )
    assert [row[1] for row in rows(found)] == ["reg.kyverno.io/kyverno/kyverno:v1.15.0", "ghcr.io/kyverno/own:v1"]
    assert part_lines(found[0])["registry"] == (3, 43)
    mirrored = run(
        """\
        global:
          image: {registry: mirror.acme.com}
        image: {defaultRegistry: reg.kyverno.io, repository: kyverno/kyverno, tag: v1.15.0}
        """
    )
    assert [row[1] for row in rows(mirrored)] == ["mirror.acme.com/kyverno/kyverno:v1.15.0"]


def test_cilium_override_and_use_digest() -> None:
    """Cilium: a set `override` is the whole reference; `useDigest: false` leaves the digest out."""
    found = run(
        """\
        image:
          override: "registry.acme.example/cilium/cilium:v1.15.0-acme"
          repository: quay.io/cilium/cilium
          tag: v1.15.0
        hubble:
          image: {override: ~, repository: quay.io/cilium/hubble, tag: v1.15.0, digest: "sha256:%s", useDigest: false}
        mirror:
          image: {override: "registry.acme.example/hubble:v1"}
        """ % ("1" * 64)
    )
    assert rows(found) == [
        ("registry.acme.example/cilium/cilium:v1.15.0-acme", "registry.acme.example/cilium/cilium:v1.15.0-acme", 2, 14),
        ("quay.io/cilium/hubble:v1.15.0", "quay.io/cilium/hubble:v1.15.0", 6, 36),
        ("registry.acme.example/hubble:v1", "registry.acme.example/hubble:v1", 8, 22),
    ]


def test_empty_repository_maps_take_the_root_default_repository() -> None:
    """Apache Airflow: `images.airflow: {repository: ~, tag: ~}` renders
    `defaultAirflowRepository:defaultAirflowTag`; the maps that take the same defaults are one
    reference, placed at the first; a map's own tag still wins."""
    found = run(
        """\
        defaultAirflowRepository: apache/airflow
        defaultAirflowTag: "2.7.3"
        defaultAirflowDigest: ~
        images:
          airflow: {repository: ~, tag: ~, digest: ~}
          pod_template: {repository: ~, tag: ~}
          flower: {repository: ~, tag: "2.7.2"}
          statsd: {repository: quay.io/prometheus/statsd-exporter, tag: v0.22.8}
        """
    )
    assert rows(found) == [
        ("apache/airflow:2.7.3", "apache/airflow:2.7.3", 5, 25),
        ("apache/airflow:2.7.2", "apache/airflow:2.7.2", 7, 24),
        ("quay.io/prometheus/statsd-exporter:v0.22.8", "quay.io/prometheus/statsd-exporter:v0.22.8", 8, 24),
    ]
    assert part_lines(found[0]) == {"repository": (1, 27), "tag": (2, 21)}


def test_without_one_root_default_repository_an_empty_map_is_no_reference() -> None:
    found = run(
        """\
        defaultAirflowRepository: apache/airflow
        defaultOtherRepository: acme/other
        images:
          airflow: {repository: ~, tag: ~}
        """
    )
    assert rows(found) == []


def test_global_image_map_gives_the_registry_and_tag_defaults() -> None:
    """SAP CAP's charts (`cds add kyma`) keep them as `global.image.{registry, tag}`; the map
    itself, with no repository, is no reference."""
    found = run(
        """\
        global:
          image:
            registry: registry.acme.example/bookshop
            tag: latest
        srv:
          image:
            repository: bookshop-srv
        """
    )
    assert rows(found) == [("bookshop-srv", "registry.acme.example/bookshop/bookshop-srv:latest", 7, 17)]
    assert part_lines(found[0]) == {"registry": (3, 15), "repository": (7, 17), "tag": (4, 10)}


def test_digest_and_sha() -> None:
    found = run(
        """\
        a:
          image:
            repository: acme/a
            tag: "1.0"
            digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        b:
          image:
            repository: acme/b
            tag: v2
            sha: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        """
    )
    digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    assert [o.resolved for o in found] == [f"acme/a:1.0@{digest}", f"acme/b:v2@{digest}"]  # type: ignore[union-attr]
    assert part_lines(found[0])["digest"] == (5, 13)
    assert part_lines(found[1])["digest"] == (10, 10)


def test_plural_images_and_maps_of_image_maps() -> None:
    found = run(
        """\
        images:
          api: {repository: acme/api, tag: "1"}
          web: {repository: acme/web, tag: "2"}
        job:
          image:
            busybox: {registry: docker.io, repository: busybox, tag: "1.36"}
            kubectl: {repo: registry.k8s.io/kubectl, tag: v1.30.0}
          otherImage:
            name: test-image
            tag: v1.0.0
        """
    )
    assert rows(found) == [
        ("acme/api:1", "acme/api:1", 2, 21),
        ("acme/web:2", "acme/web:2", 3, 21),
        ("docker.io/busybox:1.36", "docker.io/busybox:1.36", 6, 48),
        ("registry.k8s.io/kubectl:v1.30.0", "registry.k8s.io/kubectl:v1.30.0", 7, 21),
        ("test-image:v1.0.0", "test-image:v1.0.0", 9, 11),
    ]
    assert [o.context["key"] for o in found] == [  # type: ignore[union-attr]
        "images.api",
        "images.web",
        "job.image.busybox",
        "job.image.kubectl",
        "job.otherImage",
    ]


def test_templates_and_empty_repositories_are_skipped() -> None:
    found = run(
        """\
        a:
          image: "{{ .Values.global.image }}"
        b:
          image:
            repository: "{{ .Values.repo }}"
            tag: v1
        c:
          image:
            registry: docker.io
            repository: ""
            tag: v1
        d:
          image: {distroless: true}
        e:
          image: ""
        f:
          image: 12
        """
    )
    assert found == []


def test_istio_hub_tag_and_variant() -> None:
    found = run(
        """\
        defaults:
          hub: ""
          tag: ""
          image: pilot
          variant: distroless
          global:
            hub: docker.io/istio
            tag: 1.22.0
            proxy:
              image: proxyv2
            custom:
              image: other.io/full/path:1
        """,
        chart=None,
    )
    assert rows(found) == [
        ("docker.io/istio/pilot:1.22.0-distroless", "docker.io/istio/pilot:1.22.0-distroless", 4, 10),
        ("docker.io/istio/proxyv2:1.22.0-distroless", "docker.io/istio/proxyv2:1.22.0-distroless", 10, 14),
        ("other.io/full/path:1", "other.io/full/path:1", 12, 14),
    ]
    assert part_lines(found[0]) == {"registry": (7, 10), "repository": (4, 10), "tag": (8, 10)}


def test_image_map_naming_its_repository_image() -> None:
    """ingress-nginx: `image: {registry, image, tag, digest}` is one reference, not the bare name."""
    digest = "sha256:" + "0b" * 32
    found = run(
        f"""\
        controller:
          image:
            registry: k8s.gcr.io
            image: ingress-nginx/controller
            tag: "v1.1.1"
            digest: {digest}
            pullPolicy: IfNotPresent
        sidecar:
          image:
            image: busybox
            pullPolicy: Always
        """
    )
    reference = f"k8s.gcr.io/ingress-nginx/controller:v1.1.1@{digest}"
    assert rows(found) == [(reference, reference, 4, 12), ("busybox", "busybox", 10, 12)]
    assert part_lines(found[0]) == {"registry": (3, 15), "repository": (4, 12), "tag": (5, 11), "digest": (6, 13)}
    assert found[1].context == {"key": "sidecar.image.image"}  # type: ignore[union-attr]


def test_image_string_joined_with_the_tag_beside_it() -> None:
    """kserve and older stable charts keep the tag beside the image string: `{{ .image }}:{{ .tag }}`."""
    found = run(
        """\
        controller:
          image: kserve/kserve-controller
          tag: v0.9.0
        modelmeshImage: kserve/modelmesh
        modelmeshImageTag: v0.9.1
        jenkins:
          image: jenkins/jenkins
          imageTag: lts
        pinned:
          image: nginx:1.25
          tag: ignored
        untagged:
          image: redis
          tag: ""
        """
    )
    assert rows(found) == [
        ("kserve/kserve-controller:v0.9.0", "kserve/kserve-controller:v0.9.0", 2, 10),
        ("kserve/modelmesh:v0.9.1", "kserve/modelmesh:v0.9.1", 4, 17),
        ("jenkins/jenkins:lts", "jenkins/jenkins:lts", 7, 10),
        ("nginx:1.25", "nginx:1.25", 10, 10),
        ("redis", "redis", 13, 10),
    ]
    assert part_lines(found[0]) == {"repository": (2, 10), "tag": (3, 8)}


def test_nvidia_repository_image_version_split() -> None:
    """NVIDIA's charts: `repository` + `image` + `version` render `repository/image:version`."""
    found = run(
        """\
        driver:
          repository: nvcr.io/nvidia
          image: driver
          version: "550.54.15"
        toolkit:
          repository: nvcr.io/nvidia/k8s
          image: container-toolkit
        full:
          repository: ignored.example.com
          image: quay.io/acme/full:1
        """
    )
    assert rows(found) == [
        ("nvcr.io/nvidia/driver:550.54.15", "nvcr.io/nvidia/driver:550.54.15", 3, 10),
        ("nvcr.io/nvidia/k8s/container-toolkit", "nvcr.io/nvidia/k8s/container-toolkit", 7, 10),
        ("quay.io/acme/full:1", "quay.io/acme/full:1", 10, 10),
    ]
    assert part_lines(found[0]) == {"registry": (2, 15), "repository": (3, 10), "tag": (4, 13)}


def test_anchors_are_reported_once() -> None:
    found = run(
        """\
        base: &img
          repository: acme/base
          tag: v1
        a:
          image: *img
        b:
          image: *img
        """
    )
    assert rows(found) == [("acme/base:v1", "acme/base:v1", 2, 15)]


def test_syntax_error_is_one_scan_error() -> None:
    found = run("image:\n  repository: a\n tag: b\n")
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert found[0].location.line == 3


def test_alias_bomb_finishes_fast() -> None:
    lines = ["a0: &a0 [{image: 'x:1'}, {image: {repository: y, tag: '2'}}]"]
    for level in range(1, 60):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    started = time.perf_counter()
    found = run("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert rows(found) == [("x:1", "x:1", 1, 19), ("y:2", "y:2", 1, 47)]


def test_long_merge_chains_stay_linear() -> None:
    count = 3000
    lines = ["m0: &m0 {repository: acme/app, tag: v1}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, count)]
    lines += [f"c{i}:\n  image: *m{i}" for i in range(count)]
    started = time.perf_counter()
    found = run("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 3
    assert rows(found) == [("acme/app:v1", "acme/app:v1", 1, 22)]


def test_many_images_in_one_large_mapping_stay_linear() -> None:
    """8,000 top-level keys each holding an image: every image asks the root for `global` and
    its siblings for a tag, which scanned the whole mapping each time (minutes, not a second)."""
    count = 8000
    started = time.perf_counter()
    maps = run("".join(f"k{i}: {{image: nginx}}\n" for i in range(count)))
    strings = run("".join(f"k{i}Image: nginx\n" for i in range(count)) + "k7Tag: '1.27'\n")
    assert time.perf_counter() - started < 8
    assert len(maps) == count and len(strings) == count
    assert strings[7].resolved == "nginx"  # type: ignore[union-attr]  # kNImageTag would be its tag, not kNTag


def test_merged_image_maps_with_an_own_tag_are_distinct() -> None:
    found = run(
        """\
        base: &img
          repository: acme/base
          tag: v1
        a:
          image: {<<: *img}
        b:
          image: {<<: *img, tag: v2}
        """
    )
    assert rows(found) == [("acme/base:v1", "acme/base:v1", 2, 15), ("acme/base:v2", "acme/base:v2", 2, 15)]
    assert part_lines(found[1]) == {"repository": (2, 15), "tag": (7, 26)}


def test_keys_that_name_a_product_image_after_image_are_references() -> None:
    """Consul's chart: `global.imageK8S`, `imageConsulDataplane`, `imageEnvoy` (a helper's sweep
    found them unread); attributes of an image (`imagePullPolicy`, `imageTag`,
    `imageRepository`) are not references, nor values without a path or tag."""
    found = run(
        """\
        global:
          image: hashicorp/consul:1.20.1
          imageK8S: hashicorp/consul-k8s-control-plane:1.6.1
          imageConsulDataplane: "hashicorp/consul-dataplane:1.6.1"
          imagePullPolicy: IfNotPresent
          imageRepository: bitnami/redis
          imageRegistry: registry.acme.com/mirror
          imagePullSecrets: [{name: regcred}]
          imageLogo: https://example.com/logo.png
          imagesDir: /var/lib/x
          imageEnvoy: envoyproxy
        connectInject:
          imageEnvoy: envoyproxy/envoy:v1.31.2
        """
    )
    assert [o.written for o in found] == [  # type: ignore[union-attr]
        "hashicorp/consul:1.20.1", "hashicorp/consul-k8s-control-plane:1.6.1", "hashicorp/consul-dataplane:1.6.1",
        "envoyproxy/envoy:v1.31.2"]


def _with_and_without_prefilter(text: str) -> List[object]:
    """The scan of `text` with the text pre-filter, after checking it finds the same without."""
    filtered = run(text)
    original = helm.PREFILTER
    helm.PREFILTER = False
    try:
        unfiltered = run(text)
    finally:
        helm.PREFILTER = original
    assert [(repr(item)) for item in filtered] == [(repr(item)) for item in unfiltered]
    return filtered


@pytest.mark.parametrize("text, expected", [
    # keys that say `image` in another case, below mappings whose keys do not
    ("db:\n  primary:\n    IMAGE: postgres:16\n", ["postgres:16"]),
    ("jobs:\n  - name: a\n    hookImage: busybox:1.36\n", ["busybox:1.36"]),
    ("a:\n  b:\n    iMaGe: redis:7\n", ["redis:7"]),
    # an image map whose own text never says `image`: its key does
    ("app:\n  image: {repository: nginx, tag: '1.25'}\n", ["nginx:1.25"]),
    ("app:\n  images:\n    web: {repository: nginx, tag: '1.25'}\n", ["nginx:1.25"]),
    # an alias brings in a map from elsewhere: the filter steps aside
    ("base: &b {repository: nginx, tag: '1.25'}\napp:\n  x:\n    image: *b\n", ["nginx:1.25"]),
    ("base: &b\n  image: redis:7\napp:\n  x: *b\n", ["redis:7"]),
    # an escape spells the key: the filter steps aside
    ("app:\n  x:\n    \"\\x69mage\": nginx:1.25\n", ["nginx:1.25"]),
    ("app:\n  x:\n    ? \"ima\\\n      ge\"\n    : nginx:1.25\n", ["nginx:1.25"]),
    # lower-casing changes the text's length (U+0130): the filter steps aside, nothing moves
    ("note: " + "\u0130" * 40 + "\napp:\n  x:\n    Image: nginx:1.25\n", ["nginx:1.25"]),
    # nothing says `image`: nothing is walked, nothing found
    ("app:\n  resources: {limits: {cpu: 1}}\n  ports: [{port: 80}]\n", []),
])
def test_the_prefilter_skips_only_what_holds_no_image(text: str, expected: List[str]) -> None:
    found = _with_and_without_prefilter(text)
    assert [item.written for item in found] == expected  # type: ignore[union-attr]


def test_the_prefilter_on_random_values_finds_what_the_full_walk_finds() -> None:
    import random

    generator = random.Random(7)
    keys = ["image", "Image", "dbImage", "IMAGE", "repository", "tag", "name", "app", "sidecar", "x", "images",
            "imageK8S", "registry", "global", "imageRegistry", "digest"]
    values = ["nginx:1.25", "acme/app", "'1.0'", "~", "docker.io", "registry.acme.com/team/app:v2", "*a", "&a {image: x:1}"]

    def node(depth: int) -> str:
        if depth > 2 or generator.random() < 0.3:
            return generator.choice(values)
        items = [f"{generator.choice(keys)}: {node(depth + 1)}" for _ in range(generator.randint(1, 3))]
        return "{" + ", ".join(items) + "}" if generator.random() < 0.5 else "[" + node(depth + 1) + "]"

    compared = 0
    for _ in range(400):
        text = "\n".join(f"{key}{index}: {node(0)}" for index, key in
                         enumerate(generator.sample(keys, generator.randint(1, 4))))
        try:
            _with_and_without_prefilter(text + "\n")
        except Exception as error:  # pragma: no cover - a generated text that does not compose
            if "alias" not in str(error) and "anchor" not in str(error):
                raise
            continue
        compared += 1
    assert compared > 200
