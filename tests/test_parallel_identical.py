"""The process pool changes nothing but speed: full JSON output is identical with and without it.

Run over ../shared/corpus (skipped when it is absent). There is deliberately no text pre-filter
that skips composing YAML files without "image" in them: a YAML file with no reference can
still be a parse-error (syntax, nesting, a duplicate key), and only composing it tells; the
last test pins that down so such a shortcut is not added by accident.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import List

import pytest

from policylint import engine
from policylint.cli import main
from policylint.commands import common
from policylint.discovery import discover
from policylint.policy import default_policy
from policylint.report import ReportOptions, write

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


def _json(result) -> str:
    out = io.StringIO()
    write("json", result, out, ReportOptions(color=False))
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus_sources():
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    sources = discover([str(CORPUS)], root=str(CORPUS)).files
    assert len(sources) >= engine.PARALLEL_THRESHOLD, "the corpus must be large enough to start the pool"
    return sources


@needs_corpus
def test_check_json_is_identical_with_and_without_the_pool(corpus_sources):
    options = engine.EngineOptions(policy=default_policy())
    serial, serial_reports = engine.run(corpus_sources, options, jobs=1)
    pooled, pooled_reports = engine.run(corpus_sources, options, jobs=2)
    assert [report.path for report in pooled_reports] == [source.path for source in corpus_sources]
    assert serial.findings, "the corpus should have findings to compare"
    assert _json(pooled) == _json(serial)
    assert (pooled.files_scanned, pooled.references, pooled.unreadable) == \
        (serial.files_scanned, serial.references, serial.unreadable)


@needs_corpus
def test_images_are_identical_with_and_without_the_pool(corpus_sources):
    sources = corpus_sources[: max(engine.PARALLEL_THRESHOLD, 600)]
    options = engine.EngineOptions(policy=default_policy(), collect_references=True)

    def images(jobs: int) -> List[tuple]:
        _, reports = engine.run(sources, options, jobs=jobs)
        return [(report.path, occurrence, subject.written, subject.resolved, subject.error,
                 subject.ref.normalized if subject.ref is not None else None)
                for report in reports for occurrence, subject in report.subjects]

    serial = images(1)
    assert serial
    assert images(2) == serial


@needs_corpus
def test_every_reference_and_finding_is_identical_without_the_prefilter(corpus_sources, monkeypatch):
    """The text pre-filters (Kubernetes: documents, mappings and lists without `image`; Helm
    values: those without `image` in any case) skip walking and composing: on the corpus they
    must change nothing, neither the findings nor a single reference or its location."""
    from policylint.scanners import helm, kubernetes

    options = engine.EngineOptions(policy=default_policy(), collect_references=True)

    def everything():
        result, reports = engine.run(corpus_sources, options, jobs=1)
        return _json(result), [(report.path, occurrence) for report in reports for occurrence, _ in report.subjects]

    filtered = everything()
    monkeypatch.setattr(kubernetes, "PREFILTER", False)
    monkeypatch.setattr(helm, "PREFILTER", False)
    unfiltered = everything()
    assert len(filtered[1]) > 4000
    assert filtered == unfiltered


@needs_corpus
def test_cli_json_is_identical_with_and_without_the_pool(corpus_sources, monkeypatch, capsys):
    """The whole command, as users run it, on the first corpus folders that reach the pool threshold."""
    monkeypatch.chdir(CORPUS)
    folders: List[str] = []
    count = 0
    for source in corpus_sources:
        top = source.path.split("/", 1)[0]
        if top not in folders:
            if count >= engine.PARALLEL_THRESHOLD + 100:
                break
            folders.append(top)
        count += 1
    outputs = []
    for jobs in ("1", "2"):
        assert main(["check", *folders, "-f", "json", "-q", "--fail-on", "never", "-j", jobs]) == 0
        outputs.append(capsys.readouterr().out)
    assert json.loads(outputs[0])["summary"]
    assert outputs[1] == outputs[0]


def test_pool_keeps_the_order_of_the_sources(tmp_path, monkeypatch):
    """Batches come back in order whatever the workers finish first, down to a batch of one."""
    for index in range(30):
        folder = tmp_path / f"d{index:02d}"
        folder.mkdir()
        (folder / "Dockerfile").write_text(f"FROM nginx{':latest' if index % 2 else ''}\n")
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(engine, "_BATCH_FILES", 1)
    options = engine.EngineOptions(policy=default_policy())
    serial, _ = engine.run(sources, options, jobs=1)
    pooled, reports = engine.run(sources, options, jobs=3)
    assert [report.path for report in reports] == [source.path for source in sources]
    assert _json(pooled) == _json(serial)


def test_jobs_zero_means_one_per_usable_core():
    class Args:
        jobs = 0

    assert common.jobs(Args()) == common.usable_cores() >= 1
    Args.jobs = 3
    assert common.jobs(Args()) == 3


def test_yaml_without_image_can_still_be_a_parse_error(tmp_path):
    """Why no file is skipped unparsed: no `image` text, and still a finding, in a file or in a
    document of a bundle. A duplicate key is looked for only where it may change an image: not
    in a document policylint does not read (a CI config), nor in one without `image` in its
    text (blanked out before composing, see kubernetes.text_to_compose)."""
    (tmp_path / "ci.yaml").write_text("name: ci\non: push\nname: twice\n")
    (tmp_path / "broken.yaml").write_text("jobs: [build\n")
    (tmp_path / "service.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nkind: Pod\n")
    (tmp_path / "bundle.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: 'nginx:1.27'}]}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: [1, 2}\n")
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    result, _ = engine.run(sources, engine.EngineOptions(policy=default_policy()), jobs=1)
    assert [(finding.location.path, finding.location.line, finding.rule) for finding in result.findings] == [
        ("broken.yaml", 2, "parse-error"),
        ("bundle.yaml", 9, "parse-error"),
    ]
    assert all("image" not in path.read_text() for path in tmp_path.iterdir() if path.name != "bundle.yaml")


def test_a_run_collects_garbage_rarely_and_restores_the_collector(tmp_path, monkeypatch):
    """Collections are spaced out while files are checked, and put back as they were after,
    even when a scan fails: policylint used as a library must not change its host's collector."""
    import gc

    (tmp_path / "Dockerfile").write_text("FROM nginx:1\n")
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    options = engine.EngineOptions(policy=default_policy())
    seen = []
    real = engine.check_source

    def spying(source, options):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count() > 0, gc.isenabled()))
        return real(source, options)

    monkeypatch.setattr(engine, "check_source", spying)
    before = gc.get_threshold()
    engine.run(sources, options, jobs=1)
    assert seen == [(50_000, True, True)]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0 and gc.isenabled()

    # the command line turns the collector off while it starts (cli.run): on for the run, then off
    gc.disable()
    try:
        engine.run(sources, options, jobs=1)
        assert seen[-1] == (50_000, True, True)
        assert not gc.isenabled()
    finally:
        gc.enable()

    monkeypatch.setattr(engine, "check_source", lambda source, options: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        engine.run(sources, options, jobs=1)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_executor_used_where_fork_is_not_gives_the_same_reports(tmp_path, monkeypatch):
    """macOS and Windows use a ProcessPoolExecutor instead of forked workers: same output."""
    from policylint import parallel

    for index in range(12):
        (tmp_path / f"s{index:02d}").mkdir()
        (tmp_path / f"s{index:02d}" / "compose.yaml").write_text(f"services:\n  a:\n    image: redis{':7' * (index % 2)}\n")
    sources = discover([str(tmp_path)], root=str(tmp_path)).files
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(engine, "_BATCH_FILES", 2)
    options = engine.EngineOptions(policy=default_policy())
    serial, _ = engine.run(sources, options, jobs=1)
    monkeypatch.setattr(parallel, "fork_available", lambda: False)
    pooled, reports = engine.run(sources, options, jobs=2)
    assert [report.path for report in reports] == [source.path for source in sources]
    assert _json(pooled) == _json(serial)
    assert len(serial.findings) == 6


@pytest.mark.parametrize(("count", "jobs"), [(5, 2), (200, 2), (2286, 2), (30_000, 4), (100_000, 64), (10**6, 8)])
def test_batches_cover_every_file_in_order_and_shrink_towards_the_end(count, jobs):
    sources = list(range(count))
    batches = engine._batches(sources, jobs, 1000)
    assert [item for batch in batches for item in batch] == sources
    assert 0 < len(batches) <= 1000
    sizes = [len(batch) for batch in batches]
    assert sizes == sorted(sizes, reverse=True) or len(set(sizes[:-1])) == 1  # shrinking, or equal
    if len(batches) < 1000 and count >= 100:
        assert sizes[-2] <= engine._LAST_BATCH_FILES  # the processes finish a few files apart
