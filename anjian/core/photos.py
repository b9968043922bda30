"""Evidence photo processing: sniff, hash, orient, resize, stamp and thumbnail uploaded photos."""

from __future__ import annotations

import datetime
import functools
import glob
import hashlib
import io
import math
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps

try:
    import pillow_heif
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pillow_heif = None
else:
    pillow_heif.register_heif_opener()

try:
    from zoneinfo import ZoneInfo

    SHANGHAI = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - no tz database: China has had no DST since 1991
    SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), "Asia/Shanghai")

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 60_000_000
DISPLAY_LONG_SIDE = 2048
THUMBNAIL_LONG_SIDE = 320
DISPLAY_MIN_FRACTION = 0.875  # accept 1792..2048 px from an integer reduction
DISPLAY_QUALITY = 85
THUMBNAIL_QUALITY = 75

# Stamp geometry, as fractions of the display image.
STAMP_FONT_RATIO = 1 / 42  # font size relative to the image width: 49 px at 2048, 15 px at 640
STAMP_MIN_FONT = 10
STAMP_MAX_BAND = 0.4  # the band never covers more than this share of the height
STAMP_BAND_OPACITY = 0.55  # 0 = no darkening, 1 = solid black
STAMP_LINE_SPACING = 1.3

FORMAT_ERROR = "无法识别的图片格式，请上传 JPG、PNG、HEIC 或 WebP 照片"
GIF_ERROR = "不支持 GIF 图片，请上传 JPG、PNG、HEIC 或 WebP 照片"
CORRUPT_ERROR = "图片文件已损坏或不完整，请重新拍摄或上传"
DIMENSION_ERROR = "图片尺寸过大"
EMPTY_ERROR = "图片文件为空"

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}
# Pillow plugins allowed to parse each sniffed type (JPEGs with an MPF index open as MPO).
PIL_FORMATS = {
    "jpg": ["JPEG", "MPO"],
    "png": ["PNG"],
    "webp": ["WEBP"],
    "heic": ["HEIF"],
}
HEIF_BRANDS = {b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"hevx", b"heim", b"heis"}

FONT_GLOBS = (
    "/usr/share/fonts/**/NotoSansCJK*Regular*.ttc",
    "/usr/share/fonts/**/NotoSansCJK*Regular*.otf",
    "/usr/share/fonts/**/NotoSansSC*Regular*.otf",
    "/usr/share/fonts/**/NotoSansSC*Regular*.ttf",
)

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
TAG_DATETIME = 306
TAG_DATETIME_ORIGINAL = 36867
TAG_OFFSET_TIME_ORIGINAL = 36881
EXIF_DATE_RE = re.compile(r"(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})")
EXIF_OFFSET_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


class PhotoError(ValueError):
    """An uploaded photo that cannot be accepted; the message is shown to the user."""


@dataclass(frozen=True)
class ProcessedPhoto:
    """An accepted photo: the evidence hash of the original plus stamped display and thumbnail."""

    original_sha256: str
    original_ext: str
    original_content_type: str
    display_jpeg: bytes
    display_sha256: str
    thumbnail_jpeg: bytes
    width: int
    height: int
    taken_at: datetime.datetime | None
    gps: tuple[float, float] | None
    stamp_lines: tuple[str, ...]


def _is_gif(data: bytes) -> bool:
    """True for GIF87a/GIF89a magic bytes."""
    return data[:6] in (b"GIF87a", b"GIF89a")


def sniff_image_type(data: bytes) -> str | None:
    """Return 'jpg', 'png', 'webp' or 'heic' from the magic bytes, or None (GIF included)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "heic"
    return None


def process_photo(
    data: bytes,
    *,
    stamp_lines: list[str],
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> ProcessedPhoto:
    """Validate an uploaded photo and build its stamped display JPEG and thumbnail."""
    data = bytes(data)
    if not data:
        raise PhotoError(EMPTY_ERROR)
    if len(data) > max_bytes:
        raise PhotoError(f"图片过大（超过 {_format_mb(max_bytes)} MB）")
    ext = sniff_image_type(data)
    if ext is None:
        raise PhotoError(GIF_ERROR if _is_gif(data) else FORMAT_ERROR)
    if ext == "heic" and pillow_heif is None:  # pragma: no cover
        raise PhotoError("服务器暂不支持 HEIC 照片，请改为上传 JPG 照片")

    lines = tuple(_clean_lines(stamp_lines))
    display, icc, taken_at, gps = _decode(data, ext, max_pixels)
    display = _to_srgb(display, icc)
    thumbnail = _fit(display, THUMBNAIL_LONG_SIDE)
    if lines:
        display = _stamp(display, lines)
    display_jpeg = _jpeg(display, DISPLAY_QUALITY)
    return ProcessedPhoto(
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_ext=ext,
        original_content_type=CONTENT_TYPES[ext],
        display_jpeg=display_jpeg,
        display_sha256=hashlib.sha256(display_jpeg).hexdigest(),
        thumbnail_jpeg=_jpeg(thumbnail, THUMBNAIL_QUALITY),
        width=display.width,
        height=display.height,
        taken_at=taken_at,
        gps=gps,
        stamp_lines=lines,
    )


def stamp_lines_for(
    *,
    server_time: datetime.datetime,
    project_name: str,
    operator_name: str,
    taken_at: datetime.datetime | None = None,
    location: tuple[float, float] | str | None = None,
    operator_label: str = "检查人",
) -> list[str]:
    """Chinese stamp lines: server time, project, operator, then capture time and GPS if known."""
    lines = [
        f"{_local_text(server_time)} 服务器时间",
        project_name,
        f"{operator_label}：{operator_name}",
    ]
    if taken_at is not None:
        lines.append(f"拍摄时间：{_local_text(taken_at)}")
    if isinstance(location, str):
        if location.strip():
            lines.append(location.strip())
    elif location is not None:
        lat, lon = location
        lines.append(f"GPS {lat:.5f}, {lon:.5f}")
    return lines


def photo_metadata(data: bytes) -> tuple[datetime.datetime | None, tuple[float, float] | None]:
    """(taken_at, gps) from EXIF without decoding pixels; (None, None) if unreadable."""
    ext = sniff_image_type(data)
    if ext is None or len(data) > MAX_BYTES:
        return None, None
    try:
        exif = Image.open(io.BytesIO(data), formats=PIL_FORMATS[ext]).getexif()
    except Exception:
        return None, None
    return _exif_taken_at(exif), _exif_gps(exif)


# --- decoding ---------------------------------------------------------------------------------


def _decode(
    data: bytes, ext: str, max_pixels: int
) -> tuple[Image.Image, bytes | None, datetime.datetime | None, tuple[float, float] | None]:
    """Open and size-check the photo; return it display-sized, oriented and RGB, plus metadata.

    WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES when it is imported; evidence photos
    must still be refused when truncated, so decoding runs with the flag off.
    """
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        return _decode_strict(data, ext, max_pixels)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _decode_strict(data: bytes, ext: str, max_pixels: int):
    try:
        image = Image.open(io.BytesIO(data), formats=PIL_FORMATS[ext])
    except Image.DecompressionBombError:
        raise PhotoError(DIMENSION_ERROR) from None
    except Exception:
        raise PhotoError(CORRUPT_ERROR) from None
    if image.width <= 0 or image.height <= 0:
        raise PhotoError(CORRUPT_ERROR)
    if image.width * image.height > max_pixels:
        raise PhotoError(DIMENSION_ERROR)
    try:
        exif = image.getexif()
    except Exception:
        exif = Image.Exif()
    taken_at = _exif_taken_at(exif)
    gps = _exif_gps(exif)
    target = _display_size(image.size)
    try:
        if image.format in ("JPEG", "MPO"):
            # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly when that still covers target.
            image.draft(None, target)
        image.load()
        icc = image.info.get("icc_profile")
        image = _shrink(_to_rgb(image), target)
    except Image.DecompressionBombError:
        raise PhotoError(DIMENSION_ERROR) from None
    except Exception:
        raise PhotoError(CORRUPT_ERROR) from None
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except Exception:
        pass  # a broken orientation tag is not worth refusing the photo over
    return image, icc, taken_at, gps


def _to_rgb(image: Image.Image) -> Image.Image:
    """Convert any decoded mode to RGB, flattening transparency onto white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert from an embedded ICC profile (e.g. iPhone Display P3) to sRGB; keep pixels on failure."""
    if not icc:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except Exception:
        return image
    return converted or image


# --- EXIF ---------------------------------------------------------------------------------------


def _exif_text(value) -> str:
    """An EXIF ASCII value as str, without NULs and padding."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).replace("\x00", "").strip()


def _exif_taken_at(exif: Image.Exif) -> datetime.datetime | None:
    """DateTimeOriginal (else DateTime) as an aware datetime; naive values are Beijing time."""
    try:
        exif_ifd = exif.get_ifd(EXIF_IFD)
    except Exception:
        exif_ifd = {}
    for raw in (exif_ifd.get(TAG_DATETIME_ORIGINAL), exif.get(TAG_DATETIME_ORIGINAL)):
        parsed = _parse_exif_datetime(raw, exif_ifd.get(TAG_OFFSET_TIME_ORIGINAL))
        if parsed is not None:
            return parsed
    return _parse_exif_datetime(exif.get(TAG_DATETIME), None)


def _parse_exif_datetime(raw, offset_raw) -> datetime.datetime | None:
    """Parse 'YYYY:MM:DD HH:MM:SS' (plus optional '+08:00' offset); None if blank or invalid."""
    if raw is None:
        return None
    match = EXIF_DATE_RE.search(_exif_text(raw))
    if not match:
        return None
    try:
        naive = datetime.datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    if naive.year < 1900:
        return None
    tz = SHANGHAI
    offset = EXIF_OFFSET_RE.fullmatch(_exif_text(offset_raw)) if offset_raw is not None else None
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        minutes = int(offset.group(2)) * 60 + int(offset.group(3))
        if minutes < 24 * 60:
            tz = datetime.timezone(sign * datetime.timedelta(minutes=minutes))
    return naive.replace(tzinfo=tz).astimezone(SHANGHAI)


def _exif_gps(exif: Image.Exif) -> tuple[float, float] | None:
    """(lat, lon) in decimal degrees from the GPS IFD, or None if absent, invalid or (0, 0)."""
    try:
        gps = exif.get_ifd(GPS_IFD)
    except Exception:
        return None
    if not gps:
        return None
    lat = _gps_degrees(gps.get(2), gps.get(1), "S")
    lon = _gps_degrees(gps.get(4), gps.get(3), "W")
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 7), round(lon, 7)


def _gps_degrees(value, ref, negative_ref: str) -> float | None:
    """Degrees/minutes/seconds rationals to signed decimal degrees."""
    if value is None:
        return None
    try:
        parts = [float(part) for part in (value if isinstance(value, tuple | list) else [value])]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not parts or len(parts) > 3 or not all(math.isfinite(part) for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))
    if ref is not None and _exif_text(ref).upper().startswith(negative_ref):
        degrees = -abs(degrees)
    return degrees


# --- resizing, stamping, encoding ---------------------------------------------------------------


def _fit_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The size scaled down (never up) so that its long side is at most long_side."""
    width, height = size
    scale = min(1.0, long_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _display_size(size: tuple[int, int]) -> tuple[int, int]:
    """Display size: an integer fraction of the original when that lands close to 2048 px."""
    width, height = size
    long_side = max(width, height)
    if long_side <= DISPLAY_LONG_SIDE:
        return size
    factor = math.ceil(long_side / DISPLAY_LONG_SIDE)
    if long_side / factor >= DISPLAY_LONG_SIDE * DISPLAY_MIN_FRACTION:
        # 4032 -> 2016, 8064 -> 2016, 6000 -> 2000: cheap box/DCT reduction, no resampling.
        return -(-width // factor), -(-height // factor)
    return _fit_size(size, DISPLAY_LONG_SIDE)


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Bring the image to size: integer reduce when it divides exactly, else Lanczos."""
    if image.size == size:
        return image
    factor = round(image.width / size[0])
    if factor > 1 and (-(-image.width // factor), -(-image.height // factor)) == size:
        return image.reduce(factor)
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _fit(image: Image.Image, long_side: int) -> Image.Image:
    """A resized copy whose long side is at most long_side."""
    size = _fit_size(image.size, long_side)
    if size == image.size:
        return image.copy()
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """Encode as a baseline JPEG without EXIF or ICC metadata."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _clean_lines(lines: list[str]) -> list[str]:
    """Split embedded newlines, drop control characters and empty lines."""
    cleaned = []
    for line in lines or []:
        for part in str(line).splitlines():
            part = "".join(ch for ch in part if unicodedata.category(ch)[0] != "C").strip()
            if part:
                cleaned.append(part)
    return cleaned


@functools.cache
def _font_source() -> tuple[str, int] | None:
    """Path and face index of a Simplified Chinese Noto Sans CJK font, or None."""
    candidates = [
        path for pattern in FONT_GLOBS for path in sorted(glob.glob(pattern, recursive=True))
    ]
    if not candidates and shutil.which("fc-match"):
        try:
            result = subprocess.run(
                ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:style=Regular"],
                capture_output=True,
                text=True,
                timeout=5,
            )
            if result.returncode == 0 and result.stdout.strip():
                candidates.append(result.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for path in candidates:
        index = _sc_face_index(path)
        if index is not None:
            return path, index
    return None


def _sc_face_index(path: str) -> int | None:
    """The face index whose family is the SC variant (else 0), or None if the file is unusable."""
    try:
        first = ImageFont.truetype(path, 12, index=0)
    except Exception:
        return None
    if not path.lower().endswith(".ttc") or "SC" in (first.getname()[0] or ""):
        return 0
    for index in range(1, 12):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except Exception:
            break
        if " SC" in (face.getname()[0] or ""):
            return index
    return 0


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The stamp font at size px; PIL's default font if no CJK font is installed."""
    source = _font_source()
    if source is not None:
        try:
            return ImageFont.truetype(
                source[0], size, index=source[1], layout_engine=ImageFont.Layout.BASIC
            )
        except Exception:
            pass
    try:
        return ImageFont.load_default(size)
    except Exception:
        return ImageFont.load_default()


def _text_width(font, text: str) -> float:
    """Rendered width of text in pixels."""
    try:
        return font.getlength(text)
    except Exception:  # e.g. a bitmap font asked to measure CJK text
        return len(text) * getattr(font, "size", 10) * 0.6


def _wrap(font, line: str, max_width: float) -> list[str]:
    """Break a line at character boundaries so that every piece fits max_width."""
    if _text_width(font, line) <= max_width:
        return [line]
    pieces, current = [], ""
    for ch in line:
        if current and _text_width(font, current + ch) > max_width:
            pieces.append(current.rstrip())
            current = ch.lstrip()
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def _layout(lines: tuple[str, ...], width: int, height: int):
    """Choose font size and wrapped rows so the band fits the width and at most 40% of the height."""
    size = max(STAMP_MIN_FONT, round(width * STAMP_FONT_RATIO))
    while True:
        font = _font(size)
        if not isinstance(font, ImageFont.FreeTypeFont):
            # PIL's bitmap fallback only encodes Latin-1: stamp '?' rather than crash.
            lines = tuple(line.encode("latin-1", "replace").decode("latin-1") for line in lines)
        margin = max(4, round(size * 0.6))
        rows = [row for line in lines for row in _wrap(font, line, width - 2 * margin)]
        line_height = max(1, round(size * STAMP_LINE_SPACING))
        band = len(rows) * line_height + 2 * round(margin * 0.6)
        if band <= height * STAMP_MAX_BAND or size <= STAMP_MIN_FONT:
            return font, rows, margin, line_height, min(band, height)
        size = max(STAMP_MIN_FONT, int(size * 0.85))


def _stamp(image: Image.Image, lines: tuple[str, ...]) -> Image.Image:
    """Darken a band at the bottom of the image and write the stamp lines in white."""
    font, rows, margin, line_height, band = _layout(lines, image.width, image.height)
    top = image.height - band
    box = (0, top, image.width, image.height)
    region = image.crop(box)
    black = Image.new("RGB", region.size, (0, 0, 0))
    image.paste(Image.blend(region, black, STAMP_BAND_OPACITY), box)
    draw = ImageDraw.Draw(image)
    vector = isinstance(font, ImageFont.FreeTypeFont)
    y = top + round(margin * 0.6)
    for row in rows:
        if vector:
            position, anchor = (margin, y + line_height // 2), "lm"
        else:
            position, anchor = (margin, y), None
        try:
            draw.text(position, row, font=font, fill=(255, 255, 255), anchor=anchor)
        except Exception:  # a bitmap fallback font cannot encode CJK text
            ascii_row = row.encode("ascii", "replace").decode("ascii")
            draw.text(position, ascii_row, font=font, fill=(255, 255, 255), anchor=anchor)
        y += line_height
    return image


def _local_text(moment: datetime.datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS' in Beijing time (naive values are taken as already local)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _format_mb(max_bytes: int) -> str:
    """Byte limit as a short MB figure: 20, 0.5."""
    return f"{max_bytes / (1024 * 1024):g}"


def store_evidence(photo, data: bytes, *, project_name: str, operator, operator_label="检查人"):
    """Process `data` and fill an evidence-photo model instance (original/image/thumbnail
    FileFields, sha256, taken_at): the original kept as uploaded, a stamped display copy and a
    thumbnail. Saves nothing to the database; raises PhotoError with a Chinese message."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    taken_at, gps = photo_metadata(data)
    lines = stamp_lines_for(
        server_time=timezone.localtime(),
        project_name=project_name,
        operator_name=operator.get_full_name() or operator.username,
        taken_at=taken_at,
        location=gps,
        operator_label=operator_label,
    )
    processed = process_photo(data, stamp_lines=lines)
    base = processed.original_sha256[:16]
    photo.sha256 = processed.original_sha256
    photo.taken_at = processed.taken_at
    photo.original.save(f"{base}.{processed.original_ext}", ContentFile(data), save=False)
    photo.image.save(f"{base}-s.jpg", ContentFile(processed.display_jpeg), save=False)
    photo.thumbnail.save(f"{base}-t.jpg", ContentFile(processed.thumbnail_jpeg), save=False)
    return processed
