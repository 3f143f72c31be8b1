"""End to end over HTTP: real Rasa and action servers, whole conversations through the REST channel."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import Servers


def test_a_crisis_message_gets_emergency_routes_before_anything_else(chat):
    reply = chat("I want to kill myself and I don't know if the police will read my therapy notes")
    assert reply.index("999") < reply.index("116 123")
    assert "0808 500 2222" in reply


def test_a_crisis_about_a_client_in_the_middle_of_the_checklist_gets_999_before_the_next_question(chat):
    chat("I'm a counsellor")
    assert "court order" in chat("can you help me check a request the police sent?")
    assert "in writing" in chat('/inform{"request_kind":"police_request"}')
    reply = chat("yes. sorry, my client has just rung, she says she has swallowed a whole box of her tablets")
    assert reply.index("999") < reply.index("116 123") < reply.index("0808 500 2222")
    assert "someone" in reply.split("\n")[0]
    assert "exactly what information" not in reply


def test_indirect_suicidal_thoughts_in_the_middle_of_the_checklist_get_crisis_routes(chat):
    chat("go through the checklist with me")
    reply = chat("honestly i cant keep going anymore, everyone would cope fine without me")
    assert reply.index("999") < reply.index("116 123")


def test_a_counsellor_completes_the_request_checker_and_hears_about_chief_inspector_sign_off(chat):
    assert "counsellors" in chat("I'm a counsellor")
    assert "court order" in chat("can you help me check a request the police sent?")
    answers = {
        '/inform{"request_kind":"police_request"}': "in writing",
        "yes": "exactly what information",
        "no": "counselling or therapy information",
        "yes it is about her counselling": None,
    }
    replies = [chat(message) for message in answers]
    for reply, expected in zip(replies, answers.values()):
        if expected:
            assert expected in reply
    assert "chief inspector" in replies[-1]
    assert "client" in chat("no")
    assert "specific records" in chat("not sure")
    assessment = chat("the whole file")
    assert "Missing" in assessment and "chief inspector" in assessment and "Sources:" in assessment


def test_a_question_in_the_middle_of_the_checklist_is_answered_and_the_checklist_goes_on(chat):
    chat("go through the checklist with me")
    reply = chat("what's a SARC?")
    assert "SARC" in reply or "Sexual Assault Referral" in reply
    assert "court order or witness summons" in reply


def test_support_in_wales_names_live_fear_free(chat):
    assert "0808 80 10 800" in chat("support services in wales please")


def test_a_young_person_is_pointed_to_childline(chat):
    assert "0800 1111" in chat("im 14 and something bad happened, who can i talk to")


def test_scotland_is_told_the_rules_are_for_england_and_wales(chat):
    assert "England and Wales" in chat("I live in Glasgow, do these rules apply to me?")


def test_a_role_mentioned_in_a_question_tailors_the_answer(chat):
    reply = chat("I'm a therapist, is a police request for notes the same as a court order")
    assert "not a court order" in reply


def test_the_bot_says_it_is_a_bot_and_what_it_cannot_help_with(chat):
    assert "bot" in chat("are you a real person")
    assert "can't help with that" in chat("can you book me a train to Leeds")


@pytest.mark.parametrize(
    "message",
    ["x" * 1000, "\x00\x01\x02\ufffd", "<script>alert(1)</script>", "{{7*7}} ${jndi:x}", "🙂" * 500, "a\ud800b"],
    ids=["long", "binary", "script", "template", "emoji", "surrogate"],
)
def test_odd_input_gets_a_calm_reply_and_never_an_error(servers: Servers, message: str):
    replies = servers.rest("odd-" + uuid.uuid4().hex, message)
    assert replies and isinstance(replies, list)
    text = json.dumps(replies)
    assert "Traceback" not in text and "<script>" not in text


@pytest.mark.parametrize(
    ("message", "status", "code"),
    [("", 400, "empty_message"), (" ", 400, "empty_message"), ("x" * 20000, 422, "message_too_long")],
    ids=["empty", "blank", "huge"],
)
def test_empty_or_too_long_input_gets_a_kind_4xx_reply(servers: Servers, message: str, status: int, code: str):
    with pytest.raises(urllib.error.HTTPError) as error:
        servers.rest("odd-" + uuid.uuid4().hex, message)
    assert error.value.code == status
    assert json.loads(error.value.read())["error"] == code


def test_malformed_json_to_the_rest_channel_is_refused_without_a_server_error(servers: Servers):
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook", b"{not json", {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= error.value.code < 500
