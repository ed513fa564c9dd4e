"""The command line, run in process: exit codes, formats, options, stdin, error lines."""

import io
import json
import os
import sys

import pytest

from policylint.cli import main


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A small repository as the current folder."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(*argv):
    return main(list(argv))


def test_clean_repo_exits_0_and_prints_summary(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx:1.27\n")
    assert run() == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 file scanned, 1 reference checked; 0 errors" in captured.err


def test_findings_exit_1_with_sorted_lines(repo, capsys):
    write(repo / "b" / "Dockerfile", "FROM nginx\n")
    write(repo / "a" / "Dockerfile", "FROM redis:latest\nFROM alpine\n")
    assert run("check", ".") == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[0] for line in lines] == ["a/Dockerfile:1:6:", "a/Dockerfile:2:6:", "b/Dockerfile:1:6:"]
    assert lines[0] == ("a/Dockerfile:1:6: error tag-denied redis:latest: tag latest is denied by tags.deny "
                        "(fix: write redis:<version>)")


def test_check_is_the_default_command(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("Dockerfile") == 1
    assert run("-q", "Dockerfile") == 1


@pytest.mark.parametrize("fail_on, expected", [("error", 0), ("warning", 1), ("note", 1), ("never", 0)])
def test_fail_on_threshold(repo, fail_on, expected):
    write(repo / "Dockerfile", "ARG BASE\nFROM $BASE\n")  # unresolved-variable is a warning
    assert run("--fail-on", fail_on) == expected


def test_fail_on_never_with_errors(repo):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("--fail-on", "never") == 0


def test_json_format(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("-f", "json") == 1
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    (finding,) = document["findings"]
    assert finding["rule"] == "tag-missing"
    assert (finding["path"], finding["line"], finding["column"]) == ("Dockerfile", 1, 6)
    assert finding["image"] == "nginx" and finding["normalized"] == "docker.io/library/nginx"
    assert finding["kind"] == "dockerfile" and finding["environment"] is None
    assert document["summary"]["findings"] == {"error": 1, "warning": 0, "note": 0}
    assert document["summary"]["files_scanned"] == 1


def test_output_file(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("-o", "report.txt") == 1
    assert capsys.readouterr().out == ""
    assert (repo / "report.txt").read_text().startswith("Dockerfile:1:6: error tag-missing")


def test_policy_option_and_discovery(repo, capsys):
    write(repo / "Dockerfile", "FROM quay.io/a/b:1\n")
    write(repo / "strict.yaml", "version: 1\nregistries: {allow: [ghcr.io]}\n")
    assert run() == 0
    assert run("-p", "strict.yaml") == 1
    write(repo / ".policylint.yaml", "version: 1\nregistries: {allow: [ghcr.io]}\n")
    assert run() == 1
    assert "registry-not-allowed" in capsys.readouterr().out


def test_policy_found_from_subfolder_scan(repo, capsys):
    write(repo / ".policylint.yaml", "version: 1\nregistries: {allow: [ghcr.io]}\n")
    write(repo / "svc" / "Dockerfile", "FROM quay.io/a/b:1\n")
    assert run("svc") == 1
    assert capsys.readouterr().out.startswith("svc/Dockerfile:1:6: error registry-not-allowed")


def test_invalid_policy_exits_2_with_position(repo, capsys):
    write(repo / ".policylint.yaml", "version: 1\ntags:\n  requir: true\n")
    write(repo / "Dockerfile", "FROM nginx:1\n")
    assert run() == 2
    err = capsys.readouterr().err
    assert err.startswith("policylint: .policylint.yaml:3:3: unknown key 'requir'")
    assert "Traceback" not in err


def test_missing_policy_file_exits_2(repo, capsys):
    assert run("-p", "nope.yaml") == 2
    assert "nope.yaml does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--format", "xml"], ["--fail-on", "sometimes"], ["--bogus"], ["rules", "no-such-rule"],
    ["--build-arg", "=x"], ["--env", "prod"], ["does-not-exist"], ["--stdin-filename", "x.yaml"],
])
def test_usage_errors_exit_2_without_traceback(repo, capsys, argv):
    write(repo / "Dockerfile", "FROM nginx:1\n")
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err


def test_internal_error_is_one_line_and_debug_shows_traceback(repo, capsys, monkeypatch):
    write(repo / "Dockerfile", "FROM nginx:1\n")
    from policylint import engine

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(engine, "check_source", boom)
    assert run() == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
    assert run("--debug") == 2
    assert "Traceback" in capsys.readouterr().err


def test_build_arg(repo, capsys):
    write(repo / "Dockerfile", "ARG BASE\nFROM ${BASE}\n")
    assert run("--fail-on", "warning") == 1
    assert run("--fail-on", "warning", "--build-arg", "BASE=alpine:3.20") == 0


def test_env_option(repo, capsys):
    write(repo / ".policylint.yaml",
          "version: 1\nenvironments:\n  release:\n    match: {paths: [prod/**]}\n    tags: {pattern: '^v[0-9]+$'}\n")
    write(repo / "Dockerfile", "FROM app:1.0\n")
    assert run() == 0
    assert run("--env", "release") == 1
    assert "tag-pattern-mismatch" in capsys.readouterr().out


def test_exclude_and_policy_ignore(repo, capsys):
    write(repo / "vendor" / "Dockerfile", "FROM nginx\n")
    write(repo / "app" / "Dockerfile", "FROM nginx:1\n")
    assert run() == 1
    assert run("--exclude", "vendor") == 0
    write(repo / ".policylint.yaml", "version: 1\nignore: ['vendor/**']\n")
    assert run() == 0


def test_exclude_takes_an_absolute_path_below_the_current_folder(repo, capsys):
    write(repo / "vendor" / "Dockerfile", "FROM nginx\n")
    write(repo / "app" / "Dockerfile", "FROM nginx:1\n")
    assert run("--exclude", os.path.join(os.getcwd(), "vendor")) == 0  # it excluded nothing before
    assert run("--exclude", "/vendor") == 0  # a leading `/` alone still anchors the glob here


def test_stdin_with_filename(repo, capsys, monkeypatch):
    manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(manifest.encode())))
    assert run("-", "--stdin-filename", "rendered.yaml") == 1
    assert capsys.readouterr().out.startswith("rendered.yaml:7:12: error tag-missing")


def test_stdin_reads_the_env_and_chart_beside_the_file_it_names(repo, capsys, monkeypatch):
    """An editor pipes the buffer of stack/compose.yaml: the `.env` beside that path gives its
    variables, as it does on disk (it was ignored: a false unresolved-variable)."""
    write(repo / "stack" / ".env", "TAG=1.27\n")
    write(repo / "chart" / "Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\nappVersion: 2.5.0\n")
    for name, text in (("stack/compose.yaml", "services:\n  web:\n    image: nginx:${TAG}\n"),
                       ("chart/values.yaml", "image:\n  repository: nginx\n  tag: ''\n")):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        assert run("images", "-", "--stdin-filename", name) == 0
        assert capsys.readouterr().out.split(" -> ")[1].strip() in ("docker.io/library/nginx:1.27",
                                                                    "docker.io/library/nginx:2.5.0")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"services:\n  web:\n    image: nginx:${TAG}\n")))
    assert run("images", "-", "--stdin-filename", "elsewhere/compose.yaml") == 0  # no such folder: no .env
    assert "unresolved: TAG" in capsys.readouterr().out


def test_stdin_dockerfile_sniffed(repo, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"# hi\nFROM nginx\n")))
    assert run("-") == 1
    assert capsys.readouterr().out.startswith("-:2:6: error tag-missing")


def test_no_color_and_color_on_tty(repo, capsys, monkeypatch):
    write(repo / "Dockerfile", "FROM nginx\n")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    run()
    assert "\033[" in capsys.readouterr().out
    run("--no-color")
    assert "\033[" not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    run()
    assert "\033[" not in capsys.readouterr().out


def test_quiet_suppresses_summary(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx:1\n")
    run("-q")
    assert capsys.readouterr().err == ""


def test_rules_list_and_page(repo, capsys):
    assert run("rules") == 0
    out = capsys.readouterr().out
    assert "tag-missing" in out and "registry-not-allowed" in out
    assert run("rules", "tag-missing") == 0
    page = capsys.readouterr().out
    assert "## Example" in page and "## Use instead" in page


def test_explain(repo, capsys):
    assert run("explain", "nginx") == 1
    out = capsys.readouterr().out
    assert "normalized:     docker.io/library/nginx" in out
    assert "tag-missing" in out
    assert run("explain", "nginx:1.27") == 0
    assert run("explain", "Bad:Ref") == 1
    assert "invalid" in capsys.readouterr().out


def test_images_text_and_json(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx AS web\nFROM web\n")
    write(repo / "compose.yaml", "services:\n  db:\n    image: postgres:16\n")
    assert run("images") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Dockerfile:1:6: dockerfile - nginx -> docker.io/library/nginx",
        "compose.yaml:3:12: compose - postgres:16 -> docker.io/library/postgres:16",
    ]
    assert run("images", "-f", "json") == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries[1]["context"]["service"] == "db"
    assert {entry["kind"] for entry in entries} == {"dockerfile", "compose"}


def test_images_says_when_a_helm_tag_is_left_to_the_chart(repo, capsys):
    write(repo / "deploy" / "values.yaml", "image:\n  repository: quay.io/prometheus/alertmanager\n  tag: ''\n")
    assert run("images") == 0
    assert capsys.readouterr().out.splitlines() == [
        "deploy/values.yaml:2:15: helm - quay.io/prometheus/alertmanager -> "
        "quay.io/prometheus/alertmanager (tag unresolved: .Chart.AppVersion)",
    ]


def test_images_output_file(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx:1.25\n")
    assert run("images", "-o", "images.txt") == 0
    assert capsys.readouterr().out == ""
    assert (repo / "images.txt").read_text() == "Dockerfile:1:6: dockerfile - nginx:1.25 -> docker.io/library/nginx:1.25\n"
    assert run("images", "-f", "json", "--output", "images.json") == 0
    assert json.loads((repo / "images.json").read_text())[0]["normalized"] == "docker.io/library/nginx:1.25"
    assert run("images", "-o", str(repo / "no-such-folder" / "x.txt")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_init_writes_a_valid_policy(repo, capsys):
    # an IPv6 registry must come out quoted: `- [fd00::1]:5000/team` is a YAML flow sequence
    write(repo / "Dockerfile", "FROM nginx:1\nFROM ghcr.io/acme/tool:2\nFROM [fd00::1]:5000/team/app:1.0\n")
    assert run("init") == 0
    text = (repo / ".policylint.yaml").read_text()
    assert "docker.io/library" in text and "ghcr.io/acme" in text and '"[fd00::1]:5000/team"' in text
    assert run() == 0  # the starter policy accepts what the repository uses today
    assert run("init") == 2  # never overwrites without --force


def test_unparseable_file_is_reported_not_skipped(repo, capsys):
    write(repo / "compose.yaml", "services:\n  web: [\n")
    assert run() == 1
    assert "parse-error" in capsys.readouterr().out


def test_baseline_round_trip(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("--write-baseline", "baseline.json") == 1
    assert run("--baseline", "baseline.json") == 0
    write(repo / "Dockerfile", "# moved\n\nFROM nginx\n")
    assert run("--baseline", "baseline.json") == 0
    write(repo / "Dockerfile", "FROM nginx\nFROM redis\n")
    assert run("--baseline", "baseline.json") == 1
    assert "redis" in capsys.readouterr().out


def test_sarif_and_summary_files(repo, capsys):
    write(repo / "Dockerfile", "FROM nginx\n")
    assert run("-f", "github", "--sarif-file", "out.sarif", "--summary-file", "summary.md") == 1
    assert capsys.readouterr().out.startswith("::error file=Dockerfile,line=1,col=6")
    assert json.loads((repo / "out.sarif").read_text())["version"] == "2.1.0"
    assert "tag-missing" in (repo / "summary.md").read_text()


def test_python_dash_m(repo):
    import subprocess

    write(repo / "Dockerfile", "FROM nginx\n")
    env = dict(os.environ)
    completed = subprocess.run([sys.executable, "-m", "policylint", "-q"], capture_output=True, text=True, env=env)
    assert completed.returncode == 1
    assert completed.stdout.startswith("Dockerfile:1:6: error tag-missing")


def test_a_reader_that_went_away_gets_no_error(repo):
    """`policylint . | head -1`: output nobody reads is dropped without a message."""
    import subprocess

    write(repo / "Dockerfile", "FROM nginx\n")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}  # stdout buffered
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before policylint writes a byte
    try:
        completed = subprocess.run([sys.executable, "-m", "policylint", "-q"], stdout=write_end,
                                   stderr=subprocess.PIPE, env=env, timeout=60)
    finally:
        os.close(write_end)
    assert completed.stderr == b""  # not "Exception ignored ... BrokenPipeError", exit code 120
    assert completed.returncode == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_output_to_a_full_disk_is_an_error_not_a_bug(repo, unbuffered):
    """`policylint > /dev/full`: one clear line and exit code 2, whether the write or the final flush fails."""
    import subprocess

    write(repo / "Dockerfile", "FROM nginx\n")
    env = dict(os.environ, PYTHONUNBUFFERED=unbuffered)
    with open("/dev/full", "w") as full:
        completed = subprocess.run([sys.executable, "-m", "policylint", "-q"], stdout=full,
                                   stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    assert completed.stderr == "policylint: cannot write the output: No space left on device\n"
    assert completed.returncode == 2


def test_the_command_runs_exit_handlers_and_keeps_the_exit_code(repo):
    """The fast exit still runs atexit handlers (coverage relies on them) and exits with main's code."""
    import subprocess

    write(repo / "Dockerfile", "FROM nginx\n")
    script = ("import atexit, sys; atexit.register(lambda: print('handler ran', file=sys.stderr)); "
              "sys.argv = ['policylint', '-q']; from policylint.cli import run; run()")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stdout.startswith("Dockerfile:1:6: error tag-missing")
    assert completed.stderr == "handler ran\n"


def test_the_command_collects_no_garbage_checking_one_file(repo):
    """Start-up allocates only what lives to the end, so collecting it is wasted time: the
    collector is off while policylint starts, and a one-file check runs no collection at all."""
    import subprocess

    write(repo / "Dockerfile", "FROM nginx\n")
    script = ("import atexit, gc, sys; runs = []; gc.callbacks.append(lambda phase, info: runs.append(phase)); "
              "atexit.register(lambda: print(runs.count('start'), file=sys.stderr)); "
              "sys.argv = ['policylint', '-q']; from policylint.cli import run; runs.clear(); run()")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stdout.startswith("Dockerfile:1:6: error tag-missing")
    assert completed.stderr == "0\n"  # counted from run(): importing cli.py may compile it first


def test_a_kustomization_rewriting_an_image_decides_it(repo, capsys):
    """The untagged image of a kustomize base is not a tag-missing error when the kustomization
    beside it sets newTag; the kustomization's entry is the reference that is judged."""
    write(repo / "base" / "kustomization.yaml",
          "resources: [deployment.yaml]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: latest\n")
    write(repo / "base" / "deployment.yaml",
          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n"
          "      containers:\n        - {name: api, image: ghcr.io/acme/api}\n")
    assert run("-q", "--format", "json") == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["path"], f["image"]) for f in findings] == [
        ("tag-denied", "base/kustomization.yaml", "ghcr.io/acme/api:latest")]


def test_policy_does_not_depend_on_how_files_are_batched(repo, capsys):
    """pre-commit passes staged files in batches; each batch must see the same policy."""
    write(repo / ".policylint.yaml", "version: 1\nregistries: {allow: [ghcr.io]}\n")
    write(repo / "sub" / ".policylint.yaml", "version: 1\n")
    write(repo / "sub" / "Dockerfile", "FROM quay.io/a/b:1\n")
    write(repo / "Dockerfile", "FROM ghcr.io/a/b:1\n")
    assert run("sub/Dockerfile") == 1
    assert run("sub/Dockerfile", "Dockerfile") == 1
    assert run("sub") == 0  # a folder argument is the scan root, and its own policy applies


def test_helm_templates_are_skipped_and_counted_not_parse_errors(repo, capsys):
    write(repo / "chart" / "Chart.yaml", "apiVersion: v2\nname: x\nversion: 0.1.0\nappVersion: '1.2.3'\n")
    write(repo / "chart" / "values.yaml", "image:\n  repository: nginx\n  tag: ''\n")
    write(repo / "chart" / "templates" / "deployment.yaml",
          "kind: Deployment\napiVersion: apps/v1\nspec:\n  containers:\n  - image: x\n    {{- if .Values.y }}\n")
    assert run("--debug") == 0
    err = capsys.readouterr().err
    assert "skipped chart/templates/deployment.yaml: an unrendered template" in err
    assert "2 files scanned, 1 skipped (of 3 candidates), 1 reference checked; 0 errors" in err


def test_jinja_templates_with_statements_only_are_skipped_not_parse_errors(repo, capsys):
    """A cookiecutter/Ansible file wrapped in `{% raw -%}` holds no `{{` yet is no YAML until rendered."""
    write(repo / "molecule" / "prepare.yml", "---\n{% raw -%}\n- name: Prepare\n  hosts: all\n{%- endraw %}\n")
    write(repo / "broken.yaml", "a: [b\n")
    assert run("--debug", "-f", "json", "-o", "out.json") == 1
    err = capsys.readouterr().err
    assert "skipped molecule/prepare.yml: an unrendered template ({{ }} or {% %})" in err
    findings = json.loads((repo / "out.json").read_text())["findings"]
    assert [(item["rule"], item["path"]) for item in findings] == [("parse-error", "broken.yaml")]


COMMAND_LINES = [
    ["check", "-q", "-j1", "--format=json", "--pol", "p.yaml", "a", "b"],
    ["check", "--build-arg", "A=1", "--build-arg", "B=2", "--exclude", "x/**", "--fail-on", "warning", "."],
    ["images", "-f", "json", "--env", "prod", "-"],
    ["rules", "tag-required", "--format", "json"],
    ["explain", "nginx", "-p", "p.yaml", "--debug"],
    ["init", "src", "-o", "out.yaml", "--force"],
    ["fix", "--diff", "--no-gitignore", "deploy"],
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda argv: argv[0])
def test_a_parser_built_for_one_command_parses_and_helps_as_the_whole_one(argv, monkeypatch):
    from policylint.arguments import build_parser

    monkeypatch.setenv("COLUMNS", "100")
    whole, one = build_parser(), build_parser(argv[0])
    assert vars(one.parse_args(argv)) == vars(whole.parse_args(argv))
    help_texts = []
    for parser in (whole, one):
        out = io.StringIO()
        with pytest.raises(SystemExit):
            sys.stdout, saved = out, sys.stdout
            try:
                parser.parse_args([argv[0], "--help"])
            finally:
                sys.stdout = saved
        help_texts.append(out.getvalue())
    assert help_texts[0] == help_texts[1] and f"usage: policylint {argv[0]}" in help_texts[0]


def test_help_is_as_wide_as_argparse_would_make_it(monkeypatch):
    import argparse

    from policylint import arguments

    for columns in ("60", "150", "junk", "-3"):
        monkeypatch.setenv("COLUMNS", columns)
        monkeypatch.setattr(arguments, "_terminal_columns", None)
        assert arguments._help_width() == argparse.HelpFormatter("x")._width


def _check_parser():
    from policylint.arguments import build_parser

    parser = build_parser("check")
    return parser, parser._subparsers._group_actions[0].choices["check"]


def test_the_quick_parser_knows_the_check_options_argparse_knows():
    from policylint import cli

    _, check = _check_parser()
    flags, values, defaults = {}, {}, {"command": "check"}
    for action in check._actions:
        if action.dest == "help":
            continue
        defaults[action.dest] = action.default
        for option in action.option_strings:
            (flags if action.nargs == 0 else values)[option] = action.dest
        if action.choices is not None:
            assert tuple(action.choices) == cli._QUICK_CHOICES[action.dest]
    defaults["paths"] = []  # argparse's value for no PATH
    assert flags == cli._QUICK_FLAGS
    assert values == cli._QUICK_VALUES
    assert defaults == cli._QUICK_DEFAULTS
    assert {a.dest for a in check._actions if type(a).__name__ == "_AppendAction"} == cli._QUICK_REPEATED


TOKENS = ["check", "a", "b/c.yaml", "-", "", "x y", "images", "-q", "--quiet", "--no-color", "--debug", "-j", "2",
          "-j2", "--jobs=3", "--jobs", "x", "-1", "-f", "json", "--format=sarif", "--format=xml", "--format", "text",
          "-p", "p.yaml", "-p=p.yaml", "--pol", "--policy", "--build-arg", "A=1", "--exclude", "x/**", "--", "--bogus",
          "-h", "--help", "--fail-on", "warning", "--fail-on=never", "-o", "out.txt", "--env=prod", "--env", "-qj1",
          "=", "--stdin-filename", "Dockerfile", "-x y", "--sarif-file", "--summary-file=s.md", "--use-env",
          "--no-gitignore", "--no-inline-waivers", "--baseline", "--write-baseline", "--quiet=1", "-fjson", "--version",
          "-j-1", "-pp.yaml", "-oout", "-fxml", "-j=4", "-f=text", "-pa=b", "-q1", "--env=", "-jx"]


def test_the_quick_parser_reads_command_lines_as_argparse_does():
    import random

    from policylint import cli
    from policylint.errors import UsageError

    whole = _check_parser()[0]
    generator = random.Random(6)
    quick_count = 0
    for _ in range(4000):
        argv = [generator.choice(TOKENS) for _ in range(generator.randint(0, 7))]
        normalized = cli._normalize_argv(argv)
        quick = cli.quick_check_arguments(normalized)
        if quick is None:
            continue
        quick_count += 1
        try:
            expected = whole.parse_args(normalized)
        except (UsageError, SystemExit) as error:
            raise AssertionError(f"{argv}: the quick parser read {quick}, argparse refused it: {error}") from None
        assert vars(quick) == vars(expected), argv
    assert quick_count > 400  # the comparison covered many lines, not only the refused ones


@pytest.mark.parametrize("argv", [
    ["Dockerfile", "deploy/app.yaml"],  # pre-commit: the hook's file names
    ["check", "--format", "github", "--fail-on", "error", "--policy", "p.yaml", "--sarif-file", "r.sarif", "."],
    ["-q", "-j1", "."],
    ["check", "--format=json", "-o", "out.json", "--exclude", "vendor/**", "./-dash-folder"],
])
def test_the_command_lines_of_hooks_and_ci_skip_argparse(argv):
    from policylint import cli

    assert cli.quick_check_arguments(cli._normalize_argv(argv)) is not None


def test_a_compose_build_passes_its_args_and_contexts_to_the_dockerfile(repo, capsys):
    """`docker compose build` gives the Dockerfile the service's build args (interpolated, with
    `.env`) and named contexts: `ARG v=latest` overridden to 12.4.0 is no tag-denied, and
    `FROM base` naming a context is no image. The same Dockerfile checked alone keeps its
    defaults, and --build-arg still wins over compose."""
    write(repo / ".config" / "Dockerfile",
          "ARG grafana_version=latest\nFROM grafana/grafana:${grafana_version}\nFROM base\nCOPY --from=tools /a /b\n")
    write(repo / ".config" / "docker-compose-base.yaml",
          "services:\n  grafana:\n    build:\n      context: .\n"
          "      args: {grafana_version: '${GRAFANA_VERSION:-12.4.0}'}\n"
          "      additional_contexts: [base=docker-image://alpine:3.19, tools=../tools]\n")
    assert run("-f", "json", "-o", "all.json") == 0
    document = json.loads((repo / "all.json").read_text())
    assert document["findings"] == [] and document["summary"]["references"] == 2  # grafana + alpine:3.19
    assert run(".config/Dockerfile", "-f", "json", "-o", "alone.json") == 1  # no compose file in this run
    alone = json.loads((repo / "alone.json").read_text())["findings"]
    assert sorted((item["rule"], item["line"]) for item in alone) == [("tag-denied", 2), ("tag-missing", 3),
                                                                     ("tag-missing", 4)]
    assert run("--build-arg", "grafana_version=latest", "-f", "json", "-o", "cli.json") == 1
    overridden = json.loads((repo / "cli.json").read_text())["findings"]
    assert [(item["rule"], item["line"]) for item in overridden] == [("tag-denied", 2)]


def test_a_sibling_file_past_the_size_limit_is_not_read_cut_short(repo, capsys):
    """A `.env` over 1 MiB whose IMAGE line straddles the limit: cut there, the value would be a
    wrong tag judged as the deployed one; the file is not read, and the variable is unresolved."""
    from policylint.engine import _SIBLING_MAX_BYTES

    line = "IMAGE=registry.acme.com/app:v1.2.3-beta.1\n"
    padding = _SIBLING_MAX_BYTES - line.index("-beta")
    write(repo / ".env", "#" * (padding - 1) + "\n" + line)
    write(repo / "compose.yaml", "services:\n  app:\n    image: ${IMAGE}\n")
    assert run("-f", "json", "-o", "out.json") == 0
    findings = json.loads((repo / "out.json").read_text())["findings"]
    assert [(item["rule"], item["message"].split(":")[0]) for item in findings] == [("unresolved-variable", "${IMAGE}")]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_tag_pattern_that_backtracks_forever_is_a_policy_error(repo, capsys, monkeypatch, jobs):
    """`v(\\d+\\.?)+` takes exponential time on a long tag it almost matches: the match is stopped
    and the policy refused (exit 2) at its environment, from a worker process too."""
    import policylint.engine
    import policylint.policy

    monkeypatch.setattr(policylint.policy, "PATTERN_SECONDS", 0.3)
    monkeypatch.setattr(policylint.engine, "PARALLEL_THRESHOLD", 2)
    write(repo / ".policylint.yaml",
          "version: 1\nenvironments:\n  release:\n    match: {paths: ['**']}\n    tags: {pattern: 'v(\\d+\\.?)+'}\n")
    for index in range(4):
        write(repo / f"s{index}" / "Dockerfile", f"FROM registry.acme.com/app:v1.{index}\n")
    write(repo / "s9" / "Dockerfile", "FROM registry.acme.com/app:v" + "1" * 40 + "-rc\n")
    assert run("-j", jobs) == 2
    err = capsys.readouterr().err
    assert err.startswith("policylint: .policylint.yaml:5:21: tags.pattern v(\\d+\\.?)+ of environment release took over 0.3 s to match tags such as")
    assert "Traceback" not in err


def test_many_tags_cannot_each_take_the_whole_pattern_time(repo, capsys, monkeypatch):
    """The time limit covers all of a pattern's matches in a run, not each one: 40 distinct
    tags just short of the limit each would otherwise take 40 times the limit."""
    import time

    import policylint.policy

    monkeypatch.setattr(policylint.policy, "PATTERN_SECONDS", 0.5)
    write(repo / ".policylint.yaml",
          "version: 1\nenvironments:\n  release:\n    match: {paths: ['**']}\n    tags: {pattern: 'v(\\d+\\.?)+'}\n")
    write(repo / "Dockerfile", "".join(f"FROM registry.acme.com/app:v{'1' * 21}-x{index}\n" for index in range(40)))
    started = time.perf_counter()
    assert run("-j", "1") == 2
    assert time.perf_counter() - started < 20
    assert "took over 0.5 s to match tags such as" in capsys.readouterr().err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_reports_at_most_so_many_findings_and_says_how_many_more(repo, capsys, monkeypatch, jobs):
    import policylint.engine

    monkeypatch.setattr(policylint.engine, "MAX_FINDINGS_PER_FILE", 3)
    monkeypatch.setattr(policylint.engine, "PARALLEL_THRESHOLD", 2)
    write(repo / "Dockerfile", "FROM a\n" * 5)
    write(repo / "b" / "Dockerfile", "FROM b\n")
    assert run("-q", "-j", jobs, "-f", "json", "-o", "out.json") == 1
    findings = json.loads((repo / "out.json").read_text())["findings"]
    assert [(item["path"], item["line"]) for item in findings] == [("Dockerfile", 1), ("Dockerfile", 2),
                                                                    ("Dockerfile", 3), ("b/Dockerfile", 1)]
    assert "policylint: Dockerfile: 2 more findings not reported (at most 3 per file)" in capsys.readouterr().err


def test_images_says_what_it_could_not_parse(repo, capsys):
    """A file that cannot be parsed has references the list cannot show: `images` says so on
    stderr, even with -q, and exits 1 (it listed nothing of the file before, and exited 0)."""
    write(repo / "Dockerfile", "FROM alpine:3.20\n")
    write(repo / "docker-compose.yml", "services:\n  web:\n    image: nginx:1\n   ports: [80]\n")
    for extra in ((), ("-q",), ("-f", "json")):
        assert run("images", *extra) == 1
        out, err = capsys.readouterr()
        assert "alpine:3.20" in out and "nginx" not in out
        assert "docker-compose.yml:4:4: parse-error: " in err and "may be missing" in err
    (repo / "docker-compose.yml").unlink()
    assert run("images", "-q") == 0
    assert capsys.readouterr().err == ""
