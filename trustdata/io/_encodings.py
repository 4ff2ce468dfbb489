"""Encodings: the bytes of a text table as UTF-8 (BOM, UTF-16, Windows-1252, mixed files)."""

from __future__ import annotations

import codecs
import re

from trustdata.errors import FileProblem


def _decode(data: bytes, name: str, header_example: str) -> tuple[bytes, int, list[str]]:
    """UTF-8 bytes of the file, where its text starts (after a BOM) and notes.

    Raises FileProblem when the file is not a text table; an empty one is shown
    ``header_example``, the header its table needs (the caller knows the table: a log table's
    required columns, an app's usual export header).
    """
    notes: list[str] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeError:
            raise FileProblem("starts like UTF-16 text but is not.", source=name) from None
        notes.append("UTF-16 text (read as UTF-16)")
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    head = data[start : start + 65536]
    if not head.strip():
        raise FileProblem(
            f"is empty; expected a header line naming the columns (e.g. {header_example}).",
            source=name,
        )
    if b"\x00" in head:
        odd, even = head[1::2], head[0::2]
        encoding = None
        if len(head) >= 4 and odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
            encoding = "utf-16-le"
        elif len(head) >= 4 and even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
            encoding = "utf-16-be"
        if encoding is None:
            raise FileProblem(
                "is not a text table (it holds binary data); expected CSV.", source=name
            )
        try:
            data = data.decode(encoding).encode("utf-8")
        except UnicodeError:
            raise FileProblem(
                f"looks like {encoding.upper()} text without a byte-order mark, but is not; "
                "save it as CSV UTF-8.",
                source=name,
            ) from None
        notes.append(f"UTF-16 text without a byte-order mark (read as {encoding.upper()})")
        start, head = 0, data[:65536]
        first = head.lstrip()[:64].lower()
    first = head.lstrip()[:64].lower()
    if first.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<table")):
        raise FileProblem(
            "looks like an HTML/XML page, not a CSV table; download or export the data as CSV.",
            source=name,
        )
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise FileProblem(
            "is a spreadsheet workbook (or another zip/OLE file), not CSV; save the sheet as "
            "CSV UTF-8.",
            source=name,
        )
    if first.startswith((b"[", b"{")):
        raise FileProblem(
            "looks like JSON, not CSV; name it with the .json extension.", source=name
        )
    view = memoryview(data)
    try:
        if not _is_utf8(data, start):
            raise UnicodeDecodeError("utf-8", b"", 0, 1, "not UTF-8")
    except UnicodeDecodeError:
        # UTF-8 letters (é as two bytes) on some lines, lone cp1252 bytes (é as one) on others: a
        # file that was appended to by two programs.  Reading it all as cp1252 would garble the
        # UTF-8 part.  Each line is read entirely in one encoding: a line that is not UTF-8 as a
        # whole is cp1252 as a whole, so no byte pair inside a cp1252 line (A0 C3 A0, " Ã ") is
        # ever taken for a UTF-8 letter ("à").
        try:
            text, line = _decode_by_line(data, start)
        except UnicodeDecodeError:
            raise FileProblem(
                "is neither UTF-8 nor Windows-1252 (cp1252) text; save it as CSV UTF-8.",
                source=name,
            ) from None
        if line:
            notes.append(
                "mixed encodings: UTF-8 text with some Windows-1252 (cp1252) characters (the "
                f"first on line {line}); each part read in its own encoding"
            )
        else:
            notes.append("not UTF-8: read as Windows-1252 (cp1252), as Excel writes it")
        data, start = text.encode("utf-8"), 0
    else:
        # Valid UTF-8 that holds C1 control characters (U+0080-U+009F) is, in practice, a
        # Windows-1252 file whose bytes happen to form UTF-8 sequences (e.g. "Â" + "Œ"): no
        # person types those controls.  Read it as cp1252 when that decodes.
        # Decided per line: a line that also holds UTF-8 letters (Zoë) stays UTF-8.
        # (every such character starts with the byte C2: a file without one, found by one
        # memchr, holds none, and the slower pattern search is skipped)
        if data.find(b"\xc2", start) >= 0 and _C1_IN_UTF8.search(data, start) is not None:
            lines = data[start:].split(b"\n")
            changed = 0
            for i, line in enumerate(lines):
                if _C1_IN_UTF8.search(line) is None:
                    continue
                if _UTF8_LETTER.search(_C1_IN_UTF8.sub(b"", line)) is not None:
                    continue
                try:
                    lines[i] = line.decode("cp1252").encode("utf-8")
                except UnicodeDecodeError:
                    continue
                changed += 1
            if changed:
                notes.append(
                    f"{changed} line(s) read as Windows-1252 (cp1252): as UTF-8 they would hold "
                    "control characters"
                )
                data, start = b"\n".join(lines), 0
    finally:
        view.release()
    return data, start, notes


def _decode_by_line(data: bytes, start: int) -> tuple[str, int]:
    """Text of ``data[start:]`` (not UTF-8 as a whole) and the first cp1252 line of a mixed file.

    The file is mixed when at least one of its lines is UTF-8 as a whole and holds a UTF-8
    letter (``_UTF8_LETTER``); then each line that is UTF-8 as a whole is read as UTF-8 (unless,
    as in a UTF-8 file, it holds C1 controls and no letter besides) and every other line as
    cp1252 as a whole.
    Otherwise the whole file is cp1252 and the line returned is 0.  Raises UnicodeDecodeError
    when a line that must be cp1252 holds a byte cp1252 lacks.
    """
    if _UTF8_LETTER.search(data, start) is None:
        return data[start:].decode("cp1252"), 0
    lines = data[start:].splitlines(keepends=True)
    utf8 = [False] * len(lines)
    mixed = False
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        letter = _UTF8_LETTER.search(line) is not None
        utf8[i] = _C1_IN_UTF8.search(line) is None or (
            letter and _UTF8_LETTER.search(_C1_IN_UTF8.sub(b"", line)) is not None
        )
        mixed = mixed or (utf8[i] and letter)
    if not mixed:
        return data[start:].decode("cp1252"), 0
    first = 0
    parts = []
    for i, line in enumerate(lines):
        if utf8[i]:
            parts.append(line.decode("utf-8"))
            continue
        if not first and not line.isascii():
            first = i + 1
        parts.append(line.decode("cp1252"))
    return "".join(parts), first or 1


def _is_utf8(data: bytes, start: int) -> bool:
    """Whether ``data[start:]`` is well-formed UTF-8, as Python's codec decides it.

    pyarrow validates the bytes in place (about 20 times faster than decoding them); both follow
    the Unicode standard's definition (no overlong forms, no surrogates, nothing past U+10FFFF),
    which a test checks byte sequence by byte sequence.  Python decides when pyarrow cannot.
    """
    try:
        import pyarrow as pa

        body = pa.py_buffer(data)[start:]
        offsets = pa.array([0, len(body)], type=pa.int64()).buffers()[1]
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, body]).cast(pa.large_string())
        return True
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    except Exception:  # invalid, or a form pyarrow refuses: Python decides
        pass
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        step = 1 << 24
        for i in range(start, len(data), step):
            decoder.decode(view[i : i + step], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        view.release()
    return True


_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


# A two-byte UTF-8 letter of the Latin-1 Supplement or Latin Extended-A (à-ÿ, À-Þ, Œ, œ, Ł, ...).
_UTF8_LETTER = re.compile(rb"[\xc3-\xc5][\x80-\xbf]")


_CP1252_FALLBACK = "trustdata-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as Windows-1252 (or fail)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252"), exc.end


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)
