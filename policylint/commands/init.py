"""`policylint init`: write a starter policy from the registries and tags the repository uses."""

from __future__ import annotations

import os
import sys
from collections import Counter

from policylint.errors import PolicylintError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

_TEMPLATE = """\
# policylint policy: https://github.com/policylint/policylint/blob/main/docs/policy.md
# Written by 'policylint init' from the {count} image references found; review before committing.
version: 1
registries:
  # the registries and repository prefixes this repository pulls from today
  allow:
{allow}
tags:
  require: true          # a reference with no tag and no digest means :latest
  deny: [latest]
digests:
  require: false
fully_qualified: false
# environments:
#   release:
#     match: {{paths: ["deploy/prod/**"]}}
#     tags: {{pattern: '^v\\d+\\.\\d+\\.\\d+$'}}
"""


def run(args: argparse.Namespace) -> int:
    from policylint.commands.images import collect

    if os.path.exists(args.output) and not args.force:
        raise PolicylintError(f"{args.output} already exists; use --force to overwrite it")
    for name in ("policy", "env", "stdin_filename"):
        setattr(args, name, None)
    args.build_arg, args.exclude, args.use_env, args.no_gitignore, args.jobs, args.quiet = [], [], False, False, 0, True
    entries, _ = collect(args)
    prefixes: Counter = Counter()
    for entry in entries:
        normalized = entry["normalized"]
        if not normalized:
            continue
        host, _, path = normalized.partition("/")
        if host == "docker.io" and path.startswith("library/"):
            prefixes["docker.io/library"] += 1
        elif "/" in path:
            prefixes[f"{host}/{path.split('/')[0]}"] += 1
        else:
            prefixes[host] += 1
    allow = "\n".join(f"    - {_yaml_text(prefix)}   # {count} reference{'s' if count != 1 else ''}"
                      for prefix, count in sorted(prefixes.items())) or "    []"
    if not prefixes:
        allow = "    []"
    text = _TEMPLATE.format(count=len(entries), allow=allow)
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise PolicylintError(f"cannot write {args.output}: {error.strerror or error}") from None
    print(f"policylint: wrote {args.output} ({len(prefixes)} registry entries)", file=sys.stderr)
    return 0


def _yaml_text(text: str) -> str:
    """`text` as a YAML scalar: plain where YAML reads it back as written, else double-quoted
    (an IPv6 registry `[fd00::1]:5000/team` would otherwise be a flow sequence)."""
    if text[:1] in "[]{}*&!|>'\"%@`#,?:-" or ": " in text or " #" in text or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
