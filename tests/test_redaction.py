"""The redactor takes identifiers out of what people type, and leaves everything else alone."""

from __future__ import annotations

import pytest

from rasa_server.privacy.redaction import Found, Redactor, merge


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # names introduced as names
        ("Hi, my name is Sarah Jones and I need help", "Hi, my name is [name] and I need help"),
        ("my name's sarah-jane o'brien", "my name's [name]"),
        ("my names jo", "my names [name]"),
        ("Name: Priya Patel", "Name: [name]"),
        ("I'm called Bob", "I'm called [name]"),
        ("im called bob smith", "im called [name]"),
        ("My name is Will", "My name is [name]"),
        ("my daughters name is Lily", "my daughters name is [name]"),
        ("this is Dr Patel speaking", "this is [name] speaking"),
        ("It's Will speaking", "It's [name] speaking"),
        ("Sarah speaking, I'm a counsellor", "[name] speaking, I'm a counsellor"),
        ("you can call me Kate", "you can call me [name]"),
        ("a man called Darren hurt me", "a man called [name] hurt me"),
        ("my client Aisha told me", "my client [name] told me"),
        # UK phone numbers
        ("call me on 07700 900123", "call me on [phone number]"),
        ("my mobile is 07700900123.", "my mobile is [phone number]."),
        ("+44 7700 900 123", "[phone number]"),
        ("+447700900123 or 0044 7700 900123", "[phone number] or [phone number]"),
        ("+44 (0)7700 900123", "[phone number]"),
        ("(01792) 123456 or 01792-123456", "[phone number] or [phone number]"),
        ("ring 020 7946 0123 please", "ring [phone number] please"),
        # emails
        ("email jo.bloggs+x@example.co.uk now", "email [email] now"),
        ("SAM_99@mail.example.com", "[email]"),
        # postcodes
        ("I live at SA1 1AA", "I live at [postcode]"),
        ("sa11aa", "[postcode]"),
        ("near CF10 3NQ, Cardiff", "near [postcode], Cardiff"),
        ("SW1A 1AA", "[postcode]"),
        # street addresses
        ("12 High Street", "[address]"),
        ("Flat 3, 12a High Street, Swansea", "[address], [address], Swansea"),
        ("I live on Castle Street", "I live on [address]"),
        ("12 the avenue", "[address]"),
        ("4 mill close", "[address]"),
        ("address: 4 Station Road, Cardiff", "address: [address]"),
        ("my address is 7 acacia gardens, newport.", "my address is [address]."),
        # dates of birth
        ("born on 3/4/1990", "born on [date of birth]"),
        ("DOB 03.04.90", "DOB [date of birth]"),
        ("d.o.b: 3rd April 1990", "d.o.b: [date of birth]"),
        ("date of birth is April 3rd, 1990", "date of birth is [date of birth]"),
        ("I was born in 1990 in Swansea", "I was born in [date of birth] in Swansea"),
        ("my birthday is 3rd of may", "my birthday is [date of birth]"),
    ],
)
@pytest.mark.hazard("HAZ-05")
def test_identifiers_are_replaced(redactor: Redactor, typed: str, kept: str) -> None:
    assert redactor.redact(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "Does a chief inspector have to sign off a request for my counselling notes?",
        "The new rules started on 12 January 2026",
        "What does the Victims' Code say about the Crown Court?",
        "Can the police use the Data Protection Act 2018 and Article 9 of the UK GDPR?",
        "Police, Crime, Sentencing and Courts Act 2022 section 44A",
        "I went to the Home Office website and asked the IOPC",
        "the police emailed me on 12/01/2026 about my notes",
        "my name is on the request form",
        "my name is not important",
        "call me back later please",
        "I called the police",
        "I called Rape Crisis",
        "I have called Childline",
        "I was called a liar",
        "I'm 15 and I'm scared",
        "born in Swansea",
        "Samaritans are on 116 123, or call 999 or 111",
        "no way, the close of the case was in court",
        "I was raped 2 years ago and I have 3 counselling sessions left",
        "is a police request the same as a court order?",
        "my GP at St Mary's surgery has my records",
    ],
)
def test_ordinary_text_is_left_alone(redactor: Redactor, typed: str) -> None:
    assert redactor.redact(typed) == typed


@pytest.mark.hazard("HAZ-05")
def test_redacting_twice_changes_nothing(redactor: Redactor) -> None:
    once = redactor.redact("My name is Sarah, 07700 900123, SA1 1AA, 12 High Street, born on 3/4/1990")
    assert redactor.redact(once) == once


@pytest.mark.hazard("HAZ-05")
def test_extra_spans_are_replaced_too(redactor: Redactor) -> None:
    text = "I live in Swansea, my name is Sam"
    assert redactor.redact(text, also=[Found("place", 10, 17)]) == "I live in [place], my name is [name]"


@pytest.mark.hazard("HAZ-05")
def test_overlapping_finds_are_merged() -> None:
    assert merge([Found("a", 5, 9), Found("b", 0, 6), Found("c", 12, 14)]) == [Found("b", 0, 9), Found("c", 12, 14)]
