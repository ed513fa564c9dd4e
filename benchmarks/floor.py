"""The floor: the least any YAML-reading linter must do with the files policylint checks.

Reads every file named in LIST (one `kind<TAB>path` a line, as bench.py writes it) and
composes every YAML document with libyaml (yaml.compose_all with CSafeLoader); Dockerfiles
are only read. Run in a fresh process, so interpreter start and `import yaml` count, as they
do for policylint. Prints the number of files, bytes and YAML documents.

    python benchmarks/floor.py LIST
"""

import sys

import yaml


def main(list_path: str) -> int:
    loader = yaml.CSafeLoader
    files = documents = size = 0
    with open(list_path, encoding="utf-8") as listing:
        entries = [line.rstrip("\n").split("\t", 1) for line in listing if line.strip()]
    for kind, path in entries:
        with open(path, "rb") as handle:
            data = handle.read()
        files += 1
        size += len(data)
        if kind == "dockerfile":
            continue
        try:
            for _ in yaml.compose_all(data, Loader=loader):
                documents += 1
        except yaml.YAMLError:
            pass
    print(f"{files} files, {size} bytes, {documents} YAML documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
