"""Uploaded documents: the type is decided from the content, never from the name alone.

`check_upload` accepts PDF, OFD, Word, Excel, PowerPoint (old binary and Office Open XML), WPS,
images, DWG and ZIP; the extension must agree with what the bytes are. Office Open XML files are
ZIP archives: which one it is (Word, Excel, PowerPoint) is read from the archive's members, so a
renamed ZIP or an Excel file called .docx is refused.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import DomainError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extension -> (detected kind, MIME type)
EXTENSIONS = {
    "pdf": ("pdf", "application/pdf"),
    "ofd": ("ofd", "application/ofd"),
    "doc": ("ole", "application/msword"),
    "wps": ("ole", "application/vnd.ms-works"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "et": ("ole", "application/vnd.ms-excel"),
    "ppt": ("ole", "application/vnd.ms-powerpoint"),
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "jpg": ("jpg", "image/jpeg"),
    "jpeg": ("jpg", "image/jpeg"),
    "png": ("png", "image/png"),
    "webp": ("webp", "image/webp"),
    "heic": ("heic", "image/heic"),
    "dwg": ("dwg", "application/acad"),
    "zip": ("zip", "application/zip"),
}
DOCUMENT_EXTENSIONS = frozenset(EXTENSIONS) - {"dwg"}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in sorted(DOCUMENT_EXTENSIONS))


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(name.startswith(prefix) for name in names):
                return kind
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def sniff(data: bytes) -> str | None:
    """What the bytes are: pdf, ole, docx, xlsx, pptx, ofd, zip, jpg, png, webp, heic, dwg."""
    from .photos import sniff_image_type

    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data[:2] == b"AC" and data[2:6].replace(b".", b"0").isdigit():
        return "dwg"
    return sniff_image_type(data)


def clean_filename(filename: str) -> str:
    """The last path part of a browser's file name, without control characters, ≤ 120 chars."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 119 - len(ext)] + dot + ext) if dot else name[:120]
    return name


def check_upload(
    filename: str,
    data: bytes,
    *,
    allowed=DOCUMENT_EXTENSIONS,
    max_bytes: int = MAX_UPLOAD_BYTES,
    field: str = "files",
) -> CheckedFile:
    """Refuse an empty, too large or disguised file; return its cleaned name, type and hash."""
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed or ext not in EXTENSIONS:
        kinds = "、".join(sorted(allowed))
        raise DomainError(
            _("“%(name)s”: this type of file cannot be uploaded (allowed: %(kinds)s).")
            % {"name": name or "?", "kinds": kinds},
            field=field,
        )
    if not data:
        raise DomainError(_("“%(name)s” is empty.") % {"name": name}, field=field)
    if len(data) > max_bytes:
        raise DomainError(
            _("“%(name)s” is larger than %(mb)s MB.")
            % {"name": name, "mb": f"{max_bytes / 1024 / 1024:g}"},
            field=field,
        )
    expected, content_type = EXTENSIONS[ext]
    if sniff(data) != expected:
        raise DomainError(
            _("“%(name)s”: the content of the file is not a .%(ext)s file.")
            % {"name": name, "ext": ext},
            field=field,
        )
    return CheckedFile(
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
