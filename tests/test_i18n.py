"""The Simplified Chinese catalogue is complete, well formed and up to date with the code.

The catalogue is locale/zh_Hans/LC_MESSAGES/django.po. After adding or changing user-facing
text, refresh and translate it (see "Translations" in docs/development.md):

    DEBUG=1 .venv/bin/python manage.py makemessages -l zh_Hans \
        --ignore=.venv --ignore=var --ignore=static --ignore=tests
    # translate every empty msgstr, remove every "#, fuzzy" flag
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv

None of these tests writes into the repository: extraction runs on a copy of the source tree
and the smoke tests compile the catalogue into a temporary directory.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

REPO = Path(django_settings.BASE_DIR)
PO_PATH = REPO / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# The --ignore patterns of the documented makemessages command.
MAKEMESSAGES_IGNORE = [".venv", "var", "static", "tests"]
# Directories never worth copying for the extraction (besides MAKEMESSAGES_IGNORE and dot-dirs).
COPY_SKIP_DIRS = {"__pycache__", "node_modules", "locale"}
# makemessages reads these extensions by default (djangojs is not used).
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


# --- A small PO reader -----------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def describe(self) -> str:
        where = self.references[0] if self.references else f"django.po:{self.line}"
        context = f" (context {self.msgctxt!r})" if self.msgctxt else ""
        return f"{self.msgid!r}{context} — {where}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{where}: malformed string {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Read a PO or POT file; the header is the entry whose msgid is empty."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # the string that continuation lines extend
    seen_msgstr = False

    def flush():
        nonlocal entry, target, seen_msgstr
        if entry is not None and (seen_msgstr or entry.msgid):
            entries.append(entry)
        entry, target, seen_msgstr = None, None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.name}:{number}"
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # "#~| msgid ...": the previous msgid of an obsolete entry
                continue
        if not line:
            flush()
            continue
        starts_entry = line.startswith("#") or line.startswith(("msgctxt", "msgid "))
        if starts_entry and seen_msgstr:
            flush()
        if entry is None:
            entry = Entry(line=number)
        entry.obsolete = entry.obsolete or obsolete
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue  # translator comments, extracted comments, previous msgids (#|)
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{where}: continuation line outside a string")
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line, where)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line, where))
        else:
            match = _KEYWORD.match(line)
            if not match:
                raise ValueError(f"{where}: cannot read {raw!r}")
            keyword, index, value = match.groups()
            value = _unquote(value, where)
            if keyword.startswith("msgstr"):
                position = int(index) if index is not None else 0
                entry.msgstr[position] = value
                target, seen_msgstr = ("msgstr", position), True
            else:
                setattr(entry, keyword, value)
                target = (keyword, None)
    flush()
    return entries


def split_header(entries: list[Entry]) -> tuple[dict[str, str], list[Entry]]:
    """Return the header fields and the live (non-obsolete) messages."""
    header: dict[str, str] = {}
    messages = []
    for entry in entries:
        if entry.obsolete:
            continue
        if entry.msgid == "" and entry.msgctxt is None:
            for line in entry.msgstr.get(0, "").splitlines():
                name, _sep, value = line.partition(":")
                header[name.strip()] = value.strip()
        else:
            messages.append(entry)
    return header, messages


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], list[Entry]]:
    assert PO_PATH.exists(), f"{PO_PATH.relative_to(REPO)} is missing; run makemessages."
    return split_header(parse_po(PO_PATH))


# --- (a) The committed catalogue is complete and well formed ------------------------------------


def test_catalogue_header(catalogue):
    header, messages = catalogue
    assert messages, "The catalogue has no messages."
    assert header.get("Language") == "zh_Hans"
    assert header.get("Plural-Forms") == "nplurals=1; plural=0;"
    assert "charset=UTF-8" in header.get("Content-Type", "")
    assert header.get("Project-Id-Version", "").startswith("Anjian")


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    problems = [
        f"fuzzy (review it, then remove the flag): {e.describe()}"
        for e in parse_po(PO_PATH)
        if "fuzzy" in e.flags and not e.obsolete
    ]
    _header, messages = catalogue
    for entry in messages:
        strings = list(entry.msgstr.values())
        if not strings or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {entry.describe()}")
        elif entry.msgid_plural is not None and sorted(entry.msgstr) != [0]:  # nplurals=1
            problems.append(f"plural needs msgstr[0] only: {entry.describe()}")
    assert not problems, "Fix these entries in django.po:\n" + "\n".join(problems)


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def test_placeholders_are_kept(catalogue):
    _header, messages = catalogue
    wrong = []
    for entry in messages:
        if "python-format" not in entry.flags:
            continue
        wanted = sorted(p for p in _PLACEHOLDER.findall(entry.msgid) if p != "%%")
        if entry.msgid_plural is not None:
            plural = sorted(p for p in _PLACEHOLDER.findall(entry.msgid_plural) if p != "%%")
            wanted = sorted(set(wanted) | set(plural))
        for text in entry.msgstr.values():
            found = sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")
            if entry.msgid_plural is not None:
                found = sorted(set(found))
            if found != wanted:
                wrong.append(f"{entry.describe()}: expected {wanted}, translation has {found}")
    assert not wrong, "Placeholders differ from the msgid:\n" + "\n".join(wrong)


# --- (b) The catalogue covers every msgid in the code -------------------------------------------


def _copy_sources(destination: Path) -> None:
    """Copy what makemessages would read (.py, .html, .txt), skipping what it ignores."""

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set()
        for name in names:
            path = Path(directory) / name
            if path.is_dir():
                if name.startswith(".") or name in COPY_SKIP_DIRS or name in MAKEMESSAGES_IGNORE:
                    skipped.add(name)
            elif path.suffix not in SOURCE_SUFFIXES:
                skipped.add(name)
        return skipped

    shutil.copytree(REPO, destination, ignore=ignore, symlinks=True)


def test_catalogue_covers_every_msgid_in_the_code(catalogue, tmp_path, monkeypatch, settings):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is needed (apt-get install gettext) to check the catalogue.")
    source = tmp_path / "src"
    _copy_sources(source)
    locale_dir = source / "locale"
    locale_dir.mkdir()
    # makemessages writes into the first LOCALE_PATHS entry and works from the current directory.
    monkeypatch.chdir(source)
    settings.LOCALE_PATHS = [str(locale_dir)]
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=MAKEMESSAGES_IGNORE,
        keep_pot=True,
        verbosity=0,
    )
    potfiles = sorted(source.rglob("django.pot"))
    assert potfiles, "makemessages extracted nothing."

    _header, messages = catalogue
    translated = {
        e.key
        for e in messages
        if "fuzzy" not in e.flags and e.msgstr and all(s.strip() for s in e.msgstr.values())
    }
    missing = []
    for potfile in potfiles:
        _pot_header, extracted = split_header(parse_po(potfile))
        missing.extend(e.describe() for e in extracted if e.key not in translated)
    assert not missing, (
        "These messages in the code are missing from locale/zh_Hans/LC_MESSAGES/django.po or "
        "untranslated there. Run makemessages (see this module's docstring) and translate them:\n"
        + "\n".join(sorted(set(missing)))
    )


# --- (c) The compiled catalogue is used: Chinese by default -------------------------------------


@pytest.fixture
def compiled_locale(tmp_path, settings):
    """Compile django.po into a temporary LOCALE_PATHS, so the test needs no compilemessages."""
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext is needed (apt-get install gettext) to compile the catalogue.")
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"msgfmt --check failed:\n{result.stderr}"
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]  # also resets Django's catalogue cache
    return tmp_path / "locale"


def test_compiled_catalogue_translates(compiled_locale):
    with translation.override("zh-hans"):
        assert translation.gettext("Projects") == "工程项目"
        assert translation.gettext("Log out") == "退出登录"
        for n in (1, 5):
            text = translation.ngettext("%(n)s project", "%(n)s projects", n) % {"n": n}
            assert text == f"共 {n} 个工程项目"


def test_login_page_is_chinese_by_default(compiled_locale, client):
    # GET of the login page needs no database, which keeps this module fast; if it ever does,
    # mark the test with @pytest.mark.django_db.
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans"' in page
    assert "登录" in page
    assert "建设工程智慧监管平台" in page
    assert "Log in" not in page
