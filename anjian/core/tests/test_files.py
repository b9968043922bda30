"""Uploaded documents: the type is read from the content, the name is cleaned (no database)."""

import hashlib
import io
import zipfile

import pytest
from PIL import Image

from anjian.core.errors import DomainError
from anjian.core.files import MAX_UPLOAD_BYTES, check_upload, clean_filename, sniff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def zipped(*members: str) -> bytes:
    """A ZIP archive holding the given member names (each with a little XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in members:
            # A fixed time: the bytes are test ids, identical in every xdist worker.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), "<x/>")
    return buffer.getvalue()


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


DOCX = zipped("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = zipped("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")
PPTX = zipped("[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml")
OFD = zipped("OFD.xml", "Doc_0/Document.xml")
ZIP = zipped("说明.txt", "图纸/平面图.dwg")
JPEG = image("JPEG")
PNG = image("PNG")


def refusal(filename, data, **options) -> DomainError:
    with pytest.raises(DomainError) as excinfo:
        check_upload(filename, data, **options)
    return excinfo.value


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("通知.pdf", PDF, "application/pdf"),
        ("公文.ofd", OFD, "application/ofd"),
        ("旧版通知.doc", OLE, "application/msword"),
        ("统计表.xls", OLE, "application/vnd.ms-excel"),
        (
            "整改报告.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "隐患台账.xlsx",
            XLSX,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "培训课件.pptx",
            PPTX,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("现场照片.jpg", JPEG, "image/jpeg"),
        ("现场照片.JPEG", JPEG, "image/jpeg"),
        ("平面图.png", PNG, "image/png"),
        ("资料.zip", ZIP, "application/zip"),
    ],
)
def test_real_files_are_accepted_with_their_type_size_and_hash(filename, data, content_type):
    checked = check_upload(filename, data)
    assert checked.filename == filename
    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def test_sniff_tells_office_archives_apart_by_their_members():
    assert sniff(DOCX) == "docx"
    assert sniff(XLSX) == "xlsx"
    assert sniff(PPTX) == "pptx"
    assert sniff(OFD) == "ofd"
    assert sniff(ZIP) == "zip"
    # Word members without the content-types part are just a ZIP.
    assert sniff(zipped("word/document.xml")) == "zip"
    assert sniff(b"PK\x03\x04 not really a zip") is None


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("整改报告.docx", ZIP),  # a ZIP renamed .docx
        ("整改报告.docx", XLSX),  # an Excel workbook called .docx
        ("隐患台账.xlsx", DOCX),
        ("课件.pptx", DOCX),
        ("通知.pdf", PNG),  # a picture called .pdf
        ("通知.pdf", EXE),  # a program called .pdf
        ("旧版通知.doc", PDF),
        ("现场照片.jpg", PNG),
        ("公文.ofd", ZIP),
        ("资料.zip", DOCX),
    ],
)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(filename, data):
    error = refusal(filename, data)
    assert error.field == "files"
    assert filename in error.message


@pytest.mark.parametrize("filename", ["setup.exe", "run.bat", "script.js", "page.html", "README"])
def test_types_that_are_not_documents_are_refused_whatever_the_content(filename):
    error = refusal(filename, PDF)
    assert error.field == "files"


def test_an_exe_is_refused():
    assert refusal("安装程序.exe", EXE).field == "files"


def test_the_allowed_types_can_be_narrowed():
    check_upload("通知.pdf", PDF, allowed={"pdf"})
    with pytest.raises(DomainError):
        check_upload("整改报告.docx", DOCX, allowed={"pdf"})


def test_drawings_are_not_documents_by_default():
    dwg = b"AC1032" + b"\x00" * 64
    with pytest.raises(DomainError):
        check_upload("平面图.dwg", dwg)
    assert check_upload("平面图.dwg", dwg, allowed={"dwg"}).content_type == "application/acad"


def test_an_empty_file_is_refused():
    error = refusal("通知.pdf", b"")
    assert error.field == "files" and "通知.pdf" in error.message


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_not():
    data = PDF + b"0" * 100
    assert check_upload("通知.pdf", data, max_bytes=len(data)).size == len(data)
    error = refusal("通知.pdf", data + b"0", max_bytes=len(data), field="attachment")
    assert error.field == "attachment"
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\张伟\\Desktop\\整改报告.pdf", "整改报告.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("/var/www/通知.pdf", "通知.pdf"),
        ("整改\x00报告\r\n.pdf", "整改报告.pdf"),
        ("\u202egpj.exe.pdf", "gpj.exe.pdf"),  # right-to-left override
        ("  .通知.pdf. ", "通知.pdf"),
        ("", ""),
        (None, ""),
    ],
)
def test_file_names_lose_paths_and_control_characters(raw, clean):
    assert clean_filename(raw) == clean


def test_long_file_names_are_cut_to_120_characters_keeping_the_extension():
    name = clean_filename("关于" * 100 + ".docx")
    assert len(name) == 120 and name.endswith(".docx") and name.startswith("关于关于")
    assert len(clean_filename("x" * 300)) == 120


def test_the_checked_file_carries_the_cleaned_name():
    checked = check_upload("..\\..\\附件\x07一.pdf", PDF)
    assert checked.filename == "附件一.pdf"


def test_a_path_cannot_smuggle_an_allowed_extension():
    # The extension is read from the last path part only.
    error = refusal("报告.pdf/evil.exe", PDF)
    assert "evil.exe" in error.message
