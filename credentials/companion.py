"""The PDF transcript companion: a PDF/A-3 to read and print, whose attachment is the signed credential.

A ClrCredential becomes a transcript (courses by term with term and cumulative credits, degrees and
programs, competencies, co-curricular experiences and who verified them, a key to the grading scales);
an AchievementCredential becomes a one-page certificate. Both are rendered by WeasyPrint from a Django
template (`templates/credentials/pdf/`) and the print stylesheet `static/pdf/companion.css`, and carry:

- the signed credential, embedded once as `clr.json` (a certificate: `credential.json`), with the
  bytes `credential_json` gives (the `.json` download's) and AFRelationship `Source`;
- on every page: "Page X of Y", the credential id, the SHA-256 of the embedded bytes, and
  "Learner copy — …, issued to the learner on <date>" with a one-line redisclosure notice;
- a QR code of the verification page's link to the credential.

What the pages say comes from the signed document; the database adds only what a credential does not
carry in the clear: the learner's name and student id, and the institution's logo. Nothing is fetched:
the fetcher serves the bundled fonts and stylesheet, the logo read through the storage API and the QR
code, and refuses every other URL, which stops the rendering (`CompanionError`).
"""

import ctypes
import ctypes.util
import gc
import hashlib
import json
import logging
import mimetypes
import threading
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from xml.etree.ElementTree import ParseError

import cssselect2
import defusedxml.ElementTree
import pydyf
import segno
from django.conf import settings
from django.template import Context, Engine
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from vc import labels

from .models import CredentialKind, IssuedCredential

logger = logging.getLogger(__name__)

ASSETS = Path(settings.BASE_DIR) / "static" / "pdf"
# Every URL the templates use starts with this: nothing else is ever fetched.
ASSET_BASE = "companion:/"
STYLESHEET = ASSET_BASE + "companion.css"
UA_STYLESHEET = ASSET_BASE + "ua.css"
PDF_VARIANT = "pdf/a-3u"
# The verification page (wallet's `verify:page`; `verify:credential` is it followed by a credential's id):
# printed on paper and in the QR code, so it must not move (a test holds the URLconf to it). No reverse():
# a PDF-only worker loads no URLconf.
VERIFY_PAGE_PATH = "/verify/"
REDISCLOSURE = (
    "Released to the learner at their request; under FERPA (34 CFR 99.33) a third party may not disclose "
    "it further without the learner's written consent."
)
# OB 3.0 B.1.3 AchievementType: what goes where on the transcript.
_DEGREE_TYPES = {
    "AssociateDegree", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
    "Degree", "Diploma", "DoctoralDegree", "GeneralEducationDevelopment", "License", "MasterDegree",
}  # fmt: skip
_COMPETENCY_TYPES = {"Competency"}


class CompanionError(Exception):
    """The companion could not be rendered (a template asked for a URL that is not bundled, no document…)."""


class RefusedURL(ValueError):
    """The fetcher serves bundled files only."""


# --- the bytes that are embedded, and their hash ------------------------------------------------------


def credential_json(credential: IssuedCredential) -> bytes:
    """The signed credential as the file people download (`<id>.json`) and the PDF embeds."""
    return json.dumps(credential.document, indent=2).encode("utf-8")


def attachment_name(credential: IssuedCredential) -> str:
    return "clr.json" if credential.kind == CredentialKind.CLR else "credential.json"


# --- the fetcher --------------------------------------------------------------------------------------


class AssetFetcher(URLFetcher):
    """Serves `companion:/<bundled file>` from static/pdf and the render's own files; refuses the rest.

    `fail_on_errors`: a refused URL stops the rendering instead of leaving a hole in the page.
    """

    def __init__(self, files: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(fail_on_errors=True)
        self._files = files or {}

    def fetch(self, url, headers=None):
        if url in self._files:
            body, mime_type = self._files[url]
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})
        path = _bundled_path(url)
        if path is None:
            raise RefusedURL(f"{url} is not a file bundled with the PDF companion")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})


def _bundled_path(url: str) -> Path | None:
    if not isinstance(url, str) or not url.startswith(ASSET_BASE):
        return None
    relative = url.removeprefix(ASSET_BASE)
    if not relative or "?" in relative or "#" in relative:
        return None
    path = (ASSETS / relative).resolve()
    root = ASSETS.resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


# The PDF templates use Django's built-in tags and filters only: an engine of their own does not import
# every installed app's template tag libraries (about 16 MB in a worker that renders nothing else).
_templates = Engine(dirs=[Path(settings.BASE_DIR) / "templates"], app_dirs=False)

# --- compression --------------------------------------------------------------------------------------


class _ZlibAtDefaultLevel:
    """zlib as pydyf sees it, with every stream compressed at zlib's default level (6) instead of the 9
    pydyf asks for: 9 cost a transcript ~55 ms of its ~340 ms of CPU (the fonts and the attached
    credential) for a file a few per cent smaller. pydyf has no option for it."""

    compress_level = 6

    def __getattr__(self, name):
        return getattr(zlib, name)

    def compressobj(self, level=-1, *args, **kwargs):
        return zlib.compressobj(self.compress_level, *args, **kwargs)

    def compress(self, data, level=-1, **kwargs):
        return zlib.compress(data, self.compress_level, **kwargs)


pydyf.zlib = _ZlibAtDefaultLevel()


# --- the stylesheets and fonts, parsed once per process ------------------------------------------------

_render_lock = threading.Lock()
_stylesheets: tuple[FontConfiguration, CSS, CSS] | None = None


def _style() -> tuple[FontConfiguration, CSS, CSS]:
    """The font configuration (with the bundled @font-face fonts loaded), the parsed stylesheet and the
    user-agent stylesheet (`static/pdf/ua.css`)."""
    global _stylesheets
    if _stylesheets is None:
        fonts = FontConfiguration()
        css = CSS(url=STYLESHEET, url_fetcher=AssetFetcher(), font_config=fonts)
        ua = CSS(url=UA_STYLESHEET, url_fetcher=AssetFetcher(), font_config=fonts)
        _stylesheets = (fonts, css, ua)
        # What the process holds now (Django, the apps, WeasyPrint, these fonts and rules) lives as long
        # as it does: keep it out of the collector's full passes. A render makes enough objects to start
        # one every other render, and scanning ~200,000 long-lived objects took ~90 ms of each render
        # (a quarter of it); with them frozen, ~20 ms.
        gc.collect()
        gc.freeze()
    return _stylesheets


class _CompanionHTML(HTML):
    """A document that WeasyPrint styles with the companion's own user-agent stylesheet (the HTML5 rules
    for the elements the templates use) instead of its full HTML5 one: matching every element against
    the full sheet was ~8% of a transcript's render. `_ua_stylesheets` is the method WeasyPrint asks for
    it; tests/credentials/test_companion_pdf.py checks that it still does."""

    def _ua_stylesheets(self, forms=False):
        return [_style()[2]]

    @classmethod
    def from_markup(cls, markup: str, url_fetcher: URLFetcher) -> "_CompanionHTML":
        """The document of the templates' output, read by expat when it is well-formed XML, as the
        templates write it: the HTML5 parser (tinyhtml5, pure Python) took ~5% of a transcript's render.
        Anything else (a control character from a record, say) goes through the HTML5 parser. Sets what
        `HTML.__init__` sets; a test compares both."""
        try:
            root = defusedxml.ElementTree.fromstring(markup)
        except ParseError:
            return cls(string=markup, base_url=ASSET_BASE, url_fetcher=url_fetcher)
        document = cls.__new__(cls)
        document.base_url = ASSET_BASE
        document.url_fetcher = url_fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
        return document


def _libc_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_malloc_trim = _libc_malloc_trim()


def _give_back_freed_memory() -> None:
    """Return the pages a render freed to the system. glibc keeps freed memory in its arenas, so a worker
    would hold each render's peak for good (about 10 MB of a prefork child's 150 MB RSS); the render's
    garbage cycles are collected first (cheap: everything older is frozen, see `_style`)."""
    gc.collect()
    if _malloc_trim is not None:
        _malloc_trim(0)


# --- reading the signed document ----------------------------------------------------------------------


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _dicts(value) -> list[dict]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return _number(value)
    return ""


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:g}"


def _day(value) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def type_label(value) -> str:
    """Words for an achievementType or a resultType (vc.labels)."""
    if isinstance(value, str) and value in labels.RESULT_TYPE_WORDS:
        return labels.result_type_label(value)
    return labels.achievement_type_label(value)


@dataclass
class ResultLine:
    name: str
    value: str


@dataclass
class Entry:
    """One achievement of the record, as the pages show it."""

    code: str
    title: str
    kind: str
    achievement_type: str
    achievement_id: str
    credits: float | None
    grade: str
    results: list[ResultLine]
    term: str
    start: date | None
    end: date | None
    awarded: date | None
    role: str = ""
    verified_by: str = ""
    evidence: list[str] = field(default_factory=list)
    aligned: list[dict] = field(default_factory=list)

    @property
    def credits_text(self) -> str:
        return _number(self.credits) if self.credits is not None else ""

    @property
    def sort_date(self) -> date:
        return self.start or self.awarded or self.end or date.max


@dataclass
class GradingKey:
    name: str
    kind: str
    values: list[str]
    passing: str
    levels: list[tuple[str, str]]
    range: str


def _description_key(description: dict) -> tuple:
    levels = tuple((_text(level.get("name")), _text(level.get("description")))
                   for level in _dicts(description.get("rubricCriterionLevel")))  # fmt: skip
    return (
        _text(description.get("name")),
        _text(description.get("resultType")),
        tuple(_text(v) for v in _list(description.get("allowedValue"))),
        _text(description.get("requiredValue")),
        levels,
        _text(description.get("valueMin")),
        _text(description.get("valueMax")),
    )


def _grading_key(description: dict) -> GradingKey:
    levels = _dicts(description.get("rubricCriterionLevel"))
    level_names = {level.get("id"): _text(level.get("name")) for level in levels}
    passing = _text(description.get("requiredValue"))
    if passing:
        passing = f"{passing} or better"
    elif description.get("requiredLevel") in level_names:
        passing = f"{level_names[description['requiredLevel']]} or better"
    low, high = _text(description.get("valueMin")), _text(description.get("valueMax"))
    return GradingKey(
        name=_text(description.get("name")),
        kind=type_label(description.get("resultType")),
        values=[_text(v) for v in _list(description.get("allowedValue")) if _text(v)],
        passing=passing,
        levels=[(_text(level.get("name")), _text(level.get("description"))) for level in levels],
        range=f"{low} to {high}" if low and high else "",
    )


def _source(subject: dict) -> str:
    """OB 3.0 AchievementSubject.source: who assessed it (for an experience, the advisor who verified it)."""
    source = subject.get("source")
    if not isinstance(source, dict):
        return ""
    parts = [_text(source.get("name")), _text(source.get("description"))]
    return ", ".join(part for part in parts if part and not part.startswith(("did:", "urn:")))


def _entry(nested: dict, keys: dict[tuple, GradingKey]) -> Entry | None:
    subject = nested.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        return None
    descriptions = {d.get("id"): d for d in _dicts(achievement.get("resultDescription"))}
    results: list[ResultLine] = []
    aligned = []
    grade = ""
    for result in _dicts(subject.get("result")):
        description = descriptions.get(result.get("resultDescription")) or {}
        if description:
            key = _description_key(description)
            keys.setdefault(key, _grading_key(description))
        value = _text(result.get("value"))
        levels = {level.get("id"): _text(level.get("name"))
                  for level in _dicts(description.get("rubricCriterionLevel"))}  # fmt: skip
        if not value and result.get("achievedLevel") in levels:
            value = levels[result["achievedLevel"]]
        shown = value or _text(result.get("status"))
        name = _text(description.get("name")) or type_label(description.get("resultType")) or "Result"
        for alignment in _dicts(result.get("alignment")):
            aligned.append(
                {
                    "name": _text(alignment.get("targetName")),
                    "code": _text(alignment.get("targetCode")),
                    "level": shown,
                }
            )
        if not grade and shown and not aligned:
            grade = shown
        elif shown:
            results.append(ResultLine(name=name, value=shown))
    credits = subject.get("creditsEarned")
    evidence = [
        _text(item.get("narrative")) or _text(item.get("name"))
        for item in _dicts(nested.get("evidence"))
        if _text(item.get("narrative")) or _text(item.get("name"))
    ]
    achievement_type = _text(achievement.get("achievementType"))
    return Entry(
        code=_text(achievement.get("humanCode")),
        title=_text(achievement.get("name")) or _text(nested.get("name")),
        kind=type_label(achievement_type),
        achievement_type=achievement_type,
        achievement_id=_text(achievement.get("id")),
        credits=float(credits)
        if isinstance(credits, int | float) and not isinstance(credits, bool)
        else None,
        grade=grade,
        results=results,
        term=_text(subject.get("term")),
        start=_day(subject.get("activityStartDate")),
        end=_day(subject.get("activityEndDate")),
        awarded=_day(nested.get("awardedDate")),
        role=_text(subject.get("role")),
        verified_by=_source(subject),
        evidence=evidence,
        aligned=aligned,
    )


@dataclass
class Term:
    name: str
    courses: list[Entry]
    credits: float
    cumulative: float

    @property
    def credits_text(self) -> str:
        return _number(self.credits)

    @property
    def cumulative_text(self) -> str:
        return _number(self.cumulative)


def _terms(courses: list[Entry]) -> list[Term]:
    by_term: dict[str, list[Entry]] = {}
    for course in courses:
        by_term.setdefault(course.term or "Not in a term", []).append(course)
    ordered = sorted(by_term.items(), key=lambda item: (min(c.sort_date for c in item[1]), item[0]))
    terms, cumulative = [], 0.0
    for name, items in ordered:
        items.sort(key=lambda c: (c.code, c.title))
        credits = sum(c.credits or 0 for c in items)
        cumulative += credits
        terms.append(Term(name=name, courses=items, credits=credits, cumulative=cumulative))
    return terms


def _issuer(document: dict) -> dict:
    issuer = document.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {}
    address = issuer.get("address") if isinstance(issuer.get("address"), dict) else {}
    lines = [
        _text(address.get("streetAddress")),
        " ".join(
            part
            for part in (
                _text(address.get("addressLocality")),
                _text(address.get("addressRegion")),
                _text(address.get("postalCode")),
            )
            if part
        ),
        _text(address.get("addressCountry")),
    ]
    return {
        "name": _text(issuer.get("name")),
        "address": [line for line in lines if line],
        "identifiers": [
            (_text(item.get("identifierType")).removeprefix("ext:"), _text(item.get("identifier")))
            for item in _dicts(issuer.get("otherIdentifier"))
        ],
        "url": _text(issuer.get("url")),
        "email": _text(issuer.get("email")),
        "phone": _text(issuer.get("phone")),
    }


def _competencies(subject: dict, entries: list[Entry]) -> list[dict]:
    """The catalog competencies of the record, each with the achievements that show it and levels achieved."""
    by_id = {entry.achievement_id: entry for entry in entries}
    rows: dict[str, dict] = {}
    for achievement in _dicts(subject.get("achievement")):
        if _text(achievement.get("achievementType")) in _COMPETENCY_TYPES:
            rows[_text(achievement.get("id"))] = {
                "code": _text(achievement.get("humanCode")),
                "name": _text(achievement.get("name")),
                "shown_in": [],
                "levels": [],
            }
    for association in _dicts(subject.get("association")):
        source, target = association.get("sourceId"), association.get("targetId")
        if target in rows and source in by_id:
            entry = by_id[source]
            rows[target]["shown_in"].append(entry.code or entry.title)
    for entry in entries:
        for alignment in entry.aligned:
            row = next(
                (r for r in rows.values() if alignment["code"] and r["code"] == alignment["code"]), None
            )
            if row is None:
                row = rows.setdefault(
                    f"aligned:{alignment['code'] or alignment['name']}",
                    {"code": alignment["code"], "name": alignment["name"], "shown_in": [], "levels": []},
                )
            row["levels"].append(
                f"{alignment['level']} ({entry.title})" if alignment["level"] else entry.title
            )
            if (entry.code or entry.title) not in row["shown_in"]:
                row["shown_in"].append(entry.code or entry.title)
    shown = [row for row in rows.values() if row["shown_in"] or row["levels"]]
    return sorted(shown, key=lambda row: (row["code"], row["name"]))


def _programs(subject: dict, entries: list[Entry]) -> list[dict]:
    """Programs the record's achievements are part of that the record does not award (yet)."""
    awarded = {entry.achievement_id for entry in entries}
    programs = {
        _text(a.get("id")): {
            "name": _text(a.get("name")),
            "kind": type_label(a.get("achievementType")),
            "count": 0,
        }
        for a in _dicts(subject.get("achievement"))
        if _text(a.get("achievementType")) in _DEGREE_TYPES and _text(a.get("id")) not in awarded
    }
    for association in _dicts(subject.get("association")):
        target, source = association.get("targetId"), association.get("sourceId")
        if association.get("associationType") == "isPartOf" and target in programs and source in awarded:
            programs[target]["count"] += 1
    return [program for program in programs.values() if program["count"]]


def _human_date(value: date | datetime | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def verification_url(credential: IssuedCredential) -> str:
    """The short link to the credential's verdict on the verification page (`/verify/<credential id>`),
    which a reader can type from paper; half as long as the page's `?credential=<its id>`, so its QR code
    has fewer, larger modules (version 5 in place of 8 for a typical host)."""
    return f"{settings.PORTAL_BASE_URL}{VERIFY_PAGE_PATH}{credential.pk}"


def _credential_id(credential: IssuedCredential) -> str:
    """The signed `id` (the credential's address, `IssuedCredential.url`, when it was signed)."""
    credential_id = _text((credential.document or {}).get("id"))
    if not credential_id:
        raise CompanionError("The signed credential has no id: its pages could not say how to verify it.")
    return credential_id


def _qr_png(url: str) -> bytes:
    """The QR code as a PNG of one pixel a module, which the stylesheet scales up without smoothing
    (`image-rendering: pixelated`, so the PDF image says /Interpolate false, as PDF/A wants): drawing
    segno's SVG (a path of ~1,000 segments) cost ~4% of a transcript's render, this PNG almost nothing."""
    out = BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=1, border=2)
    return out.getvalue()


def _logo(credential: IssuedCredential) -> tuple[bytes, str] | None:
    logo = credential.institution.logo
    if not logo:
        return None
    try:
        with logo.open("rb") as handle:
            data = handle.read()
    except OSError as exc:  # the page is still worth having without it
        logger.warning(
            "institution %s: logo %s unreadable for the PDF: %s", credential.institution_id, logo.name, exc
        )
        return None
    return data, mimetypes.guess_type(logo.name)[0] or "image/png"


def _common_context(credential: IssuedCredential, digest: str) -> dict:
    document = credential.document or {}
    learner = credential.learner
    # A share's CLR that names the learner only by hashed identifiers: its pages name nobody either.
    anonymous = credential.partial and not credential.names_learner
    issued = _day(document.get("validFrom")) or (credential.signed_at or credential.created_at).date()
    return {
        "credential": credential,
        "credential_id": _credential_id(credential),
        "digest": digest,
        "issuer": _issuer(document),
        "learner_name": "" if anonymous else f"{learner.given_name} {learner.family_name}".strip(),
        "student_id": "" if anonymous else learner.student_id,
        "issued": _human_date(issued),
        "verify_url": verification_url(credential),
        "verify_page": settings.PORTAL_BASE_URL + VERIFY_PAGE_PATH,
        "redisclosure": REDISCLOSURE,
        "asset": ASSET_BASE,
        "attachment_name": attachment_name(credential),
        "lang": "en",
    }


def transcript_context(credential: IssuedCredential, digest: str) -> dict:
    """What the transcript pages say, from the ClrCredential's signed document."""
    document = credential.document or {}
    subject = document.get("credentialSubject") if isinstance(document.get("credentialSubject"), dict) else {}
    keys: dict[tuple, GradingKey] = {}
    entries = [
        entry
        for entry in (_entry(nested, keys) for nested in _dicts(subject.get("verifiableCredential")))
        if entry is not None
    ]
    courses = [e for e in entries if e.achievement_type == "Course"]
    degrees = [e for e in entries if e.achievement_type in _DEGREE_TYPES]
    competencies_awarded = [e for e in entries if e.achievement_type in _COMPETENCY_TYPES]
    others = [e for e in entries if e not in courses and e not in degrees and e not in competencies_awarded]
    others.sort(key=lambda e: (e.sort_date, e.title))
    degrees.sort(key=lambda e: (e.awarded or date.max, e.title))
    terms = _terms(courses)
    return {
        **_common_context(credential, digest),
        "title": _text(document.get("name")) or "Comprehensive Learner Record",
        "partial": document.get("partial") is True,
        "terms": terms,
        "total_credits": _number(terms[-1].cumulative) if terms else "0",
        "course_count": len(courses),
        "degrees": degrees,
        "programs": _programs(subject, entries),
        "competencies": _competencies(subject, entries),
        "competencies_awarded": competencies_awarded,
        "others": others,
        "grading_keys": list(keys.values()),
        "copy_kind": "transcript companion",
    }


def certificate_context(credential: IssuedCredential, digest: str) -> dict:
    """What the one-page certificate says, from the AchievementCredential's signed document."""
    document = credential.document or {}
    keys: dict[tuple, GradingKey] = {}
    entry = _entry(document, keys)
    if entry is None:
        raise CompanionError("The credential names no achievement to print.")
    subject = document.get("credentialSubject") if isinstance(document.get("credentialSubject"), dict) else {}
    achievement = subject.get("achievement") or {}
    criteria = achievement.get("criteria") if isinstance(achievement.get("criteria"), dict) else {}
    return {
        **_common_context(credential, digest),
        "title": _text(document.get("name")) or entry.title,
        "entry": entry,
        "description": _text(achievement.get("description")),
        "criteria": _text(criteria.get("narrative")),
        "awarded": _human_date(entry.awarded),
        "grading_keys": list(keys.values()),
        "copy_kind": "certificate companion",
    }


# --- rendering ----------------------------------------------------------------------------------------


def _associated_files_once(document, pdf) -> None:
    """WeasyPrint 70.0 lists each attachment twice in the catalog's /AF (from the EmbeddedFiles name
    tree and again from every Filespec): keep each once, in order. PDF/A-3 (ISO 19005-3 6.8) wants every
    embedded file associated; nothing asks for it twice."""
    associated = pdf.catalog.get("AF")
    if not associated:
        return
    seen, unique = set(), []
    for reference in associated:
        key = reference if isinstance(reference, str | bytes) else repr(reference)
        if key not in seen:
            seen.add(key)
            unique.append(reference)
    associated[:] = unique


def companion_pdf(credential: IssuedCredential) -> bytes:
    """The PDF/A-3 companion of a signed ClrCredential (transcript) or AchievementCredential (certificate)."""
    if not credential.document:
        raise CompanionError("The credential is not signed yet: there is nothing to print.")
    if credential.kind not in (CredentialKind.CLR, CredentialKind.ACHIEVEMENT):
        raise CompanionError(f"There is no PDF companion of a {credential.get_kind_display()}.")
    embedded = credential_json(credential)
    digest = hashlib.sha256(embedded).hexdigest()
    if credential.kind == CredentialKind.CLR:
        template, context = "credentials/pdf/transcript.html", transcript_context(credential, digest)
    else:
        template, context = "credentials/pdf/certificate.html", certificate_context(credential, digest)
    files = {
        ASSET_BASE + "qr.png": (_qr_png(context["verify_url"]), "image/png"),
        ASSET_BASE + "attachment": (embedded, "application/ld+json"),
    }
    logo = _logo(credential)
    if logo is not None:
        files[ASSET_BASE + "logo"] = logo
    context["has_logo"] = logo is not None
    html = _templates.get_template(template).render(Context(context))
    fetcher = AssetFetcher(files)
    signed = credential.signed_at or credential.created_at
    attachment = Attachment(
        url=ASSET_BASE + "attachment",
        url_fetcher=fetcher,
        name=attachment_name(credential),
        description=f"The signed credential ({credential.get_kind_display()}) that these pages show",
        created=signed,
        modified=signed,
        relationship="Source",
    )
    with _render_lock:
        fonts, stylesheet, _ua = _style()
        try:
            pdf = _CompanionHTML.from_markup(html, fetcher).write_pdf(
                stylesheets=[stylesheet],
                font_config=fonts,
                attachments=[attachment],
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
                finisher=_associated_files_once,
            )
        except FatalURLFetchingError as exc:  # a BaseException: never let it past a task
            raise CompanionError(
                f"The PDF asked for something that is not bundled: {exc.__cause__ or exc}"
            ) from None
        finally:
            _give_back_freed_memory()
    return pdf
