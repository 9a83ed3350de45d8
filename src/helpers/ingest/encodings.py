"""Text encodings of raw exports: choose one, detect one, and say where a file stops decoding."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from helpers.ingest.errors import IngestError

__all__ = [
    "choose_encoding",
    "decode_prefix",
    "detect_encoding",
    "locate_decode_error",
    "non_utf8_sample",
    "undecodable_error",
]

# multi-byte encodings; any other guess is a single-byte code page, read as `latin_encoding`
_MULTIBYTE = re.compile(r"^(gb|big5|euc|shift_jis|sjis|cp93\d|cp949|cp950|iso2022|utf|hz|johab|ks)")
_CHINESE = {"gb2312", "gbk", "gb18030", "hz"}


def decode_prefix(data: bytes, encoding: str) -> str:
    """Decode bytes that may end in the middle of a multi-byte character.

    Parameters
    ----------
    data
        The first bytes of a file.
    encoding
        A Python codec name.

    Returns
    -------
    str
        The text of every complete character in ``data``.

    Raises
    ------
    UnicodeDecodeError
        When ``data`` holds a sequence ``encoding`` cannot decode.
    """
    return codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=False)


def locate_decode_error(path: Path, encoding: str) -> tuple[int, bytes] | None:
    """Line number and bytes of the first sequence ``encoding`` cannot decode.

    Parameters
    ----------
    path
        The text file.
    encoding
        A Python codec name.

    Returns
    -------
    tuple of (int, bytes) or None
        The 1-based line number and the undecodable bytes; None when the whole file decodes.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                start = max(0, min(exc.start, len(chunk)))
                line = lines_before + chunk[:start].count(b"\n") + 1
                return line, exc.object[exc.start : exc.end]
            lines_before += chunk.count(b"\n")
    return None


def undecodable_error(
    path: Path, encoding: str, name: str, table: str, default_line: int
) -> IngestError:
    """The error for a file that does not decode in the encoding it was given or marked with.

    Parameters
    ----------
    path
        The text file.
    encoding
        The encoding it was read with.
    name
        The file's display name, first in the message.
    table
        The canonical table the file is a source of (the message names its config key).
    default_line
        The line number to report if the failing bytes cannot be located.

    Returns
    -------
    IngestError
        Naming the line, the bytes in hex and the config key to set.
    """
    line, bad = locate_decode_error(path, encoding) or (default_line, b"")
    return IngestError(
        f"{name}: row {line}: bytes {bad.hex(' ')} cannot be decoded as {encoding} "
        f"(expected text in {encoding}; set tables.{table}.encoding to the file's encoding, "
        "e.g. cp1252 or gbk)"
    )


def detect_encoding(sample: bytes, latin_default: str) -> str | None:
    """Best guess of a non-UTF-8 sample's encoding (charset-normalizer, steered to cp1252/GBK).

    Parameters
    ----------
    sample
        Bytes of the file, ideally lines holding non-ASCII bytes.
    latin_default
        The single-byte code page to use whenever the guess is a single-byte one and the sample
        decodes in it (e.g. ``cp1252``).

    Returns
    -------
    str or None
        A Python codec name (``gb18030`` for any Chinese guess, a superset of GBK and GB2312);
        None when nothing fits.
    """
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        return None
    guess = best.encoding.lower().replace("-", "_")
    if guess in _CHINESE:
        return "gb18030"
    if not _MULTIBYTE.match(guess):
        try:
            sample.decode(latin_default)
            return latin_default
        except UnicodeDecodeError:
            return guess
    return guess


def non_utf8_sample(path: Path, limit: int) -> bytes:
    """Up to about ``limit`` bytes of whole lines holding non-ASCII bytes (to detect encodings).

    Parameters
    ----------
    path
        The text file.
    limit
        Stop once this many bytes are collected (the last line is kept whole).

    Returns
    -------
    bytes
        The lines joined, in file order.
    """
    out: list[bytes] = []
    size = 0
    with open(path, "rb") as handle:
        for line in handle:
            if size >= limit:
                break
            if any(byte > 127 for byte in line):
                out.append(line)
                size += len(line)
    return b"".join(out)


def utf8_line_counts(data: bytes) -> tuple[int, int]:
    """Lines holding non-ASCII bytes that decode as UTF-8, and lines that do not.

    Parameters
    ----------
    data
        Bytes of the file (whole lines; a cut last line counts as it decodes so far).

    Returns
    -------
    tuple of (int, int)
        Lines that are UTF-8 with non-ASCII text, lines that are not UTF-8.
    """
    good = bad = 0
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        try:
            decode_prefix(line, "utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return good, bad


def is_mixed_utf8(data: bytes) -> bool:
    """Whether some lines are UTF-8 with non-ASCII text and others are not UTF-8 at all.

    Parameters
    ----------
    data
        Bytes of the file.

    Returns
    -------
    bool
        True for a UTF-8 file into which a few lines in another encoding were pasted.
    """
    good, bad = utf8_line_counts(data)
    return good > 0 and bad > 0


def file_is_mixed_utf8(path: Path) -> bool:
    """Whether a file has UTF-8 lines with non-ASCII text and lines that are not UTF-8.

    Parameters
    ----------
    path
        The text file (read line by line until both kinds are seen).

    Returns
    -------
    bool
        As :func:`is_mixed_utf8`, for the whole file.
    """
    good = bad = False
    with open(path, "rb") as handle:
        for line in handle:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good = True
            except UnicodeDecodeError:
                bad = True
            if good and bad:
                return True
    return False


def decode_by_line(data: bytes, fallback: str) -> tuple[str, list[int]]:
    """Decode each line as UTF-8, or in ``fallback`` where it is not UTF-8.

    Parameters
    ----------
    data
        Bytes of the file.
    fallback
        The codec of the other lines (e.g. ``cp1252``).

    Returns
    -------
    tuple of (str, list of int)
        The text, and the 1-based numbers of the lines read in ``fallback``.

    Raises
    ------
    UnicodeDecodeError
        When a line is neither UTF-8 nor ``fallback``.
    """
    lines, fallen = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(line.decode(fallback))
            fallen.append(number)
    return "\n".join(lines), fallen


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when every other byte is NUL and the text decodes."""
    sample = head[: len(head) - len(head) % 2][:65536]
    half = len(sample) // 2
    if half < 8:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    codec = "utf-16-le" if odd > 0.6 * half and even == 0 else None
    if even > 0.6 * half and odd == 0:
        codec = "utf-16-be"
    if codec is None:
        return None
    try:
        text = sample.decode(codec)
    except UnicodeDecodeError:
        return None
    return (
        codec
        if sum(char.isprintable() or char in "\r\n\t" for char in text) > 0.95 * len(text)
        else None
    )


def choose_encoding(
    path: Path, head: bytes, configured: str, latin_default: str, name: str
) -> tuple[str, str]:
    """Encoding of a text file: configured; else BOM; else UTF-8 if the head decodes; else detected.

    Parameters
    ----------
    path
        The text file (unused: the decision rests on ``head``).
    head
        The file's first bytes.
    configured
        The table's ``encoding`` option; ``auto`` or empty to decide from the bytes.
    latin_default
        The single-byte code page preferred by detection (``latin_encoding``).
    name
        The file's display name, first in error messages.

    Returns
    -------
    tuple of (str, str)
        The codec name and how it was chosen: ``configured``, ``BOM``, ``utf-8``, ``detected``
        or ``utf-8 by line, else cp1252`` (UTF-8 lines mixed with lines in the Latin code page).

    Raises
    ------
    IngestError
        When the configured encoding is unknown or no encoding can be detected.
    """
    if configured and configured != "auto":
        try:
            codecs.lookup(configured)
        except LookupError:
            raise IngestError(
                f"{name}: unknown encoding {configured!r} (expected e.g. utf-8, cp1252, gbk)"
            ) from None
        return configured, "configured"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "BOM"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16, "UTF-16 pattern, no BOM"
    try:
        decode_prefix(head, "utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    if is_mixed_utf8(head):
        return "utf-8", f"utf-8 by line, else {latin_default}"
    detected = detect_encoding(head, latin_default)
    if detected is None:
        raise IngestError(
            f"{name}: cannot detect the text encoding (expected a CSV text file in UTF-8, cp1252, "
            "GBK...; set the table's encoding, or format: xlsx / parquet if it is not text)"
        )
    return detected, "detected"
