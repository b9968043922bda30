"""Serial numbers for official documents, by a configurable pattern per agency."""

from django.db import transaction

from .models import DocumentSequence

DEFAULT_PATTERNS = {
    "inspection": "〔{year}〕安监检字第{seq:04d}号",
    "rectify": "〔{year}〕安监改字第{seq:04d}号",
    "partial_stop": "〔{year}〕安监局停字第{seq:04d}号",
    "full_stop": "〔{year}〕安监停字第{seq:04d}号",
    "resume": "〔{year}〕安监复字第{seq:04d}号",
    "letter": "〔{year}〕安监督字第{seq:04d}号",
    "dangerous_work": "WDGC-{year}-{seq:04d}",
    "evaluation_notice": "〔{year}〕安监考字第{seq:04d}号",
    "document_notice": "安监通〔{year}〕{seq}号",
    "document_bulletin": "安监通报〔{year}〕{seq}号",
    "document_file": "安监发〔{year}〕{seq}号",
    "document_letter": "安监函〔{year}〕{seq}号",
    "submission": "收文〔{year}〕{seq:04d}号",
}


class PatternError(ValueError):
    """The numbering pattern cannot be formatted."""


def format_number(pattern: str, *, year: int, seq: int, short: str = "") -> str:
    """Fill a pattern such as 〔{year}〕安监检字第{seq:04d}号."""
    try:
        return pattern.format(year=year, seq=seq, short=short)
    except (KeyError, IndexError, ValueError) as exc:
        raise PatternError(f"编号规则无法使用：{exc}") from None


def next_number(*, agency, kind: str, year: int) -> str:
    """Draw the next serial number of `kind` for `agency` in `year` (call inside a transaction)."""
    with transaction.atomic():
        sequence, _ = DocumentSequence.objects.select_for_update().get_or_create(
            agency=agency, kind=kind, year=year
        )
        sequence.last += 1
        sequence.save(update_fields=["last"])
    pattern = agency_pattern(agency, kind)
    return format_number(pattern, year=year, seq=sequence.last, short=agency.short_name)


def agency_pattern(agency, kind: str) -> str:
    """The agency's configured pattern for `kind`, or the default."""
    config = getattr(agency, "agency_settings", None)
    patterns = (config.number_patterns if config is not None else None) or {}
    return patterns.get(kind) or DEFAULT_PATTERNS.get(kind, "{year}-{seq:05d}")
