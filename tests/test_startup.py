"""What a one-file check (the pre-commit case) loads: only what it needs, so it starts fast."""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Modules a Dockerfile check with a cached policy has no use for. typing is for type checkers
# only (policylint.records); YAML and jsonschema are for YAML files and new policies; argparse
# (with gettext, locale and shutil) only for command lines cli.quick_check_arguments hands over;
# `expires` dates compare as YYYY-MM-DD text.
NOT_NEEDED = ("typing", "yaml", "jsonschema", "shutil", "dataclasses", "pickle", "tempfile", "importlib.metadata",
              "argparse", "gettext", "locale", "contextlib", "datetime", "importlib", "warnings", "json",
              "encodings.utf_8_sig")

CHECK = """
import sys
sys.path.insert(0, {repo!r})
from policylint.cli import main
code = main(["Dockerfile", *{extra!r}])
loaded = [name for name in {names!r} if name in sys.modules]
print("exit", code, "loaded", loaded)
"""


def test_a_one_file_check_loads_no_module_it_does_not_need(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM registry.acme.com/platform/python:3.12-slim\nFROM nginx\n")
    (tmp_path / ".policylint.yaml").write_text(
        "version: 1\nregistries:\n  allow: [registry.acme.com]\ntags:\n  deny: [latest]\n"
        "environments:\n  release:\n    match: {paths: ['deploy/**']}\n    tags: {pattern: '^v[0-9]+$'}\n"
        "exceptions:\n  - images: [docker.io/library/nginx]\n    rules: [tag-missing]\n    reason: local only\n"
        "    expires: 2099-01-31\n")
    env = {**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    script = CHECK.format(repo=REPO, names=NOT_NEEDED, extra=[])
    # the first run validates the policy (YAML and jsonschema) and caches it
    first = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    # -S: no site-packages, whose .pth files may import anything; what policylint needs is in REPO
    second = subprocess.run([sys.executable, "-S", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                            text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "exit 1 loaded []"
    assert "registry-not-allowed" in second.stdout
    # the same findings either way
    assert first.stdout.splitlines()[:-1] == second.stdout.splitlines()[:-1]


# What a clean Dockerfile (the usual pre-commit run) does not need either: the expansion of
# variables (no `$` or quotes), waivers and exceptions (no finding, no marker), the rules that
# only judge parse errors, waivers and expired exceptions, the escaping
# of text to print (nothing to print with -q), collections.abc, and the C extensions behind
# json, hashlib and bisect (the policy cache is marshal data).
CLEAN_NOT_NEEDED = ("policylint.variables", "policylint.waivers", "policylint.report.safe_text", "collections.abc",
                    "policylint.rules.parse_error", "policylint.rules.invalid_waiver",
                    "policylint.rules.exception_expired",
                    "_json", "_sha256", "_sha2", "_hashlib", "_bisect",
                    "bisect", "hashlib")


def test_a_clean_one_file_check_loads_less_still(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text("FROM registry.acme.com/platform/python:3.12-slim\nRUN make\n")
    (tmp_path / ".policylint.yaml").write_text(
        "version: 1\nregistries:\n  allow: [registry.acme.com]\n"
        "exceptions:\n  - images: [docker.io/library/nginx]\n    rules: [tag-missing]\n    reason: local only\n"
        "    expires: 2099-01-31\n")
    env = {**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    script = CHECK.format(repo=REPO, names=NOT_NEEDED + CLEAN_NOT_NEEDED, extra=["-q"])
    for flags in ([], ["-S"]):  # the first run validates the policy and caches it (YAML is in site-packages)
        completed = subprocess.run([sys.executable, *flags, "-c", script], cwd=tmp_path, env=env,
                                   capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[-1] == "exit 0 loaded []"
