"""Kustomize scanner: `images:` overrides joined as kustomize writes them."""

from __future__ import annotations

from textwrap import dedent
from typing import List

from scanner_support import part_lines, rows, scan_errors

from policylint.model import ScanError, ScanOptions
from policylint.scanners import kustomize


def run(text: str) -> List[object]:
    return list(kustomize.scan(dedent(text), "overlays/prod/kustomization.yaml", ScanOptions()))


DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def test_overrides() -> None:
    found = run(
        f"""\
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        resources: [deployment.yaml]
        images:
          - name: nginx
            newTag: "1.10"
          - name: app
            newName: registry.acme.com/team/app
            newTag: v1.2.3
          - name: pinned
            newName: registry.acme.com/pinned
            newTag: "1.0"
            digest: {DIGEST}
          - name: renamed
            newName: 'ghcr.io/acme/renamed'
          - name: untouched
          - name: suffixed
            tagSuffix: -rc1
        """
    )
    assert rows(found) == [
        ("nginx:1.10", "nginx:1.10", 5, 11),
        ("registry.acme.com/team/app:v1.2.3", "registry.acme.com/team/app:v1.2.3", 8, 14),
        # kustomize's image updater writes both: name:tag@digest
        (f"registry.acme.com/pinned:1.0@{DIGEST}", f"registry.acme.com/pinned:1.0@{DIGEST}", 11, 14),
        ("ghcr.io/acme/renamed", "ghcr.io/acme/renamed", 15, 15),
    ]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"image": "nginx"},
        {"image": "app"},
        {"image": "pinned"},
        {"image": "renamed"},
    ]
    assert {o.kind for o in found} == {"kustomize"}  # type: ignore[union-attr]
    assert part_lines(found[0]) == {"repository": (5, 11), "tag": (6, 14)}
    assert part_lines(found[1]) == {"repository": (8, 14), "tag": (9, 13)}
    assert part_lines(found[2]) == {"repository": (11, 14), "tag": (12, 14), "digest": (13, 13)}
    assert part_lines(found[3]) == {"repository": (15, 15)}


def test_deprecated_image_tags_are_read_as_images() -> None:
    """kustomize still appends `imageTags:` to `images:` (with a deprecation warning)."""
    found = run("imageTags:\n  - name: mysql\n    newName: ghcr.io/acme/mysql\n    newTag: '8.0'\n")
    assert rows(found) == [("ghcr.io/acme/mysql:8.0", "ghcr.io/acme/mysql:8.0", 3, 14)]


def test_a_number_where_kustomize_wants_text_is_a_parse_error() -> None:
    """`newTag: 1.10` stops kustomize ("cannot unmarshal number into Go struct field
    Image.images.newTag of type string"): reported at the value, the entry not read."""
    found = run("images:\n  - name: nginx\n    newTag: 1.10\n  - name: redis\n    newTag: '7.2'\n"
                "  - {name: app, newName: 12}\n")
    errors = scan_errors(found)
    assert errors == [('newTag must be a string, not a number: kustomize refuses this file; quote it: "1.10"', 3, 13),
                      ('newName must be a string, not an integer: kustomize refuses this file; quote it: "12"', 6, 26)]
    assert rows([item for item in found if not isinstance(item, ScanError)]) == [("redis:7.2", "redis:7.2", 4, 11)]


def test_files_without_images_and_odd_shapes() -> None:
    assert run("resources: [a.yaml]\n") == []
    assert [type(item).__name__ for item in run("images: {name: x}\n")] == ["ScanError"]  # kustomize refuses it
    assert run("- images\n") == []
    assert run("images:\n  - name: x\n    newTag: '{{ .tag }}'\n") == []


def test_syntax_error_is_one_scan_error() -> None:
    found = run("images:\n  - name: x\n   newTag: y\n")
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert found[0].location.line == 3


def test_the_kustomization_namespace_is_the_context_namespace() -> None:
    found = run("namespace: prod\nimages:\n  - {name: nginx, newTag: '1.27'}\n")
    assert [o.context for o in found] == [{"image": "nginx", "namespace": "prod"}]  # type: ignore[union-attr]


def test_an_entry_with_only_new_name_leaves_the_tag_to_the_manifests() -> None:
    """`kustomize edit set image app=reg.example/app` writes only newName: kustomize then keeps
    each manifest's tag and digest, so the entry is judged by its name alone."""
    from policylint.model import MANIFEST_TAG

    found = run("images:\n  - {name: app, newName: reg.example/app}\n  - {name: api, newName: reg.example/api, newTag: v2}\n")
    assert [(o.written, o.unresolved) for o in found] == [  # type: ignore[union-attr]
        ("reg.example/app", (MANIFEST_TAG,)), ("reg.example/api:v2", ())]


def test_a_rename_is_judged_by_name_here_and_by_tag_in_the_manifest_beside_it(tmp_path) -> None:
    """End to end, with kustomize 5.8's output as the oracle: `newName` only, beside a manifest
    it lists, deploys `reg.example/app:v1`. No false tag-missing at the entry, no registry finding
    for the `app` that is never deployed; the manifest's tag is still judged where it is written."""
    from policylint import engine
    from policylint.discovery import discover
    from policylint.policy import parse_policy

    (tmp_path / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\nimages:\n  - name: app\n    newName: reg.example/app\n"
        "  - name: bad\n    newName: Reg.Example/Bad\n  - name: web\n    newName: docker.io/library/web\n")
    (tmp_path / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - {name: a, image: 'app:latest'}\n        - {name: b, image: 'web:v1'}\n"
        f"        - {{name: c, image: 'app@{DIGEST}'}}\n")
    policy = parse_policy("version: 1\nregistries:\n  allow: [reg.example]\ndigests:\n  require: true\n",
                          ".policylint.yaml", str(tmp_path))
    result, _ = engine.run(discover([str(tmp_path)], root=str(tmp_path)).files, engine.EngineOptions(policy=policy),
                           jobs=1)
    rows = sorted((f.location.path, f.location.line, f.rule, f.message.split(":")[0]) for f in result.findings)
    assert rows == [
        ("deployment.yaml", 8, "digest-missing", "app"),
        ("deployment.yaml", 8, "tag-denied", "app"),  # `app:latest`, deployed as reg.example/app:latest
        ("deployment.yaml", 9, "digest-missing", "web"),
        ("deployment.yaml", 9, "registry-not-allowed", "web"),  # renamed to docker.io/library/web
        ("kustomization.yaml", 6, "invalid-reference", "Reg.Example/Bad is not a valid image reference"),
        ("kustomization.yaml", 8, "registry-not-allowed", "docker.io/library/web"),
    ]


def test_resources_are_paths_from_the_kustomization_folder() -> None:
    def listed_files(text: str) -> set:
        return kustomize.facts(text)[0]

    text = ("resources:\n  - deployment.yaml\n  - ./svc.yaml\n  - manifests/app/pod.yaml\n  - ./a/../b/./c.yaml\n"
            "  - ../base\n  - ../outside.yaml\n  - https://example.com/x.yaml\n  - /etc/x.yaml\n  - a/../../x.yaml\n")
    assert listed_files(text) == {"deployment.yaml", "svc.yaml", "manifests/app/pod.yaml", "b/c.yaml"}
    assert listed_files("resources: [\n") == set()  # its own scan reports the syntax error


def test_a_kustomization_decides_for_the_files_it_lists_in_folders_below_it(tmp_path) -> None:
    """`resources: [manifests/deployment.yaml]`: kustomize sets the namespace and rewrites the
    images of that file too (a helper's sweep: a `main` tag went to prod unflagged, and a
    retagged image in the subfolder was a false tag-missing)."""
    from policylint import engine
    from policylint.discovery import discover
    from policylint.policy import parse_policy

    (tmp_path / "manifests").mkdir()
    (tmp_path / "kustomization.yaml").write_text(
        "namespace: prod\nresources: [manifests/deployment.yaml]\nimages:\n  - {name: ghcr.io/acme/worker, newTag: v1.4.2}\n")
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
                  "      containers:\n        - {name: a, image: 'ghcr.io/acme/api:main'}\n"
                  "        - {name: w, image: ghcr.io/acme/worker}\n")
    (tmp_path / "manifests" / "deployment.yaml").write_text(deployment)
    (tmp_path / "manifests" / "unlisted.yaml").write_text(deployment)
    policy = parse_policy("version: 1\nenvironments:\n  release:\n    match: {namespaces: [prod]}\n"
                          "    tags: {pattern: '^v\\d+\\.\\d+\\.\\d+$'}\n", ".policylint.yaml", str(tmp_path))
    result, _ = engine.run(discover([str(tmp_path)], root=str(tmp_path)).files, engine.EngineOptions(policy=policy),
                           jobs=1)
    assert sorted((f.location.path, f.location.line, f.rule) for f in result.findings) == [
        ("manifests/deployment.yaml", 8, "tag-pattern-mismatch"),  # in prod, as kustomize puts it
        ("manifests/unlisted.yaml", 9, "tag-missing"),  # not listed: judged as written, in no environment
    ]


def test_only_the_first_document_is_read_as_kustomize_does() -> None:
    found = run("images:\n  - {name: a, newTag: v1}\n---\nimages:\n  - {name: b, newTag: v2}\n")
    assert [o.written for o in found] == ["a:v1"]  # type: ignore[union-attr]


def test_images_that_are_no_list_of_mappings_are_a_parse_error() -> None:
    """kustomize refuses the whole file; policylint said nothing."""
    errors = scan_errors(run("images:\n  name: a\n  newTag: v1\n"))
    assert errors == [("images must be a list of {name, newName, newTag, digest} mappings: kustomize refuses "
                       "this file", 2, 3)]
    errors = scan_errors(run("images:\n  - a:v1\n  - {name: b, newTag: v2}\n  - [c, v3]\n"))
    assert errors == [("an images entry must be a mapping ({name: ..., newTag: ...}): kustomize refuses this file",
                       line, 5) for line in (2, 4)]
    assert scan_errors(run("images:\nimageTags: ~\n")) == []
