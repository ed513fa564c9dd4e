"""Compose scanner: services, build contexts, interpolation, anchors, positions."""

from __future__ import annotations

import time
from textwrap import dedent
from typing import Dict, List, Mapping, Optional

from scanner_support import rows, scan_errors

from policylint.model import ScanError, ScanOptions
from policylint.scanners import compose


def run(text: str, dotenv: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> List[object]:
    siblings: Dict[str, str] = {".env": dotenv} if dotenv is not None else {}
    options = ScanOptions(environ=environ, read_sibling=siblings.get)
    return list(compose.scan(dedent(text), "compose.yaml", options))


def test_service_images_with_positions_and_context() -> None:
    found = run(
        """\
        services:
          web:
            image: nginx:1.25
          api:
            build: .
            image: "registry.acme.com/api:v1"
          worker:
            image: 'redis'
        """
    )
    assert rows(found) == [
        ("nginx:1.25", "nginx:1.25", 3, 12),
        ("registry.acme.com/api:v1", "registry.acme.com/api:v1", 6, 13),
        ("redis", "redis", 8, 13),
    ]
    assert [o.location.end_column for o in found] == [22, 37, 18]
    assert [dict(o.context) for o in found] == [
        {"service": "web"},
        {"service": "api", "pushed": "true"},
        {"service": "worker"},
    ]
    assert {o.kind for o in found} == {"compose"}


def test_anchor_in_extension_block_is_reported_once_at_its_line() -> None:
    found = run(
        """\
        x-base: &base
          image: ghcr.io/acme/base:1.0
          restart: always
        x-other:
          image: not-a-service:1
        services:
          one:
            <<: *base
          two:
            <<: *base
            environment: {A: b}
          three:
            <<: *base
            image: own:2
        """
    )
    assert rows(found) == [
        ("ghcr.io/acme/base:1.0", "ghcr.io/acme/base:1.0", 2, 10),
        ("own:2", "own:2", 14, 12),
    ]
    assert found[0].context == {"service": "one"}  # type: ignore[union-attr]


def test_dotenv_interpolation_with_defaults_and_dollar_escape() -> None:
    dotenv = "\n".join(
        [
            "# registry settings",
            "export REGISTRY=registry.acme.com",
            'TAG="1.2.3"  ',
            "EMPTY=",
            "QUOTED='lit$eral'",
            "NESTED=${REGISTRY}/lib   # inline comment",
        ]
    )
    found = run(
        """\
        services:
          a: {image: "${REGISTRY}/app:${TAG}"}
          b: {image: "$REGISTRY/b:${MISSING:-fallback}"}
          c: {image: "c:${EMPTY-unused}x"}
          d: {image: "d:${EMPTY:-used}"}
          e: {image: "e:$${TAG}"}
          f: {image: "${NESTED}:${MUST:?set it}"}
          g: {image: "g:${QUOTED}"}
        """,
        dotenv=dotenv,
    )
    assert rows(found) == [
        ("${REGISTRY}/app:${TAG}", "registry.acme.com/app:1.2.3", 2, 15),
        ("$REGISTRY/b:${MISSING:-fallback}", "registry.acme.com/b:fallback", 3, 15),
        ("c:${EMPTY-unused}x", "c:x", 4, 15),
        ("d:${EMPTY:-used}", "d:used", 5, 15),
        ("e:$${TAG}", "e:${TAG}", 6, 15),
        ("${NESTED}:${MUST:?set it}", "registry.acme.com/lib:", 7, 15),
        ("g:${QUOTED}", "g:lit$eral", 8, 15),
    ]
    assert [o.unresolved for o in found] == [(), (), (), (), (), ("MUST",), ()]  # type: ignore[union-attr]


def test_process_environment_only_with_use_env_and_it_wins() -> None:
    text = """\
    services:
      a:
        image: app:${TAG}
    """
    assert rows(run(text, dotenv="TAG=1\n")) == [("app:${TAG}", "app:1", 3, 12)]
    assert rows(run(text, dotenv="TAG=1\n", environ={"TAG": "2"})) == [("app:${TAG}", "app:2", 3, 12)]
    missing = run(text)
    assert rows(missing) == [("app:${TAG}", "app:", 3, 12)]
    assert missing[0].unresolved == ("TAG",)  # type: ignore[union-attr]


def test_additional_contexts_docker_image_values() -> None:
    found = run(
        """\
        services:
          app:
            build:
              context: .
              additional_contexts:
                base: docker-image://alpine:3.19
                src: ../src
          lib:
            build:
              additional_contexts:
                - tools=docker-image://ghcr.io/acme/tools:${V:-2}
                - "other=https://example.com/x.git"
        """
    )
    assert rows(found) == [
        ("alpine:3.19", "alpine:3.19", 6, 30),
        ("ghcr.io/acme/tools:${V:-2}", "ghcr.io/acme/tools:2", 11, 32),
    ]
    assert [o.location.end_column for o in found] == [41, 58]  # type: ignore[union-attr]
    assert [o.context for o in found] == [{"service": "app"}, {"service": "lib"}]  # type: ignore[union-attr]


def test_dockerfile_inline_base_images() -> None:
    """`build.dockerfile_inline` is a Dockerfile: its FROM and COPY --from images are pulled at
    build time. Build args come from `build.args`; stage names are not images."""
    found = run(
        """\
        services:
          api:
            build:
              args:
                BASE: python:3.12-slim
              dockerfile_inline: |
                ARG BASE
                FROM golang:1.23 AS build
                FROM $${BASE}
                COPY --from=build /out /app
                COPY --from=busybox:1.36 /bin/sh /sh
          job:
            build:
              args: ["REGISTRY=${REGISTRY}"]
              dockerfile_inline: "ARG REGISTRY\\nFROM $${REGISTRY}/base:2\\n"
        """,
        dotenv="REGISTRY=registry.acme.com\n",
    )
    # compose interpolates the text first (`$$` is a literal `$`); a line it changed shows the
    # image as the file writes it, where it stands; a quoted value is placed at the value
    assert rows(found) == [
        ("golang:1.23", "golang:1.23", 8, 14),
        ("$${BASE}", "python:3.12-slim", 9, 14),
        ("busybox:1.36", "busybox:1.36", 11, 21),
        ("$${REGISTRY}/base:2", "registry.acme.com/base:2", 15, 27),
    ]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"service": "api", "instruction": "FROM"},
        {"service": "api", "instruction": "FROM"},
        {"service": "api", "instruction": "COPY --from"},
        {"service": "job", "instruction": "FROM"},
    ]
    assert {o.kind for o in found} == {"compose"}  # type: ignore[union-attr]
    assert found[0].location.end_column == 25  # type: ignore[union-attr]


def test_values_that_are_not_images_are_skipped() -> None:
    found = run(
        """\
        services:
          c: {image: }
          d: {image: ""}
          f: {build: .}
          g: null
          h: {image: yes}
        """
    )
    # `yes` is a boolean only to YAML 1.1; compose's loader (YAML 1.2) reads the text "yes"
    assert found == []


def test_an_image_compose_refuses_is_a_parse_error_at_its_value() -> None:
    """compose's schema wants a string: `image: 12345` stops `docker compose` ("services.e.image
    must be a string"), so it is reported where it stands instead of passing silently."""
    found = run(
        """\
        services:
          a: {image: {name: x}}
          b: {image: [x]}
          e: {image: 12}
          t:
            image: true
          v:
            image: 1.10
          w:
            image: 2024-01-01
          q: {image: "12"}
          r:
            image: {{ app_image }}
        """
    )
    errors = scan_errors(found)
    assert errors == [
        ("image must be a string, not a mapping: docker compose refuses this file", 2, 14),
        ("image must be a string, not a list: docker compose refuses this file", 3, 14),
        ('image must be a string, not an integer: docker compose refuses this file; quote it: "12"', 4, 14),
        ('image must be a string, not a boolean: docker compose refuses this file; quote it: "true"', 6, 12),
        ('image must be a string, not a number: docker compose refuses this file; quote it: "1.10"', 8, 12),
        ('image must be a string, not a date: docker compose refuses this file; quote it: "2024-01-01"', 10, 12),
    ]
    assert rows(found[len(errors):]) == [("12", "12", 11, 15)]


def test_template_placeholders_are_not_references() -> None:
    """An Ansible or Jinja template of a compose file: `{{ }}` is filled in before compose runs."""
    found = run(
        """        services:
          a: {image: "{{ busybox_image }}"}
          b: {image: "ghcr.io/acme/{{ name }}:1.0"}
          c:
            build:
              additional_contexts:
                base: "docker-image://{{ base }}"
          d: {image: "nginx:1.27"}
        """
    )
    assert rows(found) == [("nginx:1.27", "nginx:1.27", 8, 15)]


def test_a_named_template_that_does_not_parse_is_reported_as_a_template() -> None:
    """cookiecutter-django's `{{cookiecutter.project_slug}}/docker-compose.local.yml`: unquoted
    `{{ }}` and `{% %}` are not YAML until rendered. A file named as a compose file is reported
    all the same (it cannot be parsed), with the way out in the message."""
    found = run(
        """\
        volumes:
          {{ cookiecutter.project_slug }}_local_postgres_data: {}
        services:
          django:{% if cookiecutter.use_celery == 'y' %} &django{% endif %}
            image: {{ cookiecutter.project_slug }}_local_django
          {%- if cookiecutter.mail_catcher == 'Mailpit' %}
          mailpit:
            image: docker.io/axllent/mailpit:latest
          {%- endif %}
        """
    )
    assert scan_errors(found) == [
        ("while parsing a block mapping did not find expected key: this is an unrendered template ({{ }} or "
         "{% %}): check its rendered output, or list it under the policy's ignore", 2, 34),
    ]


def test_a_syntax_error_away_from_any_template_text_is_still_reported() -> None:
    found = run(
        """\
        services:
          web:
            image: nginx:1.27
            healthcheck: {test: ["CMD", "docker", "inspect", "--format", "{{ .State.Health }}"]}
          api:
            image: [ghcr.io/acme/api:1.0
        """
    )
    assert scan_errors(found) == [("while parsing a flow sequence did not find expected ',' or ']'", 7, 1)]


def test_syntax_error_is_one_scan_error_with_position() -> None:
    found = run("services:\n  web:\n    image: [nginx\n")
    assert len(found) == 1 and isinstance(found[0], ScanError)
    assert (found[0].location.path, found[0].location.line, found[0].location.column) == (
        "compose.yaml",
        4,
        1,
    )


def test_crlf_positions() -> None:
    found = run('services:\r\n  web:\r\n    image: nginx:1\r\n  db:\r\n    image: "postgres:16"\r\n')
    assert rows(found) == [("nginx:1", "nginx:1", 3, 12), ("postgres:16", "postgres:16", 5, 13)]
    assert [o.location.end_column for o in found] == [19, 24]  # type: ignore[union-attr]


def test_alias_bomb_finishes_fast() -> None:
    lines = ["x-a: &a0 [image, image, image, image, image, image, image, image, image]"]
    for level in range(1, 40):
        lines.append(f"x-a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    lines += [
        "services:",
        "  web:",
        "    image: nginx:1",
        "    command: *a39",
        "  b:",
        "    <<: {image: *a39}",
    ]
    started = time.perf_counter()
    found = run("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert rows(found[:1]) == [("nginx:1", "nginx:1", 43, 12)]
    # b's image is the aliased list (placed where its anchor is): compose refuses it
    assert [(type(item).__name__, item.location.line) for item in found[1:]] == [("ScanError", 40)]


def test_parse_dotenv() -> None:
    values = compose.parse_dotenv(
        dedent(
            """\
            A=1
            export B = two words # comment
            C="quoted # not a comment\\n"
            D='single ${A}'
            E=${A}-${B}
            F=a#b
            not a line
            =nokey
            G
            IMAGE: ghcr.io/acme/app:1.2.3
            URL=http://x:80
            """
        )
    )
    assert values == {
        "A": "1",
        "B": "two words",
        "C": "quoted # not a comment\n",
        "D": "single ${A}",
        "E": "1-two words",
        "F": "a#b",
        "IMAGE": "ghcr.io/acme/app:1.2.3",  # compose-go's YAML style: the key ends at the first `:`
        "URL": "http://x:80",  # ... or `=`, whichever comes first
    }


def test_compose_merge_tags_override_and_reset() -> None:
    """compose's `!override` keeps the value (at its own column, past the tag), `!reset` drops it."""
    found = run(
        """\
        services:
          web:
            image: !override nginx:1.27
          job:
            image: !reset null
          app:
            image: ghcr.io/acme/app:1.0
            build: !reset null
          quoted: {image: !override "redis:7"}
        """
    )
    assert rows(found) == [("nginx:1.27", "nginx:1.27", 3, 22), ("ghcr.io/acme/app:1.0", "ghcr.io/acme/app:1.0", 7, 12),
                           ("redis:7", "redis:7", 9, 30)]
    assert [o.context for o in found] == [{"service": "web"}, {"service": "app"}, {"service": "quoted"}]  # no pushed


def test_dockerfile_inline_with_a_compose_variable_without_value() -> None:
    """compose interpolates the inline Dockerfile first; a variable it has no value for leaves
    the image unknown: an unresolved reference (named as written), even where the line's image
    became empty, never silence or a false invalid reference."""
    found = run(
        """\
        services:
          a:
            build:
              dockerfile_inline: |
                FROM ${BASE}
                RUN true
          b:
            build:
              dockerfile_inline: |
                FROM --platform=linux/amd64 ${REG}/app:1.0
          c:
            build:
              dockerfile_inline: |
                FROM ${SET}
        """,
        dotenv="SET=alpine:3.20\n",
    )
    assert [(o.written, o.resolved, o.unresolved, o.location.line, o.location.column)  # type: ignore[union-attr]
            for o in found] == [
        ("${BASE}", "", ("BASE",), 5, 14),
        ("${REG}/app:1.0", "/app:1.0", ("REG",), 10, 37),
        ("${SET}", "alpine:3.20", (), 14, 14),
    ]
    assert [o.context for o in found] == [  # type: ignore[union-attr]
        {"service": "a", "instruction": "FROM"},
        {"service": "b", "instruction": "FROM"},
        {"service": "c", "instruction": "FROM"},
    ]


def test_a_later_document_of_the_file_overrides_a_service_image() -> None:
    """compose-go merges a file's documents in order: only the last image of a service is pulled
    (`!reset` removes it); a service a later document leaves alone keeps its image."""
    found = run(
        """\
        services:
          web: {image: "nginx:latest"}
          db: {image: "postgres:16"}
          job: {image: "busybox:1"}
        ---
        services:
          web: {image: "nginx:1.27"}
          db: {restart: always}
          job: {image: !reset null}
        ---
        volumes: {data: {}}
        """
    )
    assert rows(found) == [("postgres:16", "postgres:16", 3, 16), ("nginx:1.27", "nginx:1.27", 7, 17)]


def test_documents_of_another_kind_do_not_override_compose_images() -> None:
    from policylint.scanners import yamlfile

    text = dedent(
        """\
        services:
          web: {image: "nginx:1.26"}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, services: {web: {image: x}}}
        spec: {containers: [{name: web, image: "nginx:1.27"}]}
        """
    )
    found = list(yamlfile.scan(text, "stack.yaml", ScanOptions()))
    assert rows(found) == [("nginx:1.26", "nginx:1.26", 2, 17), ("nginx:1.27", "nginx:1.27", 7, 41)]


def test_dockerfile_inline_lines_compose_changed_keep_their_columns() -> None:
    """Where compose's interpolation changed a line, a reference still sits where the compose
    file writes it: a FROM image at its own word (a continuation line too), a `COPY --from`
    image at its column when nothing before it changed, else at the line's start."""
    found = run(
        """\
        services:
          a:
            build:
              dockerfile_inline: |
                FROM --platform=$${P} \\
                  ${IMG:-alpine:3.20} AS x
                COPY --from=${SRC:-busybox:1} /a /b
                COPY --chown=$${U} --from=${SRC:-busybox:1} /a /b
        """
    )
    assert rows(found) == [
        ("${IMG:-alpine:3.20}", "alpine:3.20", 6, 11),
        ("busybox:1", "busybox:1", 7, 21),
        ("busybox:1", "busybox:1", 8, 9),
    ]


def test_compose_project_name_is_set_for_interpolation() -> None:
    """compose sets COMPOSE_PROJECT_NAME: the file's `name:`, else its folder's name normalized
    (lowercase letters, digits, `-`, `_`); `.env` or the environment still win."""
    text = "services:\n  a: {image: 'registry.local/${COMPOSE_PROJECT_NAME}:1.0'}\n"
    named = "name: shop\n" + text

    def resolved(source: str, folder: Optional[str], dotenv: str = "") -> List[str]:
        options = ScanOptions(read_sibling={".env": dotenv}.get, folder=folder)
        return [o.resolved for o in compose.scan(source, "compose.yaml", options)]  # type: ignore[union-attr]

    assert resolved(named, "/src/My App_1") == ["registry.local/shop:1.0"]
    assert resolved(text, "/src/My App_1") == ["registry.local/myapp_1:1.0"]
    assert resolved(text, "/src/_Odd.Name") == ["registry.local/oddname:1.0"]
    assert resolved(named, "/src/x", dotenv="COMPOSE_PROJECT_NAME=from-env\n") == ["registry.local/from-env:1.0"]
    unknown = list(compose.scan(text, "compose.yaml", ScanOptions()))  # standard input: no folder
    assert [o.unresolved for o in unknown] == [("COMPOSE_PROJECT_NAME",)]  # type: ignore[union-attr]


def test_a_block_scalar_image_sits_where_its_text_is() -> None:
    """`image: >-` on one line, the reference on the next: the position is the reference's own."""
    found = run("services:\n  a:\n    image: >-  # folded\n      busybox:1.36\n  b:\n    image: 'nginx:1'\n")
    assert rows(found) == [("busybox:1.36", "busybox:1.36", 4, 7), ("nginx:1", "nginx:1", 6, 13)]


def test_builds_name_each_dockerfile_with_its_args_and_contexts() -> None:
    """What `docker compose build` hands each Dockerfile on disk: the path joined from the file's
    folder, the context and `dockerfile`; interpolated args; the names of additional contexts.
    A remote context or an inline Dockerfile has no file here."""
    text = dedent(
        """\
        services:
          short: {build: ./web}
          full:
            build:
              context: ..
              dockerfile: docker/${FLAVOUR:-api}.Dockerfile
              args: ["VERSION=${VERSION}", PLAIN]
              additional_contexts: {base: "docker-image://alpine:3.19", src: ./src}
          remote: {build: "https://github.com/acme/app.git#main"}
          inline: {build: {dockerfile_inline: "FROM alpine:3.19"}}
          image_only: {image: nginx:1.27}
        """
    )
    options = ScanOptions(read_sibling={".env": "VERSION=1.2.3\nPLAIN=x\n"}.get, folder="/repo/deploy")
    assert compose.builds(text, options) == [
        ("/repo/deploy/web/Dockerfile", {}, frozenset()),
        ("/repo/docker/api.Dockerfile", {"VERSION": "1.2.3", "PLAIN": "x"}, frozenset({"base", "src"})),
    ]
    assert compose.builds(text, ScanOptions()) == []  # standard input: no folder to start from
    assert compose.builds("services: [", options) == []  # reported when the file itself is checked


def test_a_version_one_file_is_refused_and_its_images_still_read() -> None:
    """Compose file format v1 keeps services at the top level: docker compose v2 refuses it (a
    parse-error at the first one), and its images are still judged, not silently dropped."""
    found = run(
        """\
        version: "1"
        statsd:
          image: dockerana/statsd
        x-base: {image: "not:a-service"}
        volumes: {data: {}}
        carbon: {build: ./carbon, image: "dockerana/carbon:1"}
        """
    )
    assert isinstance(found[0], ScanError) and (found[0].location.line, found[0].location.column) == (2, 1)
    assert "Compose file format v1" in found[0].message
    assert rows(found[1:]) == [("dockerana/statsd", "dockerana/statsd", 3, 10),
                               ("dockerana/carbon:1", "dockerana/carbon:1", 6, 35)]
    assert run("version: '3'\nnetworks: {a: {}}\n") == []  # nothing there is a service


def test_an_anchor_or_tag_before_an_image_is_not_its_position() -> None:
    """libyaml starts a node at its anchor or tag; the reference is the text after them."""
    found = run(
        """\
        services:
          web: {image: &web registry.acme.com/web:latest}
          worker:
            image: !!str nginx
          db:
            image: &db   'postgres:16'
          cache:
            image: !!str "redis:7"
          copy: {image: *web}
        """
    )
    assert rows(found) == [("registry.acme.com/web:latest", "registry.acme.com/web:latest", 2, 21),
                           ("nginx", "nginx", 4, 18), ("postgres:16", "postgres:16", 6, 19), ("redis:7", "redis:7", 8, 19)]
    assert [o.location.end_column for o in found] == [49, 23, 30, 26]  # type: ignore[union-attr]


def test_dotenv_values_built_from_variables_are_bounded() -> None:
    """1 MiB of `Bn=-$A` lines, A 4,000 characters long, expanded to 400 MB; the total of such
    values is bounded and those past it are unset (the first ones keep their values)."""
    lines = ["A=" + "x" * 4000] + [f"B{index}=-$A" for index in range(100_000)]
    values = compose.parse_dotenv("\n".join(lines) + "\n")
    assert values["B0"] == "-" + "x" * 4000
    assert "B99999" not in values
    assert sum(map(len, values.values())) <= 8 << 20


def test_escaped_double_quoted_images_and_tags_on_their_own_line_are_placed_at_their_text() -> None:
    """Escapes make a quoted value shorter than its source, so its start is found by reading the
    text forward past an anchor or tag, not backward from its end."""
    found = run(
        """\
        services:
          a:
            image: "ngin\\x78"
          b:
            image: !override "ngin\\x78"
          c:
            image: !override
              nginx
          d:
            image: &d "\\u006eginx:1"
        """
    )
    assert [(o.location.line, o.location.column) for o in found] == [(3, 13), (5, 23), (8, 7), (10, 16)]  # type: ignore[union-attr]
    assert [o.resolved for o in found] == ["nginx", "nginx", "nginx", "nginx:1"]  # type: ignore[union-attr]


def test_a_folder_s_dotenv_is_parsed_once_for_all_its_compose_files() -> None:
    """A large `.env` beside many compose files was parsed again for each one."""
    dotenv = "".join(f"K{index}=value{index}\n" for index in range(40_000)) + "TAG=1.27\n"
    options = ScanOptions(read_sibling={".env": dotenv}.get)
    started = time.perf_counter()
    for _ in range(60):
        found = list(compose.scan("services:\n  a: {image: 'nginx:${TAG}'}\n", "compose.yaml", options))
        assert [o.resolved for o in found] == ["nginx:1.27"]  # type: ignore[union-attr]
    assert time.perf_counter() - started < 4
