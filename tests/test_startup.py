"""What a one-file check (the pre-commit case) loads: only what it needs, so it starts fast."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Modules a Dockerfile check with a cached policy has no use for. typing is for type checkers
# only (policylint.records); YAML and jsonschema (policy_validation) are for YAML files and new
# policies; argparse (with gettext, locale and shutil) only for command lines
# cli.quick_check_arguments hands over;
# `expires` dates compare as YYYY-MM-DD text; ignore files count only when a folder is walked.
NOT_NEEDED = ("typing", "yaml", "jsonschema", "shutil", "dataclasses", "pickle", "tempfile", "importlib.metadata",
              "argparse", "gettext", "locale", "contextlib", "datetime", "importlib", "warnings", "json",
              "encodings.utf_8_sig", "policylint.gitignore", "policylint.policy_validation")

CHECK = """
import sys
sys.path.insert(0, {repo!r})
from policylint.cli import main
code = main(["Dockerfile", *{extra!r}])
loaded = [name for name in {names!r} if name in sys.modules]
print("exit", code, "loaded", loaded)
"""


def _check_twice(folder, dockerfile, policy, names, extra):
    """A one-file check run twice in `folder`: first to validate the policy and cache it (YAML
    and jsonschema come from site-packages), then with -S: no site-packages, whose .pth files
    may import anything (what policylint needs is in REPO). The two runs' output."""
    (folder / ".git").mkdir()
    (folder / "Dockerfile").write_text(dockerfile)
    (folder / ".policylint.yaml").write_text(policy)
    env = {**os.environ, "POLICYLINT_CACHE_DIR": str(folder / "cache"), "NO_COLOR": "1"}
    script = CHECK.format(repo=REPO, names=names, extra=extra)
    return [subprocess.run([sys.executable, *flags, "-c", script], cwd=folder, env=env, capture_output=True,
                           text=True) for flags in ([], ["-S"])]


EXCEPTION = ("exceptions:\n  - images: [docker.io/library/nginx]\n    rules: [tag-missing]\n    reason: local only\n"
             "    expires: 2099-01-31\n")


def test_a_one_file_check_loads_no_module_it_does_not_need(tmp_path):
    first, second = _check_twice(
        tmp_path, "FROM registry.acme.com/platform/python:3.12-slim\nFROM nginx\n",
        "version: 1\nregistries:\n  allow: [registry.acme.com]\ntags:\n  deny: [latest]\n"
        "environments:\n  release:\n    match: {paths: ['deploy/**']}\n    tags: {pattern: '^v[0-9]+$'}\n" + EXCEPTION,
        NOT_NEEDED, [])
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "exit 1 loaded []"
    assert "registry-not-allowed" in second.stdout
    # the same findings either way
    assert first.stdout.splitlines()[:-1] == second.stdout.splitlines()[:-1]


# What a clean Dockerfile (the usual pre-commit run) does not need either: the expansion of
# variables (no `$` or quotes), waivers and exceptions (no finding, no marker), the rules that
# only judge parse errors, waivers and expired exceptions, the escaping of text to print
# (nothing to print with -q) and any reporter at all (no finding, no line), collections.abc,
# and the C extensions behind json, hashlib and bisect (the policy cache is marshal data).
CLEAN_NOT_NEEDED = ("policylint.variables", "policylint.waivers", "policylint.report.safe_text", "collections.abc",
                    "policylint.report", "policylint.report.text",
                    "policylint.rules.parse_error", "policylint.rules.invalid_waiver",
                    "policylint.rules.exception_expired", "_json", "_sha256", "_sha2", "_hashlib", "_bisect",
                    "bisect", "hashlib")


def test_a_clean_one_file_check_loads_less_still(tmp_path):
    _, second = _check_twice(tmp_path, "FROM registry.acme.com/platform/python:3.12-slim\nRUN make\n",
                             "version: 1\nregistries:\n  allow: [registry.acme.com]\n" + EXCEPTION,
                             NOT_NEEDED + CLEAN_NOT_NEEDED, ["-q"])
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "exit 0 loaded []"
