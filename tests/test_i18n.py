"""The Russian catalogue is complete, consistent with the code and compiled; pages speak the chosen language.

Russian is the default language, so an untranslated string shows English to every Russian user. These
tests read the catalogue and the code directly (no gettext tools needed): a string added to the code
without a translation fails here with its msgid, its file and what to run.
"""

from __future__ import annotations

import ast
import gettext
import io
import os
import re
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
RU_PO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
RU_MO = RU_PO.with_suffix(".mo")
HOW_TO_FIX = (
    "run `manage.py makemessages -l ru -l en --ignore=.venv --ignore=frontend --ignore=static "
    "--ignore=tests --ignore=bench --no-obsolete`, translate in locale/ru/LC_MESSAGES/django.po, "
    "then `manage.py compilemessages --ignore=.venv` and commit both files"
)
# The folders makemessages is told to skip (see HOW_TO_FIX), plus the ones nobody writes strings in.
SKIPPED_DIRS = {".venv", "frontend", "static", "tests", "bench", "locale", "var", "node_modules", ".git"}

# %(name)s, %s, %d (python-format) and {name} (format_lazy / str.format) placeholders; %% is a literal.
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifFeEgGrx]|%[sdifr]|\{[A-Za-z_0-9]*\}"
)
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    where: str = ""

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    def label(self) -> str:
        ctx = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{ctx} [{self.where}]"


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Active entries of a .po file (the header and obsolete `#~` entries left out).

    gettext's tools always separate entries by a blank line, which is what ends an entry here.
    """
    entries: list[Entry] = []
    flags: set[str] = set()
    where = ""
    target: tuple[str, int] | None = None  # which field the next continuation line extends
    fields: dict[str, str] = {}
    plural_strs: dict[int, str] = {}

    def finish() -> None:
        nonlocal fields, plural_strs, flags, where
        if "msgid" in fields:
            entry = Entry(
                msgid=fields["msgid"],
                msgctxt=fields.get("msgctxt"),
                msgid_plural=fields.get("msgid_plural"),
                msgstr=dict(plural_strs) if plural_strs else {0: fields.get("msgstr", "")},
                flags=flags,
                where=where,
            )
            if entry.msgid:
                entries.append(entry)
        fields, plural_strs, flags, where = {}, {}, set(), ""

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            target = None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            where = where or line[2:].split()[0]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path}: a string continues nothing: {raw!r}"
            name, index = target
            if name == "msgstr[]":
                plural_strs[index] += _unquote(line)
            else:
                fields[name] += _unquote(line)
        else:
            keyword, _, rest = line.partition(" ")
            plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural:
                index = int(plural.group(1))
                plural_strs[index] = _unquote(rest)
                target = ("msgstr[]", index)
            else:
                fields[keyword] = _unquote(rest)
                target = (keyword, 0)
    finish()
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# --- extraction of the msgids in the code (what makemessages would find) ---------------------------

# keyword → (index of the context argument or None, indexes of the msgid arguments)
PY_KEYWORDS: dict[str, tuple[int | None, tuple[int, ...]]] = {
    "_": (None, (0,)),
    "gettext": (None, (0,)),
    "gettext_lazy": (None, (0,)),
    "gettext_noop": (None, (0,)),
    "ngettext": (None, (0, 1)),
    "ngettext_lazy": (None, (0, 1)),
    "pgettext": (0, (1,)),
    "pgettext_lazy": (0, (1,)),
    "npgettext": (0, (1, 2)),
    "npgettext_lazy": (0, (1, 2)),
}
TEMPLATE_CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext|_)\(")


def _msgids_of_call(name: str, args: list[ast.expr]) -> tuple[str, str] | None:
    """(key, msgid) of a gettext call whose arguments are string literals."""
    ctx_index, id_indexes = PY_KEYWORDS[name]
    needed = [*id_indexes, *([ctx_index] if ctx_index is not None else [])]
    if len(args) <= max(needed):
        return None
    if not all(isinstance(args[i], ast.Constant) and isinstance(args[i].value, str) for i in needed):
        return None
    msgid = args[id_indexes[0]].value  # type: ignore[attr-defined]
    if ctx_index is not None:
        return f"{args[ctx_index].value}\x04{msgid}", msgid  # type: ignore[attr-defined]
    return msgid, msgid


def python_msgids(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in PY_KEYWORDS:
            got = _msgids_of_call(name, list(node.args))
            if got:
                found.append(got[0])
    return found


def _call_source(text: str, start: int) -> str:
    """The text of the call that starts at `start`, up to its closing parenthesis."""
    depth = 0
    end = start
    for token in tokenize.generate_tokens(io.StringIO(text[start:]).readline):
        if token.type == tokenize.OP and token.string == "(":
            depth += 1
        elif token.type == tokenize.OP and token.string == ")":
            depth -= 1
            if depth == 0:
                end = start + _offset(text[start:], token.end)
                break
    return text[start:end]


def _offset(text: str, position: tuple[int, int]) -> int:
    line, column = position
    lines = text.splitlines(keepends=True)
    return sum(len(chunk) for chunk in lines[: line - 1]) + column


def template_msgids(source: str) -> list[str]:
    """Msgids of a template, found as Django's makemessages finds them (through `templatize`)."""
    text = templatize(source)
    found = []
    for match in TEMPLATE_CALL.finditer(text):
        call = ast.parse(_call_source(text, match.start()), mode="eval").body
        assert isinstance(call, ast.Call)
        name = match.group(1)
        got = _msgids_of_call(name, list(call.args))
        if got:
            found.append(got[0])
    return found


def code_files() -> list[Path]:
    """The .py, .html and .txt files makemessages scans (skipped folders pruned, not walked)."""
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = sorted(d for d in subfolders if d not in SKIPPED_DIRS and not d.startswith("."))
        found += [Path(folder) / name for name in sorted(names) if name.endswith((".py", ".html", ".txt"))]
    return found


def code_msgids() -> dict[str, str]:
    """Every msgid in the code makemessages scans → the first file that uses it."""
    found: dict[str, str] = {}
    for path in code_files():
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            keys = python_msgids(source)
        elif "{%" in source or "{{" in source:
            keys = template_msgids(source)
        else:
            continue
        for key in keys:
            found.setdefault(key, str(path.relative_to(ROOT)))
    return found


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return parse_po(RU_PO)


def test_every_string_of_the_code_is_in_the_russian_catalogue(catalogue):
    known = {entry.key for entry in catalogue}
    missing = {key: where for key, where in code_msgids().items() if key not in known}
    listing = "\n".join(
        f"  {key.replace(chr(4), ' | ')!r}  ({where})" for key, where in sorted(missing.items())
    )
    assert not missing, (
        f"{len(missing)} string(s) of the code are not in the catalogue; {HOW_TO_FIX}:\n{listing}"
    )


def test_every_catalogue_entry_is_translated_and_none_is_fuzzy(catalogue):
    untranslated = [e.label() for e in catalogue if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.label() for e in catalogue if "fuzzy" in e.flags]
    assert len(catalogue) > 500
    assert not untranslated, f"{len(untranslated)} untranslated: " + "\n  ".join(["", *untranslated])
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check and clear the flag): " + "\n  ".join(["", *fuzzy])


def test_plural_entries_have_every_russian_form(catalogue):
    header = RU_PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    count = int(re.search(r"nplurals=(\d+)", header).group(1))
    assert count in (3, 4)  # Django's own Russian catalogue uses 4 (the last one for fractions)
    wrong = [e.label() for e in catalogue if e.msgid_plural and sorted(e.msgstr) != list(range(count))]
    assert not wrong, "plural entries without all forms:\n  " + "\n  ".join(wrong)


def test_translations_keep_the_placeholders_and_html_of_the_english(catalogue):
    problems = []
    for entry in catalogue:
        for index, text in entry.msgstr.items():
            if not text:
                continue
            if entry.msgid_plural:
                # A form may leave the number out ("one day") but may not invent or lose a name.
                allowed = (placeholders(entry.msgid), placeholders(entry.msgid_plural))
                ok = placeholders(text) in allowed
            else:
                ok = placeholders(text) == placeholders(entry.msgid)
            if not ok:
                problems.append(f"{entry.label()} form {index}: {text!r}")
            if sorted(HTML_TAG.findall(text)) != sorted(HTML_TAG.findall(entry.msgid)):
                problems.append(f"{entry.label()} HTML differs: {text!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po_file(catalogue):
    """The .mo is what Django reads: a .po edited without compiling changes nothing on the site.

    Compared by content, not by file time: a git checkout gives both files arbitrary times.
    """
    with RU_MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in catalogue:
        if entry.msgid_plural:
            got = {i: compiled.get((entry.key, i)) for i in entry.msgstr}
        else:
            got = {0: compiled.get(entry.key)}
        if got != entry.msgstr:
            stale.append(entry.label())
    assert not stale, f"{len(stale)} entries differ in the .mo; {HOW_TO_FIX}:\n  " + "\n  ".join(stale)


def test_po_parser_reads_context_plurals_flags_and_continuations(tmp_path):
    po = tmp_path / "t.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s день"\nmsgstr[1] "%(n)s дня"\n\n'
        '#: b.html:2\n#, fuzzy\nmsgctxt "person"\nmsgid ""\n"Na"\n"me"\nmsgstr "Имя"\n\n'
        '#~ msgid "gone"\n#~ msgstr "нет"\n',
        encoding="utf-8",
    )
    day, name = parse_po(po)
    assert (day.msgid_plural, day.msgstr, day.flags, day.where) == (
        "%(n)s days",
        {0: "%(n)s день", 1: "%(n)s дня"},
        {"python-format"},
        "a.py:1",
    )
    assert (name.key, name.msgstr, "fuzzy" in name.flags) == ("person\x04Name", {0: "Имя"}, True)


def test_extraction_finds_python_and_template_strings():
    python = 'x = _("A")\ny = pgettext_lazy("ctx", "B")\nz = ngettext("one", "many", n)\nw = f(_(name))\n'
    template = (
        '{% load i18n %}{% translate "C" %}{% translate "D" context "person" %}'
        "{% blocktranslate with n=x %}E {{ n }}{% endblocktranslate %}"
        '{{ value|default:_("F") }}'
    )
    assert python_msgids(python) == ["A", "ctx\x04B", "one"]
    assert template_msgids(template) == ["C", "person\x04D", "E %(n)s", "F"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("ru", ["Вход в Firstclass", "Войти", "Зарегистрировать компанию"], "Sign in to Firstclass"),
        ("en", ["Sign in to Firstclass", "Register your firm"], "Вход в Firstclass"),
    ],
)
def test_login_page_speaks_the_language_the_browser_asks_for(language, expected, absent):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in page
    for text in expected:
        assert text in page
    assert absent not in page


@pytest.mark.django_db
def test_russian_is_the_default_and_the_language_cookie_switches_to_english():
    client = Client()
    assert "Вход в Firstclass" in client.get("/accounts/login/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Sign in to Firstclass" in client.get("/accounts/login/").content.decode()
