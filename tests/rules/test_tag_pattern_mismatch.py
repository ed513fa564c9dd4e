from helpers import findings, lint

POLICY = r"""
version: 1
environments:
  release:
    match: {paths: ["deploy/prod/**"]}
    images: [registry.acme.com/**]
    tags: {pattern: '^v\d+\.\d+\.\d+$'}
  beta:
    match: {paths: ["deploy/staging/**"]}
    images: [registry.acme.com/**]
    tags: {pattern: '^v\d+\.\d+\.\d+-(beta|rc)\.\d+$'}
"""


def test_release_rejects_beta_tag():
    text = "FROM registry.acme.com/shop/app:v1.4.0-beta.2\n"
    assert lint(text, path="deploy/prod/Dockerfile", policy=POLICY) == [("tag-pattern-mismatch", 1, 6)]
    (finding,) = findings(text, path="deploy/prod/Dockerfile", policy=POLICY)
    assert finding.environment == "release"
    assert "release" in finding.message and "v1.4.0-beta.2" in finding.message


def test_release_accepts_release_tag_and_beta_accepts_beta_tag():
    assert lint("FROM registry.acme.com/shop/app:v1.4.0\n", path="deploy/prod/Dockerfile", policy=POLICY) == []
    assert lint("FROM registry.acme.com/shop/app:v1.4.0-rc.1\n", path="deploy/staging/Dockerfile",
                policy=POLICY) == []


def test_pattern_is_a_full_match():
    assert lint("FROM registry.acme.com/shop/app:v1.4.0.1\n", path="deploy/prod/Dockerfile",
                policy=POLICY) == [("tag-pattern-mismatch", 1, 6)]


def test_images_scope_leaves_third_party_images_alone():
    assert lint("FROM redis:7.2\n", path="deploy/prod/Dockerfile", policy=POLICY) == []


def test_file_outside_every_environment_gets_global_rules_only():
    assert lint("FROM registry.acme.com/shop/app:feature-x\n", path="src/Dockerfile", policy=POLICY) == []


def test_env_option_forces_the_environment():
    assert lint("FROM registry.acme.com/shop/app:feature-x\n", path="src/Dockerfile", policy=POLICY,
                env="beta") == [("tag-pattern-mismatch", 1, 6)]


def test_digest_without_tag_is_a_mismatch_but_missing_tag_is_tag_missing():
    digest = "sha256:" + "b" * 64
    assert lint(f"FROM registry.acme.com/shop/app@{digest}\n", path="deploy/prod/Dockerfile",
                policy=POLICY) == [("tag-pattern-mismatch", 1, 6)]
    assert lint("FROM registry.acme.com/shop/app\n", path="deploy/prod/Dockerfile",
                policy=POLICY) == [("tag-missing", 1, 6)]


NAMESPACE_POLICY = r"""
version: 1
environments:
  release:
    match: {namespaces: [prod, "prod-*"]}
    images: [registry.acme.com/**]
    tags: {pattern: '^v\d+\.\d+\.\d+$'}
"""

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: %s}
spec:
  containers:
  - name: app
    image: registry.acme.com/shop/app:v1.2.0-beta.1
  - name: cache
    image: redis:7.2
"""


def test_namespace_selects_the_environment_per_object():
    assert lint(MANIFEST % "prod-eu", kind="yaml", path="k8s/pod.yaml", policy=NAMESPACE_POLICY) == [
        ("tag-pattern-mismatch", 7, 12)]
    assert lint(MANIFEST % "dev", kind="yaml", path="k8s/pod.yaml", policy=NAMESPACE_POLICY) == []


def test_namespace_per_document_in_one_file():
    text = MANIFEST % "dev" + "---\n" + MANIFEST % "prod"
    assert lint(text, kind="yaml", path="k8s/pods.yaml", policy=NAMESPACE_POLICY) == [
        ("tag-pattern-mismatch", 17, 12)]
    (finding,) = findings(text, kind="yaml", path="k8s/pods.yaml", policy=NAMESPACE_POLICY)
    assert finding.environment == "release" and finding.context["namespace"] == "prod"
