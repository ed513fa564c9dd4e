"""The Dockerfile scanner, case by case: each row is a Dockerfile and the references it holds,
as (written, resolved, unresolved, line, column), in file order."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.model import Location, Occurrence, ScanError, ScanOptions
from policylint.scanners import scan as scan_kind
from policylint.scanners.dockerfile import scan

Row = Tuple[str, str, Optional[Dict[str, str]], List[tuple]]
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
DIGEST = "sha256:" + "a" * 64


def refs(text: str, build_args: Optional[Dict[str, str]] = None) -> List[tuple]:
    results = list(scan(text, "Dockerfile", ScanOptions(build_args=build_args or {})))
    assert all(isinstance(r, Occurrence) for r in results), results
    return [(r.written, r.resolved, r.unresolved, r.location.line, r.location.column) for r in results]


def results(text: str, build_args: Optional[Dict[str, str]] = None) -> list:
    return list(scan(text, "Dockerfile", ScanOptions(build_args=build_args or {})))


def lit(written: str, line: int, column: int) -> tuple:
    """A reference with no variables: resolved is written."""
    return (written, written, (), line, column)


CASES: List[Row] = [
    # --- parser directives ---------------------------------------------------------------------
    ("syntax", "# syntax=docker/dockerfile:1\nFROM alpine:3.19\n", None,
     [lit("docker/dockerfile:1", 1, 10), lit("alpine:3.19", 2, 6)]),
    ("syntax key any case, spaces, frontend args",
     "#  Syntax = docker/dockerfile:1.4 --x=y\nFROM a:1\n", None,
     [lit("docker/dockerfile:1.4", 1, 13), lit("a:1", 2, 6)]),
    ("syntax after a shebang", "#!/usr/bin/env buildx\n# syntax=x/y:1\nFROM a:1\n", None,
     [lit("x/y:1", 2, 10), lit("a:1", 3, 6)]),
    ("syntax after escape and check", "# escape=`\n# check=skip=all\n# syntax=x/y:1\nFROM a:1\n", None,
     [lit("x/y:1", 3, 10), lit("a:1", 4, 6)]),
    ("syntax after a blank line is a comment", "\n# syntax=x/y:1\nFROM a:1\n", None, [lit("a:1", 3, 6)]),
    ("syntax after a comment is a comment", "# hello\n# syntax=x/y:1\nFROM a:1\n", None, [lit("a:1", 3, 6)]),
    ("syntax after an instruction is a comment", "FROM a:1\n# syntax=x/y:1\n", None, [lit("a:1", 1, 6)]),
    ("syntax after an unknown directive", "# foo=bar\n# syntax=x/y:1\nFROM a:1\n", None, [lit("a:1", 3, 6)]),
    ("indented syntax is not detected by the frontend", "  # syntax=x/y:1\nFROM a:1\n", None,
     [lit("a:1", 2, 6)]),
    ("CRLF syntax", "# syntax=x/y:1\r\nFROM a:1\r\n", None, [lit("x/y:1", 1, 10), lit("a:1", 2, 6)]),
    ("escape backtick", "# escape=`\nFROM `\n  nginx:1.25 AS a\nRUN dir C:\\\nFROM alpine:3\n", None,
     [lit("nginx:1.25", 3, 3), lit("alpine:3", 5, 6)]),
    ("escape key any case, indented", "  # ESCAPE = `\nFROM `\nnginx:1\n", None, [lit("nginx:1", 3, 1)]),
    ("escape after an instruction is a comment", "FROM a:1\n# escape=`\nFROM `\nb:1\n", None,
     [lit("a:1", 1, 6), lit("`", 3, 6)]),
    ("backslash is no continuation with backtick escape", "# escape=`\nFROM a:1\nRUN x \\\nFROM b:1\n", None,
     [lit("a:1", 2, 6), lit("b:1", 4, 6)]),
    # --- continuations, comments, case, whitespace ---------------------------------------------
    ("continuation", "FROM \\\n   nginx:1.2\n", None, [lit("nginx:1.2", 2, 4)]),
    ("continuation then spaces and tabs", "FROM \\  \t\n nginx:1.2\n", None, [lit("nginx:1.2", 2, 2)]),
    ("comments and blank lines inside an instruction", "FROM \\\n# c\n\n  \n   # indented\n nginx:1.2 AS b\n",
     None, [lit("nginx:1.2", 6, 2)]),
    ("flags on one line, image on the next", "FROM --platform=linux/amd64 \\\n\tnginx:1 AS b\n", None,
     [lit("nginx:1", 2, 2)]),
    ("escaped escape ends the line",
     "FROM a:1\nRUN echo \\\\\nFROM b:1\n", None, [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("continuation ends at EOF", "FROM a:1 \\", None, [lit("a:1", 1, 6)]),
    ("CRLF", "FROM nginx:1.25 AS a\r\nFROM \\\r\n  alpine:3.19\r\n", None,
     [lit("nginx:1.25", 1, 6), lit("alpine:3.19", 3, 3)]),
    ("AS compared as Go's EqualFold does", "FROM a:1 a\u017f b\nFROM B\n", None, [lit("a:1", 1, 6)]),
    ("keyword case, leading whitespace, AS case", "   from nginx:1 As Build\n\tFrOm build\n", None,
     [lit("nginx:1", 1, 9)]),
    ("tabs and vertical tabs separate", "FROM\t\tnginx:1\x0bAS\tb\n", None, [lit("nginx:1", 1, 7)]),
    ("unicode before the reference counts as characters", "FROM  nginx:1 AS b\nLABEL x=é\nFROM  é:1\n", None,
     [lit("nginx:1", 1, 7), lit("é:1", 3, 7)]),
    ("line separators are not line breaks", "FROM a:1\u2028\nFROM b:1\x85\n", None,
     [lit("a:1", 1, 6), lit("b:1", 2, 6)]),
    # --- heredocs --------------------------------------------------------------------------------
    ("heredoc body is not instructions", "FROM a:1\nRUN <<EOF\nFROM evil:1\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("chomped heredoc", "FROM a:1\nRUN <<-EOF\n\tFROM evil\n\t\tEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("double-quoted delimiter", 'FROM a:1\nRUN <<"END" sh\nFROM evil\nEND\nFROM b:1\n', None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("single-quoted delimiter", "FROM a:1\nRUN <<'END'\nFROM evil\nEND\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("several heredocs on one line", "FROM a:1\nRUN <<A cat - <<B\nFROM x\nA\nFROM y\nB\nFROM z:1\n", None,
     [lit("a:1", 1, 6), lit("z:1", 7, 6)]),
    ("COPY heredoc", "FROM a:1\nCOPY <<EOF /etc/x\nFROM evil\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("ADD heredoc with fd and flags", "FROM a:1\nADD --chmod=644 3<<EOF /x\nFROM evil\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("ONBUILD RUN heredoc", "FROM a:1\nONBUILD RUN <<EOF\nFROM evil\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("heredoc opened on a continued line",
     "FROM a:1\nRUN <<EOF \\\n  && true\nFROM evil\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 6, 6)]),
    ("indented terminator does not end <<EOF", "FROM a:1\nRUN <<EOF\n  EOF\nFROM evil\nEOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 6, 6)]),
    ("CRLF heredoc", "FROM a:1\r\nRUN <<EOF\r\nFROM evil\r\nEOF\r\nFROM b:1\r\n", None,
     [lit("a:1", 1, 6), lit("b:1", 5, 6)]),
    ("quoted << is no heredoc",
     'FROM a:1\nRUN echo "<<EOF"\nFROM b:1\n', None, [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("<< followed by a space is no heredoc", "FROM a:1\nRUN cat << EOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("an unmatched quote hides the heredoc, as BuildKit's lexer fails", 'FROM a:1\nRUN cat <<EOF "x\nFROM b:1\n',
     None, [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("here-string is no heredoc",
     "FROM a:1\nRUN cat <<<x\nFROM b:1\n", None, [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("JSON form holds no heredoc", 'FROM a:1\nRUN ["sh", "-c", "cat <<EOF"]\nFROM b:1\n', None,
     [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    ("other instructions hold no heredoc", "FROM a:1\nLABEL x=<<EOF\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    # --- FROM -------------------------------------------------------------------------------------
    ("platform flag with a variable", "FROM --platform=$X nginx AS b\n", None, [lit("nginx", 1, 20)]),
    ("quoted platform flag", 'FROM --platform="linux/amd64" nginx:1\n', None, [lit("nginx:1", 1, 31)]),
    ("scratch", "FROM scratch\nFROM scratch AS s\n", None, []),
    ("earlier stage names, any case",
     "FROM golang:1 AS Builder\nFROM builder\nFROM BUILDER AS x\nFROM X\n", None,
     [lit("golang:1", 1, 6)]),
    ("a later stage name is an image", "FROM base\nFROM alpine:3 AS base\n", None,
     [lit("base", 1, 6), lit("alpine:3", 2, 6)]),
    ("a stage is not its own base", "FROM x AS x\n", None, [lit("x", 1, 6)]),
    ("digest", f"FROM nginx@{DIGEST}\n", None, [lit(f"nginx@{DIGEST}", 1, 6)]),
    ("quoted image", 'FROM "nginx:1.25" AS a\n', None, [lit("nginx:1.25", 1, 7)]),
    # --- ARG scoping and variable forms --------------------------------------------------------
    ("global ARG default", "ARG TAG=1.25\nFROM nginx:$TAG\n", None, [("nginx:$TAG", "nginx:1.25", (), 2, 6)]),
    ("an ARG declared again without a value keeps it, as in BuildKit",
     "ARG BASE=alpine:3.20\nARG BASE\nFROM ${BASE}\nARG T=1\nARG T\nRUN --mount=from=b:1,target=/t true\n", None,
     [("${BASE}", "alpine:3.20", (), 3, 6), lit("b:1", 6, 18)]),
    ("escaped slash in a replacement, as BuildKit reads it", "ARG B=feature/x\nFROM app:${B//\\//-}\n", None,
     [("app:${B//\\//-}", "app:feature-x", (), 2, 6)]),
    ("escaped brace in a default", "FROM app:${T:-a\\}b}\n", None, [("app:${T:-a\\}b}", "app:a}b", (), 1, 6)]),
    ("build arg overrides the default", "ARG TAG=1.25\nFROM nginx:${TAG}\n", {"TAG": "2"},
     [("nginx:${TAG}", "nginx:2", (), 2, 6)]),
    ("build arg for an undeclared ARG is ignored", "FROM nginx:${TAG}\n", {"TAG": "2"},
     [("nginx:${TAG}", "nginx:", ("TAG",), 1, 6)]),
    ("declared without default",
     "ARG TAG\nFROM nginx:${TAG}\n", None, [("nginx:${TAG}", "nginx:", ("TAG",), 2, 6)]),
    ("declared without default, given as build arg", "ARG TAG\nFROM nginx:${TAG}\n", {"TAG": "3"},
     [("nginx:${TAG}", "nginx:3", (), 2, 6)]),
    ("empty default is a value", "ARG V=\nARG W=\"\"\nFROM nginx:1${V}${W}\n", None,
     [("nginx:1${V}${W}", "nginx:1", (), 3, 6)]),
    ("stage ARG does not feed a later FROM", "FROM a:1\nARG T=2\nFROM b:$T\n", None,
     [lit("a:1", 1, 6), ("b:$T", "b:", ("T",), 3, 6)]),
    ("global declared after the first FROM is a stage ARG",
     "FROM $X\nARG X=1\n", None, [("$X", "", ("X",), 1, 6)]),
    ("several ARGs on one line",
     "ARG A=nginx B=1.25\nFROM $A:$B\n", None, [("$A:$B", "nginx:1.25", (), 2, 6)]),
    ("quoted defaults", "ARG A=\"nginx\" B='1.25'\nFROM $A:$B\n", None, [("$A:$B", "nginx:1.25", (), 2, 6)]),
    ("default with a space in quotes", "ARG A=\"a b\"\nFROM $A\n", None, [("$A", "a b", (), 2, 6)]),
    ("${X:-d} when unset", "ARG X\nFROM ${X:-nginx}:1\n", None, [("${X:-nginx}:1", "nginx:1", (), 2, 6)]),
    ("${X:-d} when set",
     "ARG X=alpine\nFROM ${X:-nginx}:1\n", None, [("${X:-nginx}:1", "alpine:1", (), 2, 6)]),
    ("${X:-d} undeclared", "FROM ${X:-nginx}:1\n", None, [("${X:-nginx}:1", "nginx:1", (), 1, 6)]),
    ("${X-d} when empty", "ARG X=\nFROM nginx${X-:1}\n", None, [("nginx${X-:1}", "nginx", (), 2, 6)]),
    ("${X:+d} when set",
     "ARG X=1\nFROM nginx${X:+:v$X}\n", None, [("nginx${X:+:v$X}", "nginx:v1", (), 2, 6)]),
    ("${X+d} when unset", "FROM nginx${X+:1}\n", None, [("nginx${X+:1}", "nginx", (), 1, 6)]),
    ("default built from another ARG", "ARG REG=ghcr.io/acme\nARG IMG=$REG/app\nFROM ${IMG}:1\n", None,
     [("${IMG}:1", "ghcr.io/acme/app:1", (), 3, 6)]),
    ("unresolved carried through another ARG", "ARG REG\nARG IMG=$REG/app\nFROM $IMG:1\n", None,
     [("$IMG:1", "/app:1", ("REG",), 3, 6)]),
    ("several unresolved, named once each",
     "FROM ${R}/${I}:${R}\n", None, [("${R}/${I}:${R}", "/:", ("R", "I"), 1, 6)]),
    ("automatic platform ARG", "FROM app-${TARGETARCH}:1\n", None,
     [("app-${TARGETARCH}:1", "app-:1", ("TARGETARCH",), 1, 6)]),
    ("automatic platform ARG given", "FROM app-${TARGETARCH}:1\n", {"TARGETARCH": "arm64"},
     [("app-${TARGETARCH}:1", "app-arm64:1", (), 1, 6)]),
    # BuildKit always sets TARGETARCH (not empty), so :+ always gives its word (buildah's tests)
    ("platform ARG is set though unknown",
     "FROM fedora-minimal:41${TARGETARCH:+-x86_64} AS amd64\nFROM alpine:3.19${TARGETARCH:-x}\n"
     "FROM alpine:3.19${TARGETOS+-y}\nFROM alpine:3.19${TARGETVARIANT:+-$TARGETVARIANT}\n"
     "FROM alpine:3.19${TARGETVARIANT+-v}\n", None,
     [("fedora-minimal:41${TARGETARCH:+-x86_64}", "fedora-minimal:41-x86_64", (), 1, 6),
      ("alpine:3.19${TARGETARCH:-x}", "alpine:3.19", ("TARGETARCH",), 2, 6),
      ("alpine:3.19${TARGETOS+-y}", "alpine:3.19-y", (), 3, 6),
      # a variant is set but may be empty (amd64 has none): `:+` is unknown, `+` is not
      ("alpine:3.19${TARGETVARIANT:+-$TARGETVARIANT}", "alpine:3.19", ("TARGETVARIANT",), 4, 6),
      ("alpine:3.19${TARGETVARIANT+-v}", "alpine:3.19-v", (), 5, 6)]),
    ("stage per platform (docker/buildx)",
     "FROM golang:1 AS bin-linux\nFROM golang:1 AS bin-darwin\nFROM bin-$TARGETOS AS bin\nFROM alpine:3\n", None,
     [lit("golang:1", 1, 6), lit("golang:1", 2, 6), lit("alpine:3", 4, 6)]),
    ("platform ARG that matches no stage", "FROM golang:1 AS bin-linux\nFROM bin-$TARGETOS-$TARGETARCH\n"
     "ARG BASE\nFROM bin-$BASE\n", None,
     [lit("golang:1", 1, 6), ("bin-$TARGETOS-$TARGETARCH", "bin--", ("TARGETOS", "TARGETARCH"), 2, 6),
      ("bin-$BASE", "bin-", ("BASE",), 4, 6)]),
    # moby's Dockerfile: an ARG built from TARGETPLATFORM picks a stage on every platform
    ("ARG derived from a platform ARG names a stage",
     "ARG DS=${TARGETPLATFORM#linux/amd64}\nARG DS=${DS:+unsupported}\nARG DS=${DS:-supported}\n"
     "FROM alpine:3.19 AS delve-supported\nFROM scratch AS delve-unsupported\nFROM delve-${DS}\n"
     "FROM other-${DS}\n", None,
     [lit("alpine:3.19", 4, 6), ("other-${DS}", "other-supported", ("TARGETPLATFORM",), 7, 6)]),
    ("BuildKit suffix and prefix patterns", "ARG V=1.25.3-alpine\nFROM nginx:${V%%-*}\nFROM nginx:${V%.*}\n"
     "FROM nginx:${V#*.}\nFROM nginx:${V##*.}\n", None,
     [("nginx:${V%%-*}", "nginx:1.25.3", (), 2, 6), ("nginx:${V%.*}", "nginx:1.25", (), 3, 6),
      ("nginx:${V#*.}", "nginx:25.3-alpine", (), 4, 6), ("nginx:${V##*.}", "nginx:3-alpine", (), 5, 6)]),
    ("BuildKit replacement patterns", "ARG R=ghcr.io/acme/app\nFROM ${R/acme/team}:1\nFROM ${R//./-}:1\n", None,
     [("${R/acme/team}:1", "ghcr.io/team/app:1", (), 2, 6), ("${R//./-}:1", "ghcr-io/acme/app:1", (), 3, 6)]),
    ("a pattern on an unset ARG is unresolved, not invalid", "ARG V\nFROM nginx:${V%.*}\n", None,
     [("nginx:${V%.*}", "nginx:", ("V",), 2, 6)]),
    ("a pattern on a build arg", "ARG V\nFROM nginx:${V%.*}\n", {"V": "1.27.0"},
     [("nginx:${V%.*}", "nginx:1.27", (), 2, 6)]),
    ("escaped dollar", "FROM nginx:\\$X\n", None, [("nginx:\\$X", "nginx:$X", (), 1, 6)]),
    ("single quotes keep the dollar", "FROM 'nginx:$X'\n", None, [("nginx:$X", "nginx:$X", (), 1, 7)]),
    ("resolves to an earlier stage", "FROM a:1 AS build\nFROM ${S:-build}\n", None, [lit("a:1", 1, 6)]),
    ("global resolving to a stage name", "ARG BASE=build\nFROM alpine:3 AS build\nFROM $BASE\n", None,
     [lit("alpine:3", 2, 6)]),
    ("global resolving to scratch", "ARG B=scratch\nFROM $B\n", None, []),
    # --- COPY --from / ADD --from ----------------------------------------------------------------
    ("COPY --from stage, index, image, later stage",
     "FROM a:1 AS one\nCOPY --from=TWO /x /y\nCOPY --from=1 /x /y\n"
     "COPY --from=busybox:1 /x /y\nFROM b:1 AS two\n",
     None, [lit("a:1", 1, 6), lit("busybox:1", 4, 13), lit("b:1", 5, 6)]),
    ("ADD --from",
     "FROM a:1\nADD --from=busybox:1 /x /y\n", None, [lit("a:1", 1, 6), lit("busybox:1", 2, 12)]),
    ("--from after other flags", "FROM a:1\nCOPY --chown=1:1 --link --from=busybox:1 /x /y\n", None,
     [lit("a:1", 1, 6), lit("busybox:1", 2, 32)]),
    ("quoted --from",
     'FROM a:1\nCOPY --from="busybox:1" /x /y\n', None, [lit("a:1", 1, 6), lit("busybox:1", 2, 14)]),
    ("--from on a continuation line", "FROM a:1\nCOPY \\\n  --from=busybox:1 \\\n  /x /y\n", None,
     [lit("a:1", 1, 6), lit("busybox:1", 3, 10)]),
    ("empty --from", "FROM a:1\nCOPY --from= /a /b\n", None, [lit("a:1", 1, 6)]),
    ("JSON form COPY", 'FROM a:1\nCOPY --from=golang:1 ["C:\\\\Go", "C:\\\\Go"]\n', None,
     [lit("a:1", 1, 6), lit("golang:1", 2, 13)]),
    ("ONBUILD COPY --from is not scanned", "FROM a:1\nONBUILD COPY --from=busybox:1 /a /b\n", None,
     [lit("a:1", 1, 6)]),
    # --- RUN --mount -------------------------------------------------------------------------------
    ("RUN --mount from image and stage",
     "FROM a:1 AS build\nFROM b:1\nRUN --mount=type=bind,from=build,target=/x "
     "--mount=type=cache,target=/y,from=golang:1.22 true\n", None,
     [lit("a:1", 1, 6), lit("b:1", 2, 6), lit("golang:1.22", 3, 78)]),
    ("RUN --mount source/target are not images", "FROM a:1\nRUN --mount=source=x:1,target=y:2 true\n", None,
     [lit("a:1", 1, 6)]),
    ("RUN --mount key any case, type default bind",
     "FROM a:1\nRUN --mount=FROM=busybox:1,dst=/x true\n", None,
     [lit("a:1", 1, 6), lit("busybox:1", 2, 18)]),
    ("RUN --mount tmpfs is skipped", "FROM a:1\nRUN --mount=type=tmpfs,from=busybox:1,target=/x true\n", None,
     [lit("a:1", 1, 6)]),
    ("RUN --mount quoted CSV field",
     'FROM a:1\nRUN --mount=type=bind,"from=busybox:1",target=/x true\n', None,
     [lit("a:1", 1, 6), lit("busybox:1", 2, 29)]),
    ("RUN --mount from=0 is an image, as in BuildKit", "FROM a:1\nRUN --mount=from=0,target=/x true\n", None,
     [lit("a:1", 1, 6), lit("0", 2, 18)]),
    ("RUN --mount from a later stage", "FROM a:1\nRUN --mount=from=Late,target=/x true\nFROM b:1 AS late\n",
     None, [lit("a:1", 1, 6), lit("b:1", 3, 6)]),
    # --- hostile-ish input -----------------------------------------------------------------------
    ("empty file", "", None, []),
    ("only comments", "# a\n#\n   # b\n", None, []),
    ("only whitespace", "\n\n \t\n\r\n", None, []),
    ("unknown instructions", "FOO bar\nFROM a:1\nBAR\n", None, [lit("a:1", 2, 6)]),
    ("control characters", "FROM \x00a:1\x01 AS b\nFROM \x1cb\n", None,
     [lit("\x00a:1\x01", 1, 6), lit("\x1cb", 2, 6)]),
    ("NUL and form feed", "\x00\nFROM\x0ca:1\n", None, [lit("a:1", 2, 6)]),
    # --- instructions that are only skipped (ENV, CMD, a RUN without flags or heredoc) ----------
    ("a keyword split over a continuation", "FR\\\nOM nginx:1\nRU\\\nN --mount=from=b:1 true\n", None,
     [lit("nginx:1", 2, 4), lit("b:1", 4, 16)]),
    ("RUN flags on the next line", "RUN \\\n  --mount=from=b:1 true\n", None, [lit("b:1", 2, 16)]),
    ("a heredoc marker split over a continuation",
     "FROM a:1\nRUN cat <\\\n<EOF\nFROM evil\nEOF\nFROM b:1\n", None, [lit("a:1", 1, 6), lit("b:1", 6, 6)]),
    ("a heredoc marker split over later continuation lines",
     "FROM a:1\nRUN echo \\\n  cat <\\\n<EOF\nFROM evil\nEOF\nFROM b:1\n", None, [lit("a:1", 1, 6), lit("b:1", 7, 6)]),
    ("comments and blank lines inside a skipped instruction",
     "FROM a:1\nENV A=1 \\\n# FROM evil \\\n\n  B=2 \\\r\n  C=3\nFROM b:1\n", None,
     [lit("a:1", 1, 6), lit("b:1", 7, 6)]),
    ("an escaped escape ends a skipped instruction", "RUN echo \\\\\nFROM b:1\n", None, [lit("b:1", 2, 6)]),
]


@pytest.mark.parametrize("text,build_args,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_references(text: str, build_args: Optional[Dict[str, str]], expected: List[tuple]) -> None:
    assert refs(text, build_args) == expected


def test_skipping_unread_instructions_changes_nothing(monkeypatch) -> None:
    """ENV, CMD, RUN without flags or `<`... are skipped to their last line, not joined and
    parsed: on the corpus and on random texts that gives exactly what reading them all gives."""
    import random

    from policylint.scanners import dockerfile

    texts = [path.read_text(encoding="utf-8", errors="replace") for path in sorted(CORPUS.glob("**/*Dockerfile*"))
             if path.is_file()]
    fragments = ["FROM a:1", "FROM b AS s", "RUN x", "RUN --mount=from=m:1 y", "ENV A=1", "CMD z", "ARG X=1",
                 "COPY --from=c:1 . .", "ONBUILD RUN <<EOF", "RUN cat <<EOF", "<", "<<EOF", "EOF", "FR", "OM x:1",
                 "RU", "N", "--", "\\", "\\\\", "`", "#", "# c", " ", "\t", "\r", "\n", "\n", "\n"]
    rng = random.Random(11)
    for _ in range(400):
        head = rng.choice(["", "# escape=`\n"])
        texts.append(head + "".join(rng.choices(fragments, k=rng.randint(1, 40))))
    fast = [results(text) for text in texts]
    monkeypatch.setattr(dockerfile, "_skip_continuation", lambda *args: None)
    assert [results(text) for text in texts] == fast
    assert len(texts) > 400


FROM_VARIABLE = "variable expansion is not supported for --from in BuildKit"
MOUNT_VARIABLE = "variable expansion is not supported for a mount's from= in BuildKit"


@pytest.mark.parametrize("text,errors_at,references", [
    # BuildKit refuses a variable in `--from` and a mount's `from=` (it says: define a stage);
    # buildah expands it, so the value is still read, with Docker's ARG scoping
    ("FROM a:1\nARG IMG=busybox:1\nCOPY --from=$IMG /x /y\n", [(FROM_VARIABLE, 3, 13)],
     [lit("a:1", 1, 6), ("$IMG", "busybox:1", (), 3, 13)]),
    ("ARG IMG=x:1\nFROM a:1\nCOPY --from=$IMG /a /b\nARG IMG\nCOPY --from=${IMG} /a /b\n",
     [(FROM_VARIABLE, 3, 13), (FROM_VARIABLE, 5, 13)],
     [lit("a:1", 2, 6), ("$IMG", "", ("IMG",), 3, 13), ("${IMG}", "x:1", (), 5, 13)]),
    ("FROM a:1 AS build\nFROM b:1\nARG S=build\nCOPY --from=$S /a /b\n", [(FROM_VARIABLE, 4, 13)],
     [lit("a:1", 1, 6), lit("b:1", 2, 6)]),
    ("FROM golang:1 AS bin-linux\nFROM golang:1 AS bin-darwin\nFROM alpine:3\nCOPY --from=bin-${TARGETOS} /a /b\n"
     "RUN --mount=from=bin-$TARGETOS,target=/x true\n", [(FROM_VARIABLE, 4, 13), (MOUNT_VARIABLE, 5, 18)],
     [lit("golang:1", 1, 6), lit("golang:1", 2, 6), lit("alpine:3", 3, 6)]),
    ("FROM golang:1 AS bin-linux\nCOPY --from=tools-$TARGETOS /a /b\n", [(FROM_VARIABLE, 2, 13)],
     [lit("golang:1", 1, 6), ("tools-$TARGETOS", "tools-", ("TARGETOS",), 2, 13)]),
    ("FROM a:1\nCOPY --from=b:1$ /a /b\n", [], [lit("a:1", 1, 6), lit("b:1$", 2, 13)]),  # a `$` last is text
])
def test_a_variable_in_from_flags_is_refused_by_buildkit_and_still_read(text, errors_at, references) -> None:
    found = results(text)
    assert [(r.message.split(":")[0], r.location.line, r.location.column)
            for r in found if isinstance(r, ScanError)] == errors_at
    assert [(r.written, r.resolved, r.unresolved, r.location.line, r.location.column)
            for r in found if isinstance(r, Occurrence)] == references


def test_split_reference_has_no_end_column() -> None:
    [occurrence] = results("FROM nginx\\\n:1.25\n")
    assert (occurrence.written, occurrence.resolved) == ("nginx:1.25", "nginx:1.25")
    assert occurrence.location == Location("Dockerfile", 1, 6, None)


def test_location_and_context() -> None:
    text = "FROM --platform=$X nginx AS b\nCOPY --from=busybox:1 /a /b\nFROM alpine:3\n"
    text += "RUN --mount=from=x:1 true\n"
    found = list(scan(text, "sub/Dockerfile.prod", ScanOptions()))
    assert [r.location for r in found] == [
        Location("sub/Dockerfile.prod", 1, 20, 25),
        Location("sub/Dockerfile.prod", 2, 13, 22),
        Location("sub/Dockerfile.prod", 3, 6, 14),
        Location("sub/Dockerfile.prod", 4, 18, 21),
    ]
    assert [dict(r.context) for r in found] == [
        {"stage": "b", "instruction": "FROM"},
        {"stage": "b", "instruction": "COPY --from"},
        {"stage": "1", "instruction": "FROM"},
        {"stage": "1", "instruction": "RUN --mount"},
    ]
    assert {r.kind for r in found} == {"dockerfile"}


def test_syntax_and_add_context() -> None:
    found = results("# syntax=docker/dockerfile:1\nFROM a:1 AS Build\nADD --from=b:1 /x /y\n")
    assert [dict(r.context) for r in found] == [
        {"stage": "", "instruction": "syntax"},
        {"stage": "Build", "instruction": "FROM"},
        {"stage": "Build", "instruction": "ADD --from"},
    ]
    assert found[0].location == Location("Dockerfile", 1, 10, 29)


def test_registered_in_scanner_table() -> None:
    [occurrence] = scan_kind("dockerfile", "FROM a:1\n", "Dockerfile", ScanOptions())
    assert occurrence.written == "a:1"


# --- errors -------------------------------------------------------------------------------------


def errors(text: str) -> List[tuple]:
    return [(r.message, r.location.line) for r in results(text) if isinstance(r, ScanError)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("FROM\n", [("FROM requires either one or three arguments", 1)]),
        ("FROM a:1\n  from   \n", [("FROM requires either one or three arguments", 2)]),
        ("FROM \\\n", [("FROM requires either one or three arguments", 1)]),
        ("FROM --platform=x\n", [("FROM requires either one or three arguments", 1)]),
        ("FROM a:1\nRUN <<EOF\nFROM b:1\n", [("unterminated heredoc <<EOF", 2)]),
        ("FROM a:1\nRUN <<A <<B\nA\nFROM b:1\n", [("unterminated heredoc <<B", 2)]),
        ("# escape=x\nFROM a:1\n", [("invalid escape token 'x' does not match ` or \\", 1)]),
        ("# syntax=a/b:1\n# syntax=c/d:1\nFROM a:1\n", [("only one syntax parser directive can be used", 2)]),
        ("# escape=`\n# Escape=\\\nFROM a:1\n", [("only one escape parser directive can be used", 2)]),
    ],
)
def test_errors(text: str, expected: List[tuple]) -> None:
    assert errors(text) == expected


ONE_OR_THREE = "FROM requires either one or three arguments"


@pytest.mark.parametrize(
    "text,error,references",
    [
        # BuildKit's parseFrom refuses these; each builder would read the first word as the image
        ("FROM nginx:1 builder\n", (ONE_OR_THREE, 1, 14), [lit("nginx:1", 1, 6)]),
        ("FROM a:1 b c\n", (ONE_OR_THREE, 1, 10), [lit("a:1", 1, 6)]),
        ("FROM a:1 AS\n", (ONE_OR_THREE, 1, 10), [lit("a:1", 1, 6)]),
        ("FROM a:1 AS b c d\n", (ONE_OR_THREE, 1, 15), [lit("a:1", 1, 6)]),
        ("FROM a:1 AS b  # the builder\n", (ONE_OR_THREE + " (a comment must start its own line)", 1, 16),
         [lit("a:1", 1, 6)]),
        ("FROM a:1\rFROM b:1\n", (ONE_OR_THREE, 1, 10), [lit("a:1", 1, 6)]),  # a lone CR is no line break
        ("FROM a:1 AS \\\n  b\\\n  # c\nFROM d:1\n", (ONE_OR_THREE, 4, 6), [lit("a:1", 1, 6)]),
        ("FROM a:1 AS 1b\n", ("invalid name for build stage: '1b', name can't start with a number or contain symbols",
                              1, 13), [lit("a:1", 1, 6)]),
        ("FROM  nginx:1 AS é\n", ("invalid name for build stage: 'é', name can't start with a number or contain symbols",
                                  1, 18), [lit("nginx:1", 1, 7)]),
        ("FROM a:1 AS _b\nFROM _b\n", ("invalid name for build stage: '_b', name can't start with a number or contain "
                                       "symbols", 1, 13), [lit("a:1", 1, 6)]),
        ("FROM --pull=always a:1\n", ("unknown flag: --pull", 1, 6), [lit("a:1", 1, 20)]),
        ("FROM --platform=x --quiet a:1\n", ("unknown flag: --quiet", 1, 19), [lit("a:1", 1, 27)]),
        # the first word is the flag's value, not an image
        ("FROM --platform linux/amd64 a:1\n",
         (ONE_OR_THREE + " (a flag's value follows '=': --platform=linux/amd64)", 1, 29), []),
        ("FROM --platform a:1\n", ("missing a value on flag: --platform", 1, 6), []),
    ],
)
def test_from_that_docker_refuses(text: str, error: tuple, references: List[tuple]) -> None:
    found = results(text)
    assert [(r.message, r.location.line, r.location.column) for r in found if isinstance(r, ScanError)] == [error]
    assert [(r.written, r.resolved, r.unresolved, r.location.line, r.location.column)
            for r in found if isinstance(r, Occurrence)] == references


@pytest.mark.parametrize("text", [
    "FROM a:1 AS b.c-d_e9\n", "FROM a:1 as B\n", "FROM a:1 AS ${NAME}\n", "FROM --platform=linux/amd64 a:1 AS b\n",
    "FROM --platform=$BUILDPLATFORM a:1\n", "FROM a:1   \t\n", "FROM a:1 \\\n  AS b\n",
])
def test_from_that_docker_accepts(text: str) -> None:
    assert errors(text) == []


@pytest.mark.parametrize(
    "text,references",
    [
        ("FROM {{ registry }}/{{ image }}\nRUN true\n", []),
        ("FROM {{image}}\n", []),
        ("FROM python:{{ version }}-slim AS build\n", []),
        ("FROM scratch AS mnt-{{ name }}\nFROM alpine:3.20\nCOPY --from=mnt-{{ name }} / /mnt\n",
         [lit("alpine:3.20", 2, 6)]),
        ("FROM a:1\nRUN --mount=type=bind,from={{ tools }},target=/t true\n", [lit("a:1", 1, 6)]),
        ("FROM nginx:1.27 AS {{ name }}\n", [lit("nginx:1.27", 1, 6)]),
        ("{% if base %}\nFROM {{ base }}\n{% else %}\nFROM debian:12\n{% endif %}\n", [lit("debian:12", 4, 6)]),
        # a template's value reaching FROM through an ARG default (tutor-mfe's Dockerfile)
        ("ARG NODE_IMAGE={{ MFE_NODE_IMAGE }}\nFROM $NODE_IMAGE AS base\nFROM base\n", []),
        ('ARG A={{BASE}}\nARG B="{{ BASE }}"\nARG C=python:{{ PY }}-slim\nFROM $A\nFROM ${B}\nFROM $C\n', []),
        # the stage a templated FROM names is still a stage (`FROM builder` is no image)
        ("FROM {{ base }} AS builder\nRUN make\nFROM builder AS test\nFROM alpine:3.20\nCOPY --from=builder / /\n",
         [lit("alpine:3.20", 4, 6)]),
        ("FROM python:{{ v }}-slim as Build\nFROM build\n", []),
        ("FROM {{ base }} AS {{ name }}\nFROM name\n", [lit("name", 2, 6)]),
    ],
)
def test_template_placeholders_are_not_references(text: str, references: List[tuple]) -> None:
    """A Jinja or Go template of a Dockerfile: `{{ }}` values are filled in when it is rendered."""
    assert refs(text) == references


def test_unterminated_heredoc_swallows_the_rest() -> None:
    found = results("FROM a:1\nRUN <<EOF\nFROM b:1\n")
    assert [type(r).__name__ for r in found] == ["Occurrence", "ScanError"]
    assert found[1].location == Location("Dockerfile", 2, 1)


def test_errors_do_not_hide_references() -> None:
    found = results("# syntax=a/b:1\n# syntax=c/d:1\nFROM\nFROM a:1\n")
    assert [(type(r).__name__, r.location.line) for r in found] == [
        ("Occurrence", 1), ("ScanError", 2), ("ScanError", 3), ("Occurrence", 4)]


def test_very_long_line_is_fast() -> None:
    image = "a" * 1_000_000
    started = time.perf_counter()
    assert refs(f"FROM {image}:1\nRUN echo {'x ' * 200_000}<<EOF\nEOF\n" + "ARG A=1 " * 50_000 + "\n") == [
        lit(f"{image}:1", 1, 6)]
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    "text",
    [
        "FROM " + "${A:-" * 5000 + "x" + "}" * 5000 + "\n",
        "FROM " + "${A:-" * 5000 + "\n",
        "FROM a\nRUN " + "[" * 100_000 + " <<EOF\nEOF\n",
        "FROM a\nCOPY --from=" + '"' * 10_001 + " /x /y\n",
        "FROM a\nRUN --mount=" + '"' * 9_999 + ",from=x:1\n",
        "\\\n" * 10_000 + "FROM a\n",
        "FROM a\n" + "RUN <<EOF\nEOF\n" * 10_000,
        "FROM a\nRUN " + "<<EOF " * 1000 + "\n" + "EOF\n" * 1000,
        "#" * 100_000 + "\n",
        "# syntax=x" + " " * 100_000 + "y\n# escape=" + "\t " * 50_000 + "z\nFROM a\n",
        "ARG A=ab\n" + "ARG A=$A$A$A$A\n" * 200 + "FROM " + "$A" * 100_000 + "\n",
        "".join(f"ARG A{k}=$A{k - 1}$U{k}\n" for k in range(1, 20_000)) + "FROM $A19999\n",
    ],
    ids=["deep-braces", "unclosed-braces", "deep-json", "quotes-from", "quotes-mount", "continuations",
         "many-heredocs", "many-heredocs-one-line", "long-comment", "spaces-in-directives",
         "exponential-arg", "long-arg-chain"],
)
def test_hostile_input_never_raises(text: str) -> None:
    started = time.perf_counter()
    found = results(text)
    assert time.perf_counter() - started < 5
    assert all(isinstance(r, (Occurrence, ScanError)) for r in found)


DOCKERFILE_ALPHABET = st.sampled_from(
    ["FROM ", "from ", "ARG ", "COPY ", "RUN ", "ONBUILD ", "AS ", "--from=", "--mount=", "--platform=",
     "type=", "from=", ",", "<<", "<<-", "EOF", "'", '"', "\\", "`", "$", "{", "}", ":-", ":+", "#",
     "# syntax=", "# escape=`", "=", " ", "\t", "\n", "\r\n", "\r", "a", "b:1", "[", "]", "\x00", "é",
     "\u2028"])


@settings(max_examples=250, deadline=None, database=None)
@given(
    st.lists(DOCKERFILE_ALPHABET, max_size=60).map("".join),
    st.dictionaries(st.sampled_from("ABab"), st.text(max_size=3)),
)
def test_arbitrary_text_never_raises(text: str, build_args: Dict[str, str]) -> None:
    lines = text.split("\n")
    for r in scan(text, "Dockerfile", ScanOptions(build_args=build_args)):
        assert 1 <= r.location.line <= len(lines)
        assert 1 <= r.location.column <= len(lines[r.location.line - 1]) + 1
        if isinstance(r, Occurrence) and r.location.end_column is not None:
            row = lines[r.location.line - 1]
            assert row[r.location.column - 1 : r.location.end_column - 1] == r.written


def test_many_platform_args_against_a_long_stage_name_finish_fast() -> None:
    """`FROM ${TARGETOS}` twenty times over: its stage-shaped pattern once backtracked for minutes."""
    text = "FROM alpine:3.20 AS " + "a" * 5000 + "\nFROM " + "${TARGETOS}-" * 20 + "x\n"
    started = time.perf_counter()
    found = list(scan(text, "Dockerfile", ScanOptions()))
    assert time.perf_counter() - started < 5
    assert [o.unresolved for o in found if isinstance(o, Occurrence)][1:] == [("TARGETOS",)]


def test_many_args_and_many_platform_stage_lines_stay_linear() -> None:
    """20,000 global ARGs and 20,000 `FROM bin-${TARGETOS}-xN` lines: each line looks at the ARGs
    it names, not at every ARG (a first version of the derived-ARG stage check took 24 s)."""
    text = "".join(f"ARG A{index}=v{index}\n" for index in range(20_000))
    text += "FROM alpine:3 AS bin-linux-x0\n" + "FROM bin-${TARGETOS}-x0\n" * 20_000
    started = time.perf_counter()
    found = [item for item in scan(text, "Dockerfile", ScanOptions()) if isinstance(item, Occurrence)]
    assert time.perf_counter() - started < 10
    assert len(found) == 1  # the alpine image; every other line is the stage bin-linux-x0


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text("ab-/:@", max_size=3), min_size=1, max_size=4), st.text("ab-/:@", max_size=10))
def test_stage_shapes_match_as_the_pattern_says(pieces: List[str], name: str) -> None:
    """A name fits the pieces joined by values of one or more characters other than / : @."""
    import re

    from policylint.scanners.dockerfile import _fits

    expected = re.fullmatch("[^/:@]+".join(map(re.escape, pieces)), name) is not None
    assert _fits(pieces, name) is expected


def test_many_platform_stage_lines_against_many_stages_stay_linear() -> None:
    """10,000 stages and 10,000 `FROM c-$TARGETOS` lines: one shape, matched against the stages once."""
    text = "".join(f"FROM alpine:3 AS b-{index}\n" for index in range(10_000))
    text += "FROM alpine:3 AS c-linux\n" + "FROM c-$TARGETOS\n" * 10_000
    started = time.perf_counter()
    found = [item for item in scan(text, "Dockerfile", ScanOptions()) if isinstance(item, Occurrence)]
    assert time.perf_counter() - started < 10
    assert len(found) == 10_001  # the alpine images; every c-$TARGETOS is the stage c-linux


def test_many_distinct_platform_stage_shapes_against_many_stages_are_bounded() -> None:
    """10,000 stages and 10,000 distinct shapes (`FROM xN-${TARGETOS}-y`) took 30 s: the
    comparisons of one file are bounded, and a shape past the bound names no stage."""
    text = "".join(f"FROM alpine:3 AS stage-{index}-linux\n" for index in range(10_000))
    text += "".join(f"FROM x{index}-${{TARGETOS}}-y\n" for index in range(10_000))
    text += "FROM alpine:3 AS stage-linux-y\nFROM stage-${TARGETOS}-y\n"  # past the bound too
    started = time.perf_counter()
    found = [item for item in scan(text, "Dockerfile", ScanOptions()) if isinstance(item, Occurrence)]
    assert time.perf_counter() - started < 10
    assert len(found) == 10_000 + 10_000 + 2
    assert found[-1].written == "stage-${TARGETOS}-y" and found[-1].unresolved == ("TARGETOS",)


def test_a_few_distinct_shapes_still_name_their_stages() -> None:
    text = "".join(f"FROM alpine:3 AS s{index}-linux\n" for index in range(100))
    text += "".join(f"FROM s{index}-${{TARGETOS}}\n" for index in range(100))
    found = [item for item in scan(text, "Dockerfile", ScanOptions()) if isinstance(item, Occurrence)]
    assert len(found) == 100  # the alpine images; every sN-${TARGETOS} is the stage sN-linux


@given(st.lists(st.integers(1, 40), min_size=1, max_size=30), st.integers(0, 1300))
def test_an_offset_is_placed_in_the_piece_bisect_finds(lengths, offset):
    """A continued instruction's pieces: an offset belongs to the last piece starting at or
    before it (the binary search is written out to spare loading the bisect C extension)."""
    import bisect

    from policylint.scanners.dockerfile import _Instr

    starts = [sum(lengths[:index]) for index in range(len(lengths))]
    rows = [10 + index for index in range(len(lengths))]
    cols = [index % 3 for index in range(len(lengths))]
    instruction = _Instr("run", "x" * sum(lengths), 3, starts, rows, cols)
    piece = bisect.bisect_right(starts, offset) - 1
    assert instruction.position(offset) == (rows[piece], cols[piece] + offset - starts[piece] + 1)


def test_a_plain_dockerfile_is_read_without_the_variables_module():
    """Words with no quote, escape or `$` are taken as written: the expansion machinery (and its
    import, a cost every pre-commit run would pay) is only for the others."""
    import subprocess
    import sys

    script = ("import sys; from policylint.scanners.dockerfile import scan; from policylint.model import ScanOptions; "
              "found = [o.resolved for o in scan('FROM acme/app:1 AS build\\nFROM build\\nRUN make\\n', 'Dockerfile', "
              "ScanOptions())]; print(found, 'policylint.variables' in sys.modules)")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout == "['acme/app:1'] False\n"
