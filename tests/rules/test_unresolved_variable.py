from helpers import findings, lint


def test_arg_without_default_is_unresolved_not_tag_missing():
    assert lint("ARG BASE\nFROM ${BASE}\n") == [("unresolved-variable", 2, 6)]
    (finding,) = findings("ARG BASE\nFROM ${BASE}\n")
    assert "BASE" in finding.message


def test_build_arg_resolves_it():
    assert lint("ARG BASE\nFROM ${BASE}\n", build_args={"BASE": "alpine:3.20"}) == []
    assert lint("ARG BASE\nFROM ${BASE}\n", build_args={"BASE": "alpine"}) == [("tag-missing", 2, 6)]


def test_names_every_missing_variable():
    (finding,) = findings("ARG REG\nARG TAG\nFROM $REG/app:$TAG\n")
    assert "REG" in finding.message and "TAG" in finding.message


def test_default_resolves_and_message_shows_resolution():
    (finding,) = findings("ARG TAG=latest\nFROM alpine:${TAG}\n")
    assert finding.rule == "tag-denied"
    assert "alpine:${TAG} (resolved to alpine:latest)" in finding.message


def test_compose_variable_missing_from_env_file():
    text = "services:\n  web:\n    image: nginx:${NGINX_TAG}\n"
    assert lint(text, kind="compose", path="compose.yaml") == [("unresolved-variable", 3, 12)]


def test_the_fix_says_what_gives_the_kind_of_file_a_value():
    (dockerfile,) = findings("ARG BASE\nFROM ${BASE}\n")
    assert "--build-arg" in dockerfile.fix
    (compose,) = findings("services:\n  web:\n    image: ${IMAGE}\n", kind="compose", path="compose.yaml")
    assert ".env" in compose.fix and "--build-arg" not in compose.fix
    manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ${IMAGE}\n"
    (kubernetes,) = findings(manifest, kind="kubernetes", path="pod.yaml")
    assert "envsubst" in kubernetes.fix and "--build-arg" not in kubernetes.fix


def test_helm_empty_tag_without_its_chart_is_left_to_the_chart_and_the_rest_is_judged():
    """An override values file, or one read without Chart.yaml: the template writes the chart's
    appVersion (`tag | default .Chart.AppVersion`), so the tag is unknown, not `latest`."""
    text = "image:\n  repository: quay.io/prometheus/alertmanager\n  tag: \"\"\n"
    policy = "version: 1\nregistries:\n  allow: [registry.acme.com]\n"
    assert lint(text, kind="helm", path="values.yaml") == [("unresolved-variable", 3, 9)]
    assert lint(text, kind="helm", path="values.yaml", policy=policy) == [
        ("registry-not-allowed", 2, 15), ("unresolved-variable", 3, 9)]
    (finding,) = findings(text, kind="helm", path="values.yaml")
    assert finding.severity.value == "warning"
    assert "left to the chart (.Chart.AppVersion)" in finding.message and "Chart.yaml" in finding.fix
