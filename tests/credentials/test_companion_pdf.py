"""The PDF transcript companion, read back with pypdf: what its pages say, the signed credential it
carries (once, byte for byte, and verifiable), PDF/A-3 with tags, and storing it once per credential.

Signing runs eagerly here, so signing a ClrCredential renders its PDF in-process through the real task;
tests/e2e renders it in a real worker."""

import hashlib
import io
import json
import re

import defusedxml.ElementTree
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from achievements import demo
from achievements.models import Learner
from achievements.services import award_create
from credentials import companion, companion_store, companion_tasks, services
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.verification import credential_verify
from institutions.models import InstitutionIdentifier
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db(transaction=True)

# The demo's 40-course record (8 terms of 5 courses, a degree, competencies) fills this many pages.
TRANSCRIPT_PAGES = 4


@pytest.fixture
def records(institution):
    """The demo catalog and 24 students; the institution with an address, an official identifier and a logo."""
    institution.street_address = "1 College Green"
    institution.locality, institution.region, institution.postal_code = "Northbridge", "MA", "01060"
    institution.country = "USA"
    logo = io.BytesIO()
    Image.new("RGB", (120, 40), "#1d3557").save(logo, "PNG")
    institution.logo.save("logo.png", ContentFile(logo.getvalue()), save=False)
    institution.save()
    InstitutionIdentifier.objects.create(
        institution=institution, identifier_type="ext:IPEDS", identifier="166027"
    )
    demo.seed(institution=institution, students=24)
    return institution


@pytest.fixture
def graduate(records):
    """A demo student who passed all 40 courses and was awarded the degree."""
    return (
        Learner.objects.filter(institution=records, awards__achievement__human_code=demo.DEGREE_CODE)
        .order_by("student_id")
        .first()
    )


@pytest.fixture
def transcript(graduate) -> IssuedCredential:
    clr = services.clr_issue(learner=graduate)
    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED, clr.error
    return clr


def read(credential: IssuedCredential) -> PdfReader:
    with credential.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def nested_courses(clr: IssuedCredential) -> list[dict]:
    nested = clr.document["credentialSubject"]["verifiableCredential"]
    return [
        vc["credentialSubject"]
        for vc in nested
        if vc["credentialSubject"]["achievement"]["achievementType"] == "Course"
    ]


def test_signing_a_clr_renders_and_stores_its_pdf_through_the_worker_task(transcript):
    assert transcript.pdf.name.startswith("credentials/pdf/")
    assert transcript.pdf_rendered_at is not None
    assert transcript.pdf.storage.exists(transcript.pdf.name)
    with transcript.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_the_transcript_shows_the_learner_every_course_with_its_grade_the_credential_id_and_hash(
    transcript, graduate
):
    text = text_of(read(transcript))
    lines = set(text.splitlines())
    courses = nested_courses(transcript)
    assert len(courses) == 40

    assert f"Learner {graduate.given_name} {graduate.family_name}" in lines
    assert f"Student id {graduate.student_id}" in lines
    for subject in courses:
        achievement, grade = subject["achievement"], subject["result"][0]["value"]
        # A second result (the capstones' rubric level) is a line of its own under the title.
        row = rf"{re.escape(achievement['humanCode'])} {re.escape(achievement['name'])}(?:\n[^\n]+: [^\n]+)?"
        row += rf"[ \n]{subject['creditsEarned']:g} {re.escape(grade)}\n"
        assert re.search(row, text), row
    assert f"Credential {transcript.url}" in lines
    digest = hashlib.sha256(companion.credential_json(transcript)).hexdigest()
    assert f"SHA-256 {digest}" in lines
    # Terms in order, each with its credits and the running total.
    assert text.index("Fall 2022") < text.index("Spring 2023") < text.index("Spring 2026")
    assert "Term credits 18\nCumulative credits 18" in text
    total = sum(subject["creditsEarned"] for subject in courses)
    assert f"Cumulative credits {total:g}" in lines
    assert f"40 courses, {total:g} credits earned." in lines
    # The degree, the issuer's address and identifier, the grading key.
    assert re.search(r"Bachelor of Science in Computer\s+Science", text)
    assert "1 College Green" in lines and "Northbridge MA 01060" in lines and "IPEDS 166027" in lines
    assert "Values, best first: A, A-, B+, B, B-, C+, C, C-, D+, D, D-, F. Passing:" in text
    assert "Exemplary: Exceeds professional expectations." in lines
    assert "official transcript" not in text.replace("not an official transcript", "")


def test_the_signed_credential_is_embedded_once_byte_identical_and_it_verifies(transcript):
    reader = read(transcript)
    catalog = reader.trailer["/Root"]

    associated = [reference.get_object() for reference in catalog["/AF"]]
    assert [spec["/F"] for spec in associated] == ["clr.json"]  # WeasyPrint 70.0 alone lists it twice
    assert associated[0]["/AFRelationship"] == "/Source"
    embedded_names = catalog["/Names"]["/EmbeddedFiles"]["/Names"][0::2]
    assert embedded_names == ["clr.json"]
    stream = associated[0]["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/ld+json"

    transcript.refresh_from_db()
    [attached] = reader.attachments["clr.json"]
    assert attached == stream.get_data() == companion.credential_json(transcript)
    document = json.loads(attached)
    assert document == transcript.document
    result = credential_verify(document_or_jwt=document)
    assert result.verdict == "verified", result.to_dict()


def test_the_pdf_is_pdf_a_3_tagged_with_its_language_title_and_output_intent(transcript):
    reader = read(transcript)
    catalog = reader.trailer["/Root"]

    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="U"' in xmp
    [intent] = [item.get_object() for item in catalog["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert catalog["/Lang"] == "en"
    assert "/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"]["/Marked"])
    assert reader.metadata.title == transcript.document["name"]
    # Fonts are the bundled ones, embedded (subset).
    fonts = {
        font.get_object()["/BaseFont"].split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts <= {"Companion-Sans", "Companion-Sans-Bold", "Companion-Serif-Bold", "Companion-Mono"}


def test_a_40_course_transcript_fills_four_pages_each_with_its_footer(transcript):
    reader = read(transcript)
    digest = hashlib.sha256(companion.credential_json(transcript)).hexdigest()
    issued = f"{transcript.signed_at:%-d %B %Y}"

    assert len(reader.pages) == TRANSCRIPT_PAGES
    for number, page in enumerate(reader.pages, start=1):
        lines = set(page.extract_text().splitlines())
        assert f"Page {number} of {TRANSCRIPT_PAGES}" in lines
        assert f"Learner copy — transcript companion, issued to the learner on {issued}" in lines
        assert f"Credential {transcript.url}" in lines
        assert f"SHA-256 {digest}" in lines
        assert companion.REDISCLOSURE in lines


def test_rendering_again_stores_nothing_new_and_a_lost_file_is_rendered_again(transcript):
    first_name, first_time = transcript.pdf.name, transcript.pdf_rendered_at
    storage = transcript.pdf.storage

    assert companion_store.companion_pdf_store(credential_id=transcript.pk).pdf.name == first_name
    assert companion_tasks.render_companion_pdf.delay(str(transcript.pk)).get() == first_name
    transcript.refresh_from_db()
    assert (transcript.pdf.name, transcript.pdf_rendered_at) == (first_name, first_time)
    folder = first_name.rsplit("/", 1)[0]
    assert storage.listdir(folder)[1] == [first_name.rsplit("/", 1)[1]]

    storage.delete(first_name)
    again = companion_store.companion_pdf_store(credential_id=transcript.pk)
    assert storage.exists(again.pdf.name) and again.pdf_rendered_at > first_time


def test_the_verification_link_the_pdf_prints_verifies_the_credential_for_its_learner(
    transcript, graduate, login, student_user
):
    graduate.user = student_user
    graduate.save(update_fields=["user"])
    text = text_of(read(transcript))
    printed = re.search(r"Verify at (\S+)", text)[1]  # on one line: short enough not to wrap
    assert printed == companion.verification_url(transcript)
    # Printed on paper, the address is written out (the PDF worker has no URLconf): still the page's, short.
    assert printed == "http://127.0.0.1:8000" + reverse("verify:credential", args=[transcript.pk])
    assert len(printed) < 80

    response = login(student_user).get(printed.removeprefix("http://127.0.0.1:8000"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("verify:page") + "?credential=")
    assert "Verified" in response.content.decode()


def test_the_qr_code_encodes_the_verification_link_one_pixel_a_module_drawn_without_smoothing(transcript):
    import segno

    page = read(transcript).pages[0]
    images = {name: xobject.get_object() for name, xobject in page["/Resources"]["/XObject"].items()}
    qr = next(image for image in images.values() if image["/Width"] == image["/Height"])
    assert qr["/Interpolate"].value is False  # PDF/A forbids smoothing; scanners want sharp edges
    drawn = next(image for image in page.images if image.image.width == qr["/Width"]).image.convert("1")
    modules = segno.make(companion.verification_url(transcript), error="m").matrix
    border = (drawn.width - len(modules)) // 2
    assert border == 2
    for y, row in enumerate(modules):
        assert [drawn.getpixel((border + x, border + y)) == 0 for x in range(len(row))] == [
            bool(m) for m in row
        ]


def test_the_pages_are_styled_with_the_companions_user_agent_stylesheet(transcript, monkeypatch):
    asked = []
    own = companion._CompanionHTML._ua_stylesheets
    monkeypatch.setattr(
        companion._CompanionHTML,
        "_ua_stylesheets",
        lambda self, forms=False: asked.append(forms) or own(self),
    )
    companion.companion_pdf(transcript)
    assert asked, "WeasyPrint no longer asks HTML._ua_stylesheets for its user-agent stylesheet"
    assert own(companion._CompanionHTML(string="<p>x</p>")) == [companion._style()[2]]


def _tree(element) -> list:
    """Tags, attributes and words of an element tree, whitespace-only text and comments left out."""
    words = lambda text: (text or "").split()  # noqa: E731
    return [
        (item.tag, sorted(item.attrib.items()), words(item.text), words(item.tail))
        for item in element.iter()
        if isinstance(item.tag, str)
    ]


def test_the_templates_markup_is_read_by_expat_into_the_tree_weasyprints_html5_parser_makes(transcript):
    from django.template import Context

    embedded = companion.credential_json(transcript)
    context = companion.transcript_context(transcript, hashlib.sha256(embedded).hexdigest())
    markup = companion._templates.get_template("credentials/pdf/transcript.html").render(Context(context))
    fetcher = companion.AssetFetcher()

    fast = companion._CompanionHTML.from_markup(markup, fetcher)
    parsed = HTML(string=markup, base_url=companion.ASSET_BASE, url_fetcher=fetcher)

    defusedxml.ElementTree.fromstring(markup)  # well-formed, so from_markup did not fall back
    assert vars(fast).keys() == vars(parsed).keys(), "WeasyPrint's HTML sets something from_markup does not"
    assert (fast.base_url, fast.media_type) == (parsed.base_url, parsed.media_type)
    assert _tree(fast.etree_element) == _tree(parsed.etree_element)


def test_markup_that_is_not_well_formed_xml_goes_through_the_html5_parser():
    markup = "<!DOCTYPE html><html lang=en><body><p>Intro to \x0bSystems<br>Fall</p></body></html>"
    document = companion._CompanionHTML.from_markup(markup, companion.AssetFetcher())
    assert [item.tag for item in document.etree_element.iter()] == ["html", "head", "body", "p", "br"]
    assert document.write_pdf().startswith(b"%PDF-")


def test_every_element_the_pdf_templates_use_has_its_user_agent_rule():
    templates = (companion.ASSETS.parents[1] / "templates" / "credentials" / "pdf").glob("*.html")
    used = {tag for path in templates for tag in re.findall(r"<([a-z][a-z0-9]*)", path.read_text())}
    rules = (companion.ASSETS / "ua.css").read_text()
    rules = re.sub(r"\{[^{}]*\}", "{}", re.sub(r"/\*.*?\*/", "", rules, flags=re.S))  # selectors only
    selectors = set(re.findall(r"(?<![-\w.#:])([a-z][a-z0-9]*)(?=[\s,{:\[)])", rules))
    # Inline by default: these need no rule.
    inline = {"span", "img", "br", "strong", "b", "em", "i", "small", "a"}
    assert used - selectors - inline == set()


def test_an_achievement_credential_becomes_a_one_page_certificate_with_the_credential_attached(
    institution, learner, course
):
    description = course.current_version.result_descriptions.get()
    award = award_create(
        learner=learner, achievement=course, term="Fall 2025", credits_earned=4,
        results=[{"result_description": description, "value": "A-"}],
    )  # fmt: skip
    credential = services.credential_issue(award=award)
    credential.refresh_from_db()
    assert credential.pdf.name == ""  # only a CLR is rendered when signed; a certificate on demand

    stored = companion_store.companion_pdf_store(credential_id=credential.pk)
    reader = read(stored)
    assert len(reader.pages) == 1
    [attached] = reader.attachments["credential.json"]
    assert attached == companion.credential_json(credential)
    text = reader.pages[0].extract_text()
    assert f"{learner.given_name} {learner.family_name}" in text
    assert "Introduction to Programming (CS 101)" in text
    assert "Result A-" in text
    assert "Learner copy — certificate companion" in text and "Page 1 of 1" in text


def test_a_co_curricular_experience_shows_who_verified_it_and_the_competency_level(institution, learner):
    competency = make_achievement(
        institution, "NACE-1", achievement_type="Competency", name="Teamwork", results=[]
    )
    experience = make_achievement(
        institution, "EXP-1", achievement_type="Fieldwork", name="Internship at Acme Labs",
        results=[{"name": "Teamwork", "result_type": "RubricCriterionLevel", "levels": [
            {"name": "Advanced", "description": "Leads others."}, {"name": "Developing", "description": "Helps."},
        ]}],
    )  # fmt: skip
    rubric = experience.current_version.result_descriptions.get()
    award_create(
        learner=learner, achievement=experience, term="Summer 2025", role="Research intern",
        results=[{"result_description": rubric, "value": "Advanced",
                  "achieved_level": rubric.levels.get(name="Advanced"), "aligned_to": competency}],
        assessor={"id": "urn:uuid:3f1c4e1e-0000-4000-8000-000000000001", "name": "Dana Advisor",
                  "role": "Advisor, Career Center"},
    )  # fmt: skip
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()

    words = " ".join(text_of(read(clr)).split())
    assert "Internship at Acme Labs Role: Research intern" in words
    assert "Dana Advisor, Advisor, Career Center" in words
    assert "NACE-1 Teamwork EXP-1 Advanced (Internship at Acme Labs)" in words
    assert "Advanced: Leads others." in words


def test_pdf_streams_are_compressed_at_zlibs_default_level_not_pydyfs_slower_9(learner, award, monkeypatch):
    levels = []
    real = companion.zlib.compressobj
    monkeypatch.setattr(
        companion.zlib, "compressobj", lambda level, *a, **k: levels.append(level) or real(level)
    )
    certificate = services.credential_issue(award=award)
    content = companion.companion_pdf(IssuedCredential.objects.get(pk=certificate.pk))
    assert levels and set(levels) == {6}, "pydyf no longer compresses through companion._ZlibAtDefaultLevel"
    assert PdfReader(io.BytesIO(content)).attachments


def test_the_fetcher_serves_only_the_bundled_files():
    fetcher = companion.AssetFetcher({"companion:/qr.svg": (b"<svg/>", "image/svg+xml")})

    assert fetcher.fetch("companion:/fonts/DejaVuSans.ttf").read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch("companion:/qr.svg").content_type == "image/svg+xml"
    for url in (
        "https://example.org/tracker.png",
        "http://127.0.0.1:8000/media/institutions/logos/logo.png",
        "file:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "companion:/../../clrportal/settings/base.py",
        "companion:/fonts/",
    ):
        with pytest.raises(companion.RefusedURL):
            fetcher.fetch(url)
    # And a refused URL stops the rendering rather than leaving a hole in the page.
    with pytest.raises(FatalURLFetchingError):
        HTML(string='<img src="https://example.org/x.png">', url_fetcher=fetcher).write_pdf()


def test_a_credential_that_is_not_signed_has_no_pdf(learner, award):
    queued = IssuedCredential.objects.create(
        institution=learner.institution, kind=CredentialKind.CLR, learner=learner
    )
    assert companion_store.companion_pdf_store(credential_id=queued.pk) is None
    with pytest.raises(companion.CompanionError):
        companion.companion_pdf(queued)
