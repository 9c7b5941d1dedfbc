"""Pattern recognizers: what they must find (exact span, label, subtype) and what they must not.

All names, numbers and addresses below are invented.
"""
from __future__ import annotations

from typing import ClassVar

import pytest

from udfs.recognizers.base import Recognizer, keep_longest
from udfs.recognizers.registry import RECOGNIZER_NAMES, default_recognizers, run_recognizers
from udfs.spans import Span

ALL = default_recognizers()


def _spans(text: str, label: str | None = None, language: str | None = None) -> list[Span]:
    return [s for s in run_recognizers(ALL, text, language) if label is None or s.label == label]


def _assert_exact(text: str, expected: str, label: str, subtype: str | None = None) -> Span:
    """Exactly one span of ``label`` covers ``expected``, and it is ``expected`` itself."""
    start = text.index(expected)
    hits = [s for s in _spans(text, label) if s.start < start + len(expected) and start < s.end]
    assert [text[s.start:s.end] for s in hits] == [expected], hits
    if subtype is not None:
        assert hits[0].subtype == subtype, hits[0]
    assert 0.0 < hits[0].score <= 1.0
    return hits[0]


# --- DATE ---------------------------------------------------------------------------------

DATES = [
    ("Seen 03/14/2021 for follow-up.", "03/14/2021"),
    ("Seen on 3/14/21.", "3/14/21"),
    ("Ingreso 14.03.2021 por disnea.", "14.03.2021"),
    ("Collected 2021-03-14 in clinic.", "2021-03-14"),
    ("Visit 14-03-2021.", "14-03-2021"),
    ("Fecha 14/03/2021.", "14/03/2021"),
    ("Admitted 03/14/2021 14:30 via ED.", "03/14/2021 14:30"),
    ("Sample 2021-03-14T08:05 drawn.", "2021-03-14T08:05"),
    ("DOB:03/14/2021", "03/14/2021"),
    ("Seen on 3/14 in clinic.", "3/14"),
    ("Admitted March 14, 2021 with pneumonia.", "March 14, 2021"),
    ("Admitted 14 March 2021 with pneumonia.", "14 March 2021"),
    ("Surgery on Mar 14th, 2021.", "Mar 14th, 2021"),
    ("Last seen Mar 2021.", "Mar 2021"),
    ("Diagnosed in March of 2019.", "March of 2019"),
    ("Seen May 3, 2020 in clinic.", "May 3, 2020"),
    ("Ingresó el 14 de marzo de 2021.", "14 de marzo de 2021"),
    ("Intervenido en marzo de 2021.", "marzo de 2021"),
    ("Aufnahme am 14. März 2021.", "14. März 2021"),
    ("Aufnahme am 14. Mär. 2021.", "14. Mär. 2021"),
    ("Seit März 2021 beschwerdefrei.", "März 2021"),
    ("Hospitalisé le 14 mars 2021.", "14 mars 2021"),
    ("Ricoverato il 14 marzo 2021.", "14 marzo 2021"),
    ("Opgenomen op 14 maart 2021.", "14 maart 2021"),
    ("Smoker, quit in 2019.", "2019"),
    ("Diabetic since 2015.", "2015"),
    ("Prior CABG (2018).", "2018"),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_date_found(text: str, expected: str) -> None:
    _assert_exact(text, expected, "DATE")


def test_year_alone_scores_low_and_explicit_dates_high() -> None:
    assert _assert_exact("Diabetic since 2015.", "2015", "DATE").score == pytest.approx(0.5)
    assert _assert_exact("Seen 2021-03-14.", "2021-03-14", "DATE").score >= 0.9


NOT_DATES = [
    "2.5 mg", "BP 120/80", "120/80", "T 37.2", "q6h", "2-3 times", "1/2 tab", "24 2/7 weeks",
    "3/4 strength", "10/10 pain", "5/5 strength", "Dilution 1:100", "Seen on Monday, pain 3/10",
    "13/32/2021", "31/02/2021", "02/30/2021", "2021-13-01", "3/14 without context",
    "You may take 2 tabs", "Ordered 2000 mg", "Found in 2000 mg vials", "Server 192.168.1.10",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text: str) -> None:
    assert _spans(text, "DATE") == []


def test_month_day_needs_context() -> None:
    assert _spans("3/14 without context", "DATE") == []
    _assert_exact("Seen on 3/14", "3/14", "DATE")


# --- CONTACT ------------------------------------------------------------------------------

CONTACTS = [
    ("Call (555) 123-4567 today.", "(555) 123-4567", "PHONE"),
    ("Daughter 555-123-4567.", "555-123-4567", "PHONE"),
    ("Home 555.123.4567.", "555.123.4567", "PHONE"),
    ("Cell +1 555 123 4567.", "+1 555 123 4567", "PHONE"),
    ("Office 555-123-4567 ext. 89 weekdays.", "555-123-4567 ext. 89", "PHONE"),
    ("Tel: +34 913 908 121.", "+34 913 908 121", "PHONE"),
    ("Teléfono 93 416 97 00.", "93 416 97 00", "PHONE"),
    ("Telefon 0049 30 1234567.", "0049 30 1234567", "PHONE"),
    ("Praxis 030/1234567.", "030/1234567", "PHONE"),
    ("tél 06 12 34 56 78", "06 12 34 56 78", "PHONE"),
    ("Fax: 030/1234567", "030/1234567", "FAX"),
    ("fax (555) 222-0199", "(555) 222-0199", "FAX"),
    ("Teléfono 914567890.", "914567890", "PHONE"),
    ("phone 5551234567", "5551234567", "PHONE"),
    ("pager 123-4567", "123-4567", "PHONE"),
    ("Write to jane.roe@example.org please.", "jane.roe@example.org", "EMAIL"),
    ("Portal https://portal.example.com/pt?id=3.", "https://portal.example.com/pt?id=3", "URL"),
    ("See www.example.org.", "www.example.org", "URL"),
    ("Results at example.com/records/12 online.", "example.com/records/12", "URL"),
    ("Logged from 192.168.1.10 at night.", "192.168.1.10", "IP"),
    ("Host 2001:db8::8a2e:370:7334 seen.", "2001:db8::8a2e:370:7334", "IP"),
    ("Host fe80::1ff:fe23:4567:890a seen.", "fe80::1ff:fe23:4567:890a", "IP"),
    ("Host ::ffff:192.0.2.1 seen.", "::ffff:192.0.2.1", "IP"),
]


@pytest.mark.parametrize(("text", "expected", "subtype"), CONTACTS)
def test_contact_found(text: str, expected: str, subtype: str) -> None:
    _assert_exact(text, expected, "CONTACT", subtype)


def test_phone_then_fax_each_get_their_own_subtype() -> None:
    text = "Tel 555-123-4567, Fax 555-123-4568"
    _assert_exact(text, "555-123-4567", "CONTACT", "PHONE")
    _assert_exact(text, "555-123-4568", "CONTACT", "FAX")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Write to jane.roe@example.org", "jane.roe@example.org"), ("Call 555-123-4567", "555-123-4567"),
     ("See https://example.org/a", "https://example.org/a")],
)
def test_explicit_contacts_score_high(text: str, expected: str) -> None:
    assert _assert_exact(text, expected, "CONTACT").score >= 0.95


NOT_CONTACTS = [
    "2.5 mg", "BP 120/80", "T 37.2", "q6h", "2-3 times", "24 2/7 weeks", "WBC 12.5", "Na 140",
    "K 4.1", "PLT 250", "03/14/2021 14:30", "14.03.2021", "2021-03-14", "14:30:00", "256.1.1.1",
    "5551234567", "914567890 units", "123-45-6789", "NHC 26 63514095", "Acct# 445-22-901",
    "QTc 440 ms, EF 55-60%", "::1",
]


@pytest.mark.parametrize("text", NOT_CONTACTS)
def test_not_a_contact(text: str) -> None:
    assert _spans(text, "CONTACT") == []


# --- ID -----------------------------------------------------------------------------------

IDS = [
    ("SSN 123-45-6789 on file.", "123-45-6789", "SSN"),
    ("Number 123-45-6789 on file.", "123-45-6789", "SSN"),
    ("SSN: 123456789.", "123456789", "SSN"),
    ("social security number 123 45 6789", "123 45 6789", "SSN"),
    ("NHC 26 63514095, ingresa.", "26 63514095", "MRN"),
    ("NASS: 28 28 70973.", "28 28 70973", "INSURANCE"),
    ("MRN: A1234567 admitted.", "A1234567", "MRN"),
    ("Acct# 445-22-901.", "445-22-901", "ACCOUNT"),
    ("medical record number 88-1234", "88-1234", "MRN"),
    ("Record number 7788123.", "7788123", "MRN"),
    ("Patient ID: 5512345.", "5512345", "MRN"),
    ("Member ID XK99887766.", "XK99887766", "INSURANCE"),
    ("Policy #: 77-123456.", "77-123456", "INSURANCE"),
    ("Accession: S21-004567.", "S21-004567", "ACCESSION"),
    ("specimen no. AB-1234", "AB-1234", "ACCESSION"),
    ("Dr. Invented NºCol 282812345.", "282812345", "LICENSE"),
    ("médico colegiado 28/12345.", "28/12345", "LICENSE"),
    ("Versichertennummer A123456789.", "A123456789", "INSURANCE"),
    ("Fallnummer 2021-33345.", "2021-33345", "ACCOUNT"),
    ("dossier 4455661.", "4455661", "MRN"),
    ("n° de sécurité sociale 1 85 05 78 006 084.", "1 85 05 78 006 084", "NATIONAL_ID"),
    ("BSN 123456782.", "123456782", "NATIONAL_ID"),
    ("codice fiscale RSSMRA85M01H501Z.", "RSSMRA85M01H501Z", "NATIONAL_ID"),
    ("ID 4455667 on the wristband.", "4455667", ""),
    ("MRN 12345678 45 yo man", "12345678", "MRN"),
    ("Chart MRN-00451723 reviewed.", "MRN-00451723", ""),
]


@pytest.mark.parametrize(("text", "expected", "subtype"), IDS)
def test_id_found(text: str, expected: str, subtype: str) -> None:
    _assert_exact(text, expected, "ID", subtype)


def test_keyword_ids_score_above_bare_tokens() -> None:
    keyword = _assert_exact("MRN: A1234567", "A1234567", "ID")
    bare = _assert_exact("Chart MRN-00451723 reviewed.", "MRN-00451723", "ID")
    assert keyword.score > bare.score
    assert _assert_exact("123-45-6789", "123-45-6789", "ID").score >= 0.95


@pytest.mark.parametrize(
    "ssn", ["000-12-3456", "666-12-3456", "900-12-3456", "987-65-4321", "123-00-4567", "123-45-0000"]
)
def test_invalid_ssn_rejected(ssn: str) -> None:
    assert [s for s in _spans(ssn, "ID") if s.subtype == "SSN"] == []
    # After an explicit SSN keyword it is still an identifier (mistyped or test-range): keep it.
    for text in (f"SSN {ssn}", f"SSN {ssn.replace('-', '')}"):
        assert [s for s in _spans(text, "ID") if s.subtype == "SSN"] != []


NOT_IDS = [
    "2.5 mg", "BP 120/80", "T 37.2", "q6h", "2-3 times", "24 2/7 weeks", "Grade 3", "Room 412",
    "bed 3", "on account of 2500 mg", "COVID-19", "ICD-10", "HbA1c 7.2", "555-123-4567",
    "Infectious Disease (ID) consult in 3 days", "03/14/2021", "MRN pending",
]


@pytest.mark.parametrize("text", NOT_IDS)
def test_not_an_id(text: str) -> None:
    assert _spans(text, "ID") == []


# --- AGE ----------------------------------------------------------------------------------

AGES = [
    ("A 92-year-old woman.", "92-year-old", "OVER_89"),
    ("92 year old male", "92 year old", "OVER_89"),
    ("Pt 92 yo with CP", "92 yo", "OVER_89"),
    ("Pt 92 y/o with CP", "92 y/o", "OVER_89"),
    ("Woman aged 92 with falls.", "92", "OVER_89"),
    ("age: 92", "92", "OVER_89"),
    ("He is 92 years old.", "92 years old", "OVER_89"),
    ("92 years of age", "92 years of age", "OVER_89"),
    ("Paciente de 92 años.", "92 años", "OVER_89"),
    ("Patientin, 92 Jahre, Sturz.", "92 Jahre", "OVER_89"),
    ("Patient de 92 ans.", "92 ans", "OVER_89"),
    ("Paziente di 92 anni.", "92 anni", "OVER_89"),
    ("Patiënt van 92 jaar.", "92 jaar", "OVER_89"),
    ("92M with CP", "92", "OVER_89"),
    ("HPI:\n92 F presents with syncope", "92", "OVER_89"),
    ("A 45-year-old man.", "45-year-old", ""),
    ("A 3-month-old infant.", "3-month-old", ""),
    ("Child, 7 yo, febrile.", "7 yo", ""),
    ("Edad: 67", "67", ""),
]


@pytest.mark.parametrize(("text", "expected", "subtype"), AGES)
def test_age_found(text: str, expected: str, subtype: str) -> None:
    _assert_exact(text, expected, "AGE", subtype)


def test_explicit_age_scores_above_line_start_form() -> None:
    explicit = _assert_exact("A 92-year-old", "92-year-old", "AGE")
    assert explicit.score > _assert_exact("92M with CP", "92", "AGE").score


NOT_AGES = [
    "24 2/7 weeks", "Gestational age 24 2/7 weeks", "3 years ago", "for 5 years", "2 year history",
    "hace 3 años", "desde hace 5 años", "il y a 3 ans", "seit 5 Jahre", "da 5 anni", "5 jaar geleden",
    "2.5 mg", "BP 120/80", "T 37.2", "q6h", "2-3 times", "Stage 3", "5 M KCl solution",
]


@pytest.mark.parametrize("text", NOT_AGES)
def test_not_an_age(text: str) -> None:
    assert _spans(text, "AGE") == []


# --- LOCATION -----------------------------------------------------------------------------

LOCATIONS = [
    ("Springfield, IL 62704", "62704", "ZIP"),
    ("Springfield, IL 62704-1234", "62704-1234", "ZIP"),
    ("Albany, New York 12207", "12207", "ZIP"),
    ("ZIP: 62704", "62704", "ZIP"),
    ("postal code 28001", "28001", "ZIP"),
    ("Domicilio, CP: 28001.", "28001", "ZIP"),
    ("PLZ 10115 Berlin", "10115", "ZIP"),
    ("Lives at 123 Oak Street.", "123 Oak Street", "STREET"),
    ("Lives at 45 Elm Ave., Apt 4B with son.", "45 Elm Ave., Apt 4B", "STREET"),
    ("Moved to Apt 4B.", "Apt 4B", "STREET"),
    ("Vive en Calle Miguel Benitez 90.", "Calle Miguel Benitez 90", "STREET"),
    ("Wohnt in der Hauptstraße 12.", "Hauptstraße 12", "STREET"),
    ("Wohnt in der Berliner Straße 5.", "Berliner Straße 5", "STREET"),
    ("Habite au 12 rue de la Paix.", "12 rue de la Paix", "STREET"),
    ("Abita in Via Roma 5.", "Via Roma 5", "STREET"),
    ("Woont op Kerkstraat 12.", "Kerkstraat 12", "STREET"),
]


@pytest.mark.parametrize(("text", "expected", "subtype"), LOCATIONS)
def test_location_found(text: str, expected: str, subtype: str) -> None:
    _assert_exact(text, expected, "LOCATION", subtype)


NOT_LOCATIONS = [
    "Room 412", "bed 3", "5 mg", "Grade 3", "2.5 mg", "BP 120/80", "T 37.2", "q6h", "2-3 times",
    "24 2/7 weeks", "Patient ID 12345", "Via IV 5 mg", "admitted to Unit 4", "CP 3 days", "Spring 3",
    "Follow up in 62704 days",
]


@pytest.mark.parametrize("text", NOT_LOCATIONS)
def test_not_a_location(text: str) -> None:
    assert _spans(text, "LOCATION") == []


# --- Non-PHI through every recognizer -----------------------------------------------------

NON_PHI = [
    "2.5 mg", "BP 120/80", "120/80", "T 37.2", "q6h", "2-3 times", "24 2/7 weeks", "1/2 tab",
    "3/4 strength", "10/10 pain", "5/5 strength", "Dilution 1:100", "WBC 12.5", "Na 140",
    "Room 412", "bed 3", "Grade 3", "3 years ago", "for 5 years", "2 year history",
    "Metoprolol 25 mg PO q12h, HR 72, SpO2 98% on 2L, Cr 1.02, INR 1.1, QTc 440 ms, EF 55-60%.",
]


@pytest.mark.parametrize("text", NON_PHI)
def test_non_phi_gives_no_span_from_any_recognizer(text: str) -> None:
    assert _spans(text) == []


# --- registry and overlap resolution ------------------------------------------------------

def test_registry_builds_every_recognizer_once() -> None:
    assert len(set(RECOGNIZER_NAMES)) == len(RECOGNIZER_NAMES)
    assert [r.name for r in ALL] == list(RECOGNIZER_NAMES)
    assert all(name.startswith("pattern:") for name in RECOGNIZER_NAMES)


def test_registry_subset_and_unknown_name() -> None:
    subset = default_recognizers(["pattern:email", "pattern:date"])
    assert [r.name for r in subset] == ["pattern:date", "pattern:email"]
    assert default_recognizers([]) == []
    with pytest.raises(ValueError, match="pattern:nope"):
        default_recognizers(["pattern:email", "pattern:nope"])


class _GermanOnly(Recognizer):
    name: ClassVar[str] = "test:de"
    languages: ClassVar[tuple[str, ...]] = ("de",)

    def analyze(self, text: str, language: str | None = None) -> list[Span]:
        return [Span(0, 1, "NAME", 1.0, self.name)]


def test_run_recognizers_filters_language_and_sorts() -> None:
    recognizers = [*default_recognizers(["pattern:email", "pattern:date"]), _GermanOnly()]
    text = "x jane.roe@example.org 2021-03-14"
    assert [s.source for s in run_recognizers(recognizers, text, "en")] == ["pattern:email", "pattern:date"]
    spans = run_recognizers(recognizers, text, "de")
    assert [s.source for s in spans] == ["test:de", "pattern:email", "pattern:date"]
    assert spans == sorted(spans, key=lambda s: (s.start, -s.end))


def test_run_recognizers_on_a_note() -> None:
    note = (
        "92M with CP. Seen 03/15/2021 14:30. MRN: A1234567. Tel (555) 123-4567.\n"
        "Paciente de 85 años, NHC 26 63514095, ingresa el 14 de marzo de 2021. CP: 28001.\n"
        "Meds: metoprolol 25 mg PO q12h, 1/2 tab qHS. BP 120/80, T 37.2. Pain 7/10.\n"
    )
    found = {(note[s.start:s.end], s.label) for s in run_recognizers(ALL, note, None)}
    assert found == {
        ("92", "AGE"), ("03/15/2021 14:30", "DATE"), ("A1234567", "ID"), ("(555) 123-4567", "CONTACT"),
        ("85 años", "AGE"), ("26 63514095", "ID"), ("14 de marzo de 2021", "DATE"), ("28001", "LOCATION"),
    }


def test_keep_longest_prefers_longer_then_higher_score() -> None:
    long_, short = Span(0, 10, "DATE", 0.5, "a"), Span(3, 7, "DATE", 0.9, "a")
    other = Span(12, 14, "DATE", 0.4, "a")
    assert keep_longest([short, other, long_]) == [long_, other]
    low, high = Span(0, 4, "ID", 0.5, "a"), Span(0, 4, "ID", 0.85, "a")
    assert keep_longest([low, high]) == [high]
