"""Tests for evidence photo processing (no database, no settings)."""

import datetime
import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image, ImageFont, ImageStat

from anjian.core import photos
from anjian.core.photos import (
    PhotoError,
    photo_metadata,
    process_photo,
    sniff_image_type,
    stamp_lines_for,
)

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
LINES = [
    "2026-11-25 14:03:12 服务器时间",
    "通州区台湖镇B-03地块住宅项目",
    "检查人：王建国",
    "拍摄时间：2026-11-25 14:02:55",
]


def rational_dms(value):
    """Decimal degrees as EXIF degree/minute/second rationals."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


def make_exif(*, taken="2026:11:25 14:02:55", gps=None, orientation=None, offset=None):
    """An Image.Exif with DateTimeOriginal in the Exif IFD and optional GPS and orientation."""
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken
    if offset is not None:
        exif.get_ifd(0x8769)[36881] = offset
    if gps is not None:
        lat, lon = gps
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = tuple(n / d for n, d in rational_dms(abs(lat)))
        gps_ifd[3] = "E" if lon >= 0 else "W"
        gps_ifd[4] = tuple(n / d for n, d in rational_dms(abs(lon)))
    return exif


def encode(image, fmt="JPEG", exif=None, **options):
    """Encode an image in memory."""
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def open_bytes(data):
    """Decode bytes back into a loaded image."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def luminance(image, box):
    """Mean luminance of a region."""
    return ImageStat.Stat(image.convert("L").crop(box)).mean[0]


@pytest.fixture(scope="module")
def big_jpeg():
    """A 4000x3000 light-grey JPEG with capture time and GPS in EXIF."""
    image = Image.new("RGB", (4000, 3000), (200, 190, 180))
    exif = make_exif(gps=(39.8321, 116.62345))
    return encode(image, exif=exif, quality=80)


@pytest.fixture(scope="module")
def big_result(big_jpeg):
    return process_photo(big_jpeg, stamp_lines=LINES)


def test_hashes_and_types(big_jpeg, big_result):
    assert big_result.original_sha256 == hashlib.sha256(big_jpeg).hexdigest()
    assert big_result.display_sha256 == hashlib.sha256(big_result.display_jpeg).hexdigest()
    assert big_result.original_ext == "jpg"
    assert big_result.original_content_type == "image/jpeg"
    assert big_result.stamp_lines == tuple(LINES)


def test_display_and_thumbnail_sizes(big_result):
    display = open_bytes(big_result.display_jpeg)
    assert display.format == "JPEG"
    assert display.size == (big_result.width, big_result.height)
    assert max(display.size) <= 2048
    assert max(display.size) >= 1792  # no needless loss of detail
    assert display.width / display.height == pytest.approx(4 / 3, rel=0.01)
    thumbnail = open_bytes(big_result.thumbnail_jpeg)
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) <= 320
    assert thumbnail.width / thumbnail.height == pytest.approx(4 / 3, rel=0.02)


def test_exif_is_stripped_from_outputs(big_result):
    for data in (big_result.display_jpeg, big_result.thumbnail_jpeg):
        image = open_bytes(data)
        assert not image.getexif()
        assert "exif" not in image.info


def test_taken_at_and_gps(big_result):
    assert big_result.taken_at == datetime.datetime(2026, 11, 25, 14, 2, 55, tzinfo=SHANGHAI)
    assert big_result.taken_at.utcoffset() == datetime.timedelta(hours=8)
    lat, lon = big_result.gps
    assert lat == pytest.approx(39.8321, abs=1e-5)
    assert lon == pytest.approx(116.62345, abs=1e-5)


def test_stamp_band_darkens_bottom_rows(big_jpeg, big_result):
    plain = process_photo(big_jpeg, stamp_lines=[])
    assert plain.stamp_lines == ()
    stamped, unstamped = open_bytes(big_result.display_jpeg), open_bytes(plain.display_jpeg)
    assert stamped.size == unstamped.size
    width, height = stamped.size
    bottom = (0, height - height // 20, width, height)
    top = (0, 0, width, height // 20)
    assert luminance(stamped, bottom) < luminance(unstamped, bottom) - 40
    assert luminance(stamped, top) == pytest.approx(luminance(unstamped, top), abs=2)
    # White text inside the band: its brightest pixels are much lighter than the band itself.
    band = stamped.convert("L").crop((0, height - height // 5, width // 2, height))
    assert band.getextrema()[1] > 230
    # The thumbnail carries no stamp: its bottom is as light as its top.
    thumbnail = open_bytes(big_result.thumbnail_jpeg)
    tw, th = thumbnail.size
    assert luminance(thumbnail, (0, th - th // 10, tw, th)) == pytest.approx(
        luminance(thumbnail, (0, 0, tw, th // 10)), abs=3
    )


def test_orientation_6_is_applied():
    image = Image.new("RGB", (400, 200), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 60, 60))  # red block at the stored top-left
    result = process_photo(encode(image, exif=make_exif(orientation=6)), stamp_lines=["x"])
    assert (result.width, result.height) == (200, 400)
    display = open_bytes(result.display_jpeg)
    assert display.size == (200, 400)
    # Rotating 90° clockwise moves the stored top-left corner to the top-right.
    red, green, blue = display.getpixel((170, 30))
    assert red > 200 and green < 60 and blue < 60
    assert open_bytes(result.thumbnail_jpeg).size[1] > open_bytes(result.thumbnail_jpeg).size[0]


def test_png_with_transparency():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    data = encode(image, "PNG")
    result = process_photo(data, stamp_lines=LINES)
    assert result.original_ext == "png"
    assert result.original_content_type == "image/png"
    assert (result.width, result.height) == (300, 200)
    assert result.taken_at is None and result.gps is None
    # Transparent pixels become white, not black.
    assert open_bytes(result.thumbnail_jpeg).convert("L").getpixel((5, 5)) > 240


def test_heic_is_converted():
    image = Image.new("RGB", (320, 240), (30, 120, 200))
    data = encode(image, "HEIF", exif=make_exif(taken="2026:11:24 09:30:00"), quality=80)
    assert sniff_image_type(data) == "heic"
    result = process_photo(data, stamp_lines=LINES)
    assert result.original_ext == "heic"
    assert result.original_content_type == "image/heic"
    assert result.original_sha256 == hashlib.sha256(data).hexdigest()
    assert open_bytes(result.display_jpeg).format == "JPEG"
    assert (result.width, result.height) == (320, 240)
    assert result.taken_at == datetime.datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI)


def test_webp_is_accepted():
    data = encode(Image.new("RGB", (64, 48), (10, 200, 10)), "WEBP")
    result = process_photo(data, stamp_lines=LINES)
    assert result.original_ext == "webp"
    assert result.original_content_type == "image/webp"


def test_datetime_fallback_offset_and_junk():
    image = Image.new("RGB", (32, 32))
    exif = Image.Exif()
    exif[306] = "2026:11:20 08:00:00"  # IFD0 DateTime only
    assert process_photo(encode(image, exif=exif), stamp_lines=[]).taken_at == datetime.datetime(
        2026, 11, 20, 8, 0, tzinfo=SHANGHAI
    )
    utc = make_exif(taken="2026:11:25 06:02:55", offset="+00:00")
    taken = process_photo(encode(image, exif=utc), stamp_lines=[]).taken_at
    assert taken == datetime.datetime(2026, 11, 25, 14, 2, 55, tzinfo=SHANGHAI)
    blank = make_exif(taken="    :  :     :  :  ", gps=(0.0, 0.0))
    result = process_photo(encode(image, exif=blank), stamp_lines=[])
    assert result.taken_at is None
    assert result.gps is None


def test_photo_metadata_matches_process_photo(big_jpeg, big_result):
    assert photo_metadata(big_jpeg) == (big_result.taken_at, big_result.gps)
    heic = encode(Image.new("RGB", (64, 48)), "HEIF", exif=make_exif(gps=(31.2304, 121.4737)))
    taken_at, (lat, lon) = photo_metadata(heic)
    assert taken_at == datetime.datetime(2026, 11, 25, 14, 2, 55, tzinfo=SHANGHAI)
    assert (lat, lon) == pytest.approx((31.2304, 121.4737), abs=1e-5)
    assert photo_metadata(b"GIF89a") == (None, None)
    assert photo_metadata(b"\xff\xd8\xff garbage") == (None, None)


def test_southern_western_gps():
    exif = make_exif(gps=(-33.8568, -70.6483))
    lat, lon = process_photo(encode(Image.new("RGB", (32, 32)), exif=exif), stamp_lines=[]).gps
    assert lat == pytest.approx(-33.8568, abs=1e-5)
    assert lon == pytest.approx(-70.6483, abs=1e-5)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "jpg"),
        (b"\x89PNG\r\n\x1a\nrest", "png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftypmsf1\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftyphevc\x00\x00\x00\x00", "heic"),
        (b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00", None),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", None),  # an MP4 video
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniff_image_type(data, expected):
    assert sniff_image_type(data) == expected


def test_gif_is_refused():
    data = encode(Image.new("P", (16, 16)), "GIF")
    with pytest.raises(PhotoError, match="GIF"):
        process_photo(data, stamp_lines=LINES)


def test_unknown_format_is_refused():
    with pytest.raises(PhotoError, match="无法识别的图片格式"):
        process_photo(b"%PDF-1.7 not a photo", stamp_lines=LINES)
    with pytest.raises(PhotoError, match="为空"):
        process_photo(b"", stamp_lines=LINES)


def test_corrupt_and_truncated_files_are_refused():
    good = encode(Image.effect_noise((256, 256), 60).convert("RGB"), quality=90)
    for data in (
        b"\xff\xd8\xff" + bytes(range(256)) * 8,  # JPEG magic, garbage after
        good[: len(good) // 2],  # upload cut off half-way
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64,
    ):
        with pytest.raises(PhotoError, match="损坏"):
            process_photo(data, stamp_lines=LINES)


def test_oversize_file_is_refused():
    data = encode(Image.new("RGB", (64, 64)))
    with pytest.raises(PhotoError, match="图片过大"):
        process_photo(data, stamp_lines=LINES, max_bytes=len(data) - 1)
    with pytest.raises(PhotoError, match=r"超过 20 MB"):
        process_photo(b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024), stamp_lines=LINES)


def png_header_only(width, height):
    """A tiny PNG that declares huge dimensions (a decompression bomb's header)."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused():
    with pytest.raises(PhotoError, match="图片尺寸过大"):
        process_photo(png_header_only(100_000, 100_000), stamp_lines=LINES)  # PIL's own limit
    with pytest.raises(PhotoError, match="图片尺寸过大"):
        process_photo(png_header_only(10_000, 7_000), stamp_lines=LINES)  # over 60 MP
    small = encode(Image.new("RGB", (100, 100)))
    with pytest.raises(PhotoError, match="图片尺寸过大"):
        process_photo(small, stamp_lines=LINES, max_pixels=9_999)


def test_long_lines_wrap_without_crashing():
    image = Image.new("RGB", (640, 480), (220, 220, 220))
    long_name = "北京市通州区台湖镇B-03地块R2二类居住用地住宅及配套设施项目（一标段）总承包工程" * 2
    result = process_photo(encode(image), stamp_lines=[long_name, "检查人：王建国\n第二行", " "])
    assert (result.width, result.height) == (640, 480)
    assert result.stamp_lines == (long_name, "检查人：王建国", "第二行")


def test_missing_font_falls_back(monkeypatch):
    monkeypatch.setattr(photos, "_font_source", lambda: None)
    photos._font.cache_clear()
    try:
        result = process_photo(encode(Image.new("RGB", (200, 150), "white")), stamp_lines=LINES)
    finally:
        photos._font.cache_clear()
    assert result.width == 200


def test_bitmap_fallback_font_does_not_crash_on_cjk(monkeypatch):
    monkeypatch.setattr(photos, "_font", lambda size: ImageFont.load_default_imagefont())
    result = process_photo(encode(Image.new("RGB", (300, 200), "white")), stamp_lines=LINES)
    assert result.stamp_lines == tuple(LINES)


def test_cjk_font_is_found():
    source = photos._font_source()
    if source is None:
        pytest.skip("no Noto Sans CJK font installed")
    font = photos._font(20)
    assert "CJK SC" in font.getname()[0]


def test_stamp_lines_for():
    server_time = datetime.datetime(2026, 11, 25, 6, 3, 12, tzinfo=datetime.UTC)
    lines = stamp_lines_for(
        server_time=server_time,
        project_name="通州区台湖镇B-03地块住宅项目",
        operator_name="王建国",
        taken_at=datetime.datetime(2026, 11, 25, 14, 2, 55, tzinfo=SHANGHAI),
    )
    assert lines == LINES
    with_gps = stamp_lines_for(
        server_time=server_time,
        project_name="P",
        operator_name="李四",
        location=(39.8321, 116.62345),
        operator_label="整改人",
    )
    assert with_gps == [
        "2026-11-25 14:03:12 服务器时间",
        "P",
        "整改人：李四",
        "GPS 39.83210, 116.62345",
    ]
