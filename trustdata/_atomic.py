"""Writes that cannot leave half a file, and outputs that cannot land on an input.

Every file trustdata writes goes first to a temporary file in the same folder, which is renamed
over the target (:func:`os.replace`, atomic on POSIX and Windows) only once it is complete and
flushed.  An interrupted run (Ctrl-C, a full disk, a crash) therefore leaves either the old
file or the new one, never a truncated one.

:func:`check_not_an_input` refuses an output path that is one of a command's inputs (or a log
table of an input folder, or any existing log table file), so that no command can write a
report over ``checkins.csv`` or an import over the export it is reading.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> with atomic_path(folder / "report.html") as tmp:
...     _ = tmp.write_text("<p>hello</p>")
>>> sorted(p.name for p in folder.iterdir())
['report.html']
>>> (folder / "checkins.csv").write_text("couple_id\\n")
10
>>> check_not_an_input(folder / "checkins.csv", [folder])
Traceback (most recent call last):
...
trustdata.errors.FileProblem: ...checkins.csv: is one of this command's inputs ...
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from trustdata.errors import FileProblem

__all__ = [
    "atomic_path",
    "write_bytes",
    "write_text",
    "move_into",
    "check_not_an_input",
    "log_files",
]

#: The log tables and the file name extensions the loader reads (kept here, not imported from
#: io, so that io can use this module).
_TABLES = ("checkins", "triggers", "events", "couples")
_EXTENSIONS = (".csv", ".json", ".parquet")


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """A temporary path next to ``target``, renamed over it when the block ends without error.

    The temporary file is hidden (``.NAME.XXXX.tmp``), in the target's folder (so the rename
    never crosses file systems), flushed to disk before the rename, and removed when the block
    raises (including ``KeyboardInterrupt``).  The new file gets the permissions of the file it
    replaces, or the usual ones for a new file (0o666 less the umask).
    """
    target = Path(target)
    folder = target.parent
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        try:
            mode = target.stat().st_mode & 0o7777
        except OSError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_path`)."""
    return write_bytes(target, text.encode(encoding))


def move_into(staging: str | Path, folder: str | Path, *, remove: Iterable[str] = ()) -> list[Path]:
    """Move every file of ``staging`` into ``folder`` (one atomic rename each), then delete the
    files of ``folder`` named in ``remove`` and the ``staging`` folder itself.

    ``staging`` must be on the same file system as ``folder`` (e.g. a sub-folder of it).
    Returns the files moved, in their new place.
    """
    staging, folder = Path(staging), Path(folder)
    moved = []
    for path in sorted(p for p in staging.iterdir() if p.is_file()):
        os.replace(path, folder / path.name)
        moved.append(folder / path.name)
    for name in remove:
        if name not in {p.name for p in moved}:
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return moved


def log_files(folder: str | Path) -> list[Path]:
    """The log table files (``checkins.csv``, ``triggers.parquet``, ...) directly in ``folder``."""
    folder = Path(folder)
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    return sorted(
        p
        for p in entries
        if p.stem.lower() in _TABLES and p.suffix.lower() in _EXTENSIONS and not p.is_dir()
    )


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_not_an_input(
    target: str | Path, inputs: Iterable[str | Path], *, log_name_ok: bool = False
) -> None:
    """Refuse to write ``target`` when that would overwrite an input or a log.

    ``target`` is refused when it is one of ``inputs`` (also through a link or another
    spelling), or a log table file of an input folder (or of the folder of an input file).
    Unless ``log_name_ok`` (for commands that write log tables), it is also refused when its
    name is that of a log table (``checkins.csv``, ``triggers.json``, ...): a report written
    there would destroy a log or be read as one.

    Raises
    ------
    FileProblem
        With a sentence naming the file and what to do instead.
    """
    target = Path(target)
    candidates: list[Path] = []
    for item in inputs:
        p = Path(item)
        candidates.append(p)
        folder = p if p.is_dir() else p.parent
        candidates.extend(log_files(folder))
    for c in candidates:
        if _same(target, c) or target.absolute() == c.absolute():
            raise FileProblem(
                "is one of this command's inputs (or a log of its folder); writing there "
                "would destroy it: choose another output name.",
                source=str(target),
            )
    if not log_name_ok and target.stem.lower() in _TABLES and target.suffix.lower() in _EXTENSIONS:
        raise FileProblem(
            "has the name of a log table; writing there would destroy a log or be read as "
            "one: choose another output name (such as report.html).",
            source=str(target),
        )
