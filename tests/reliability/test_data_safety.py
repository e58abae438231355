"""Issue 12 items 2, 4, 5 and 6: outputs never replace special files; a built dataset that does not
match its record is refused; crashes became one-line messages; wrong answers to bad arguments became
refusals. Each case asserts the exact message, the exit code and that the output folders did not change."""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from safety_support import REBUILD, cli, clone, snapshot, temp_files, tk

import tokutei_kg
from tokutei_kg.errors import DatasetMissing, display_path, format_error


@pytest.fixture(scope="module")
def template(built_mini_once: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clone(built_mini_once, tmp_path_factory.mktemp("safety") / "mini")


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Path:
    return clone(template, tmp_path / "mini")


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path (a Unix socket path is limited to 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="tk-", dir="/tmp"))
    yield folder
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()
    folder.rmdir()


def set_cell(root: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell of a curated table (row 1 is the first data row)."""
    path = root / "graph" / "curated" / table
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[row][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


# --- 12.2: -o never replaces a device, FIFO, socket, directory or symbolic link --------------------

KINDS = {
    "char-device": "a character device",
    "fifo": "a FIFO (named pipe)",
    "socket": "a socket",
    "symlink": "a symbolic link",
}
COMMANDS = {
    "export": ("export", "--format", "nq", "-o"),
    "build": ("build", "-o"),
    "viz": ("viz", "-o"),
    "paths": ("paths", "kemnaker", "isa", "--html"),
}


def _make_special(kind: str, path: Path, keep: list[object]) -> int:
    if kind == "char-device":
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except OSError as exc:
            pytest.skip(f"mknod is not permitted on this machine ({exc.strerror}); the FIFO and socket cases cover it")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        keep.append(server)
    else:
        (path.parent / "real.txt").write_bytes(b"keep me\n")
        path.symlink_to(path.parent / "real.txt")
    return os.lstat(path).st_mode


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_output_refuses_special_file(project: Path, short_dir: Path, kind: str, command: str) -> None:
    target = short_dir / "out"
    keep: list[object] = []
    mode = _make_special(kind, target, keep)
    before = snapshot(project)
    result = cli(project, *COMMANDS[command], str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"{display_path(target)}: error: the output path is {KINDS[kind]}, not a regular file — refusing to "
               "replace it; give the path of a regular file\n")
    assert os.lstat(target).st_mode == mode
    assert sorted(p.name for p in short_dir.iterdir()) == sorted(["out", *(["real.txt"] if kind == "symlink" else [])])
    if kind == "symlink":
        assert (short_dir / "real.txt").read_bytes() == b"keep me\n"
    assert snapshot(project) == before
    for thing in keep:
        thing.close()  # type: ignore[attr-defined]


def test_atomic_writer_refuses_a_directory(tmp_path: Path) -> None:
    from tokutei_kg.atomic import OutputError, write_files

    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError) as caught:
        write_files({tmp_path / "ok.txt": b"x", tmp_path / "folder": b"y"})
    error = caught.value
    assert (error.origin, error.line, error.column, error.message, error.hint) == (
        display_path(tmp_path / "folder"), None, None, "the output path is a directory, not a regular file",
        "refusing to replace it; give the path of a regular file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


@pytest.mark.parametrize("command", ["build", "viz", "paths"])
def test_output_directory_is_refused(project: Path, short_dir: Path, command: str) -> None:
    before = snapshot(project)
    result = cli(project, *COMMANDS[command], str(short_dir))
    assert result.exit_code == 2
    option = "'--html'" if command == "paths" else "'-o' / '--output'"
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for {option}: File '{short_dir}' is a directory."
    assert list(short_dir.iterdir()) == []
    assert snapshot(project) == before


# --- 12.4: every reader refuses a dataset that does not match its record ---------------------------

def _damage(project: Path, how: str) -> str:
    """Damage the built dataset; return the expected message."""
    nq = project / "graph" / "built" / "tokutei.nq"
    record = nq.with_name("tokutei.nq.json")
    data = nq.read_bytes()
    lines = data.split(b"\n")[:-1]
    shown = display_path(nq)
    if how == "no-record":
        record.unlink()
        return (f"{shown}: error: the built dataset has no record {display_path(record)}, so it cannot be checked "
                f"(an interrupted or older build) — {REBUILD}")
    if how == "edited":
        assert b"Ministry of Manpower" in data
        nq.write_bytes(data.replace(b"Ministry of Manpower", b"Ministry of Manp0wer", 1))
        found = "its SHA-256 differs from its record"
    else:
        changed = {"truncated": b"".join(line + b"\n" for line in lines[: len(lines) // 2]),
                   "emptied": b"", "one-quad": lines[0] + b"\n" + lines[1] + b"\n"}[how]  # the header comment, a quad
        nq.write_bytes(changed)
        found = f"{len(changed):,} bytes where its record says {len(data):,}"
    return (f"{shown}: error: the built dataset does not match its record ({found}): it was changed or cut short "
            f"after the build — {REBUILD}")


READERS = {
    "query": ("query", "actors-by-side"),
    "export": ("export",),
    "viz": ("viz",),
    "paths": ("paths", "kemnaker", "isa"),
    "evidence": ("evidence",),
    "analyse": ("analyse",),
    "serve": ("serve", "--port", "0"),
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("how", ["truncated", "emptied", "one-quad", "edited", "no-record"])
def test_reader_refuses_dataset_not_matching_its_record(project: Path, how: str, reader: str) -> None:
    message = _damage(project, how)
    before = snapshot(project)
    result = cli(project, *READERS[reader])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message + "\n")
    assert snapshot(project) == before


def test_api_refuses_dataset_not_matching_its_record(project: Path) -> None:
    message = _damage(project, "truncated")
    with pytest.raises(DatasetMissing) as caught:
        tokutei_kg.load(project)
    assert format_error(caught.value) == message


def test_build_writes_the_record_after_the_dataset(project: Path) -> None:
    import hashlib
    import json

    nq = (project / "graph/built/tokutei.nq").read_bytes()
    record = json.loads((project / "graph/built/tokutei.nq.json").read_bytes())
    assert record == {"generated_by": "tokutei-kg build — do not edit; readers refuse a dataset that does not match",
                      "tool_version": tokutei_kg.__version__, "bytes": len(nq),
                      "sha256": hashlib.sha256(nq).hexdigest(), "quads": nq.count(b"\n") - 1, "graphs": 26}  # a comment line heads the file
    assert cli(project, "query", "actors-by-side").exit_code == 0


# --- 12.5: crashes become one line naming the file and the cause -----------------------------------

@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029"], ids=["U+2028", "U+0085", "U+2029"])
def test_line_separators_in_a_description_are_counted_right(template: Path, tmp_path: Path, separator: str) -> None:
    plain = clone(template, tmp_path / "plain")
    odd = clone(template, tmp_path / "odd")
    set_cell(plain, "entities.csv", 1, "description", "first part second part")
    set_cell(odd, "entities.csv", 1, "description", f"first part{separator}second part")
    results = [cli(root, "build", "--no-exports") for root in (plain, odd)]
    assert [r.exit_code for r in results] == [0, 0], results[1].output
    counts = [[line for line in r.stdout.splitlines() if line.lstrip().startswith("quads")] for r in results]
    assert counts[0] == counts[1] and len(counts[0]) == 1
    quads, graphs = re.fullmatch(r"  quads +(\d+) in (\d+) named graphs", counts[1][0]).groups()  # type: ignore[union-attr]
    assert cli(odd, "query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
               "--format", "csv").stdout == f"n\n{quads}\n"
    assert cli(odd, "query", "-e", "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
               "--format", "csv").stdout == f"n\n{graphs}\n"


def test_paths_with_the_same_start_and_end(project: Path) -> None:
    result = cli(project, "paths", "isa", "isa")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "error: FROM and TO are the same entity (isa) — give two different entities to find the paths "
               "between them\n")


CURATED_ODDITIES = {
    "directory": "this is a directory, not a CSV file — put the table in a regular .csv file, or move this out "
                 "of graph/curated",
    "dangling-link": "a symbolic link to missing.csv, which does not exist — fix or remove the link",
    "unreadable": "cannot read the file: Permission denied — check its permissions (it must be readable by you)",
}


@pytest.mark.parametrize("kind", list(CURATED_ODDITIES))
def test_odd_file_among_the_curated_tables(project: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unreadable: chmod 000; as root (who reads it anyway) ``os.open`` is made to fail with EACCES
    for that file, the error a non-root user gets."""
    odd = project / "graph" / "curated" / "claims" / "zz-extra.csv"
    if kind == "directory":
        odd.mkdir()
    elif kind == "dangling-link":
        odd.symlink_to("missing.csv")
    else:
        odd.write_text((project / "graph/curated/claims.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
                       encoding="utf-8")
        odd.chmod(0)
        if os.geteuid() == 0:
            import tokutei_kg.reader as reader

            real_open = os.open

            def refusing(path: object, flags: int, *args: object, **kwargs: object) -> int:
                if Path(str(path)) == odd:
                    raise PermissionError(errno.EACCES, "Permission denied", str(path))
                return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(reader.os, "open", refusing)
    before = snapshot(project)
    result = cli(project, "build")
    monkeypatch.undo()
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"graph/curated/claims/zz-extra.csv: error: {CURATED_ODDITIES[kind]}\n1 error, 0 warnings\n")
    assert snapshot(project) == before


def test_fifo_among_the_curated_tables_does_not_hang(project: Path) -> None:
    os.mkfifo(project / "graph" / "curated" / "claims" / "zz-extra.csv")
    before = snapshot(project)
    result = tk(project, "build", timeout=120)  # a read of the FIFO would block forever
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "graph/curated/claims/zz-extra.csv: error: this is a FIFO (named pipe), not a CSV file — put the "
               "table in a regular .csv file, or move this out of graph/curated\n1 error, 0 warnings\n")
    assert snapshot(project) == before


def test_viz_into_proc(project: Path) -> None:
    before = snapshot(project)
    result = cli(project, "viz", "-o", "/proc/x.html")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "/proc/x.html: error: cannot write a file in /proc: No such file or directory — choose another output "
               "path; the previous outputs are unchanged\n")
    assert not os.path.lexists("/proc/x.html")
    assert snapshot(project) == before


def test_bind_to_something_that_is_not_an_iri(project: Path) -> None:
    result = cli(project, "query", "actors-by-side", "--bind", "x=<not an iri>")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "error: bad --bind 'x=<not an iri>': 'not an iri' is not an IRI (Invalid IRI code point ' ') — write "
               "an absolute IRI such as <https://w3id.org/tokutei-kg/id/institution/kemnaker>, or an entity id\n")


# --- 12.6: wrong answers to bad arguments ------------------------------------------------------------

STAGES = ("stage:contract, stage:departure-arrival, stage:exit-processing, stage:in-japan-route, stage:job-change, "
          "stage:matching, stage:promotion, stage:protection, stage:registration, stage:return, "
          "stage:support-plan-coe, stage:support-supervision, stage:tests, stage:training, stage:visa")


@pytest.mark.parametrize("command", [("paths", "kemnaker", "isa"), ("evidence",)], ids=["paths", "evidence"])
def test_unknown_stage_is_refused_with_the_list(project: Path, command: tuple[str, ...]) -> None:
    result = cli(project, *command, "--stage", "stage:nowhere")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"error: unknown stage 'stage:nowhere' — the stages are: {STAGES}\n")
    result = cli(project, *command, "--stage", "matchng")
    assert (result.exit_code, result.stderr) == (
        2, f"error: unknown stage 'matchng' — did you mean stage:matching? the stages are: {STAGES}\n")


def test_stage_without_its_prefix_is_accepted(project: Path) -> None:
    assert cli(project, "paths", "kemnaker", "isa", "--stage", "matching").stdout == \
        cli(project, "paths", "kemnaker", "isa", "--stage", "stage:matching").stdout != ""


def test_evidence_with_an_unknown_relation(project: Path) -> None:
    result = cli(project, "evidence", "kemnaker", "supervisess", "lpk")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "error: unknown relation 'supervisess' — did you mean supervises?\n")
    assert cli(project, "evidence", "moc-2019-ssw", "dateSigned", "2019-06-25").exit_code == 0


def test_directory_named_like_a_table(project: Path) -> None:
    table = project / "graph" / "curated" / "entities.csv"
    table.unlink()
    table.mkdir()
    before = snapshot(project)
    result = cli(project, "build")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "graph/curated/entities.csv: error: this is a directory, not a CSV file — put the table in a regular "
               ".csv file, or move this out of graph/curated\n1 error, 0 warnings\n")
    assert snapshot(project) == before


def test_ten_megabyte_cell(project: Path) -> None:
    set_cell(project, "entities.csv", 1, "note", "x" * 10_000_000)
    before = snapshot(project)
    result = cli(project, "build")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "graph/curated/entities.csv:2: error: a cell is longer than 131,072 characters — keep long texts in "
               "the source document and cite them with a locator; if the cell should be short, look for a quote "
               "that is opened and never closed\n1 error, 0 warnings\n")
    assert snapshot(project) == before


@pytest.mark.parametrize("terminal", [{"PYTHONIOENCODING": "latin-1"}, {"PYTHONIOENCODING": "ascii"},
                                      {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}],
                         ids=["latin-1", "ascii", "LANG=C"])
def test_viz_on_a_terminal_that_is_not_utf8(project: Path, terminal: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LC_ALL", "PYTHONUTF8")}
    explorer = project / "exports" / "explorer.html"
    explorer.unlink()
    result = tk(project, "viz", env={**env, **terminal}, cwd=project)
    assert result.returncode == 0, result.stderr
    size = explorer.stat().st_size / 1e6
    dash = "\\u2014" if terminal.get("PYTHONIOENCODING") == "latin-1" else "—"
    assert (result.stdout, result.stderr) == (
        f"wrote exports/explorer.html ({size:.1f} MB) {dash} open it in a web browser\n", "")
    assert temp_files(project) == []
