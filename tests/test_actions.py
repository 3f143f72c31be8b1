"""Unit tests for every custom action, with rasa_sdk trackers built the way Rasa sends them."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAcknowledgeRole, ActionAnswer, ActionClarify
from actions.request_checker import (
    ActionAssessRequest,
    AskRequestKind,
    AskScopeSpecific,
    ValidateRequestCheckForm,
    assessment,
)
from actions.safety import ActionCrisisResponse
from actions.support_finder import ActionFindSupport, Situation, choose_services
from content.loader import directory, knowledge
from tests.conftest import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def make_tracker(
    intent: Optional[str],
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
) -> Tracker:
    latest = {
        "text": "(not used by the actions)",
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": entities or [],
        "intent_ranking": ranking or ([{"name": intent, "confidence": 0.9}] if intent else []),
    }
    return Tracker(
        "test-user",
        slots or {},
        latest,
        [],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(action: Any, tracker: Tracker) -> tuple[list, list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def all_text(messages: list) -> str:
    return "\n".join(
        (m.get("text") or "") + " " + " ".join(b["title"] for b in m.get("buttons") or []) for m in messages
    )


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


# ---------------------------------------------------------------- answers


def test_a_counselling_question_is_answered_with_chief_inspector_sign_off_and_a_source():
    messages, events = run(ActionAnswer(), make_tracker("ask_counselling_records"))
    text = all_text(messages)
    assert "chief inspector" in text
    assert "Source" in text and "https://" in text
    assert "not legal advice" in messages[0]["text"], "the first answer says it is information, not advice"
    assert {"event": "slot", "timestamp": None, "name": "disclaimer_shown", "value": True} in events


def test_the_disclaimer_is_not_repeated_once_shown():
    messages, events = run(ActionAnswer(), make_tracker("ask_signoff", slots={"disclaimer_shown": True}))
    assert len(messages) == 1 and events == []


def test_an_own_case_question_always_gets_the_own_case_disclaimer():
    messages, _ = run(ActionAnswer(), make_tracker("ask_own_case", slots={"disclaimer_shown": True}))
    assert "not legal advice" in messages[0]["text"]
    assert "own case" in messages[0]["text"]


def test_a_counsellor_gets_the_professional_variant_and_a_survivor_their_own():
    entry = knowledge().by_intent("ask_request_not_court_order")
    therapist, _ = run(ActionAnswer(), make_tracker(entry.intent, slots={"role": "therapist"}))
    survivor, _ = run(ActionAnswer(), make_tracker(entry.intent, slots={"role": "survivor"}))
    assert entry.answers["professional"] in therapist[-1]["text"]
    assert entry.answers["survivor"] in survivor[-1]["text"]


def test_a_survivor_asking_if_their_counsellor_will_tell_them_is_answered_as_the_client():
    entry = knowledge().by_intent("ask_talk_to_client")
    survivor, _ = run(ActionAnswer(), make_tracker(entry.intent, slots={"role": "survivor", "disclaimer_shown": True}))
    counsellor, _ = run(
        ActionAnswer(), make_tracker(entry.intent, slots={"role": "therapist", "disclaimer_shown": True})
    )
    assert "Your counsellor" in survivor[0]["text"] and "your client" not in survivor[0]["text"]
    assert "your client" in counsellor[0]["text"]


def test_answers_offer_related_questions_as_buttons():
    messages, _ = run(ActionAnswer(), make_tracker("ask_what_changed", slots={"disclaimer_shown": True}))
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert payloads and all(p.startswith("/ask_") for p in payloads)


def test_a_counsellor_who_received_a_request_is_offered_the_step_by_step_check():
    messages, _ = run(ActionAnswer(), make_tracker("report_received_request", slots={"role": "therapist"}))
    text = all_text(messages)
    assert "client" in text and "chief inspector" in text
    assert any(b["payload"] == "/start_request_check" for b in messages[-1]["buttons"])


def test_an_unsure_guess_gets_buttons_for_the_likely_questions_not_an_answer():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "ask_signoff", "confidence": 0.35},
        {"name": "ask_valid_request", "confidence": 0.3},
        {"name": "greet", "confidence": 0.1},
    ]
    messages, _ = run(ActionClarify(), make_tracker("nlu_fallback", ranking=ranking))
    payloads = [b["payload"] for b in messages[-1]["buttons"]]
    assert payloads[:2] == ["/ask_signoff", "/ask_valid_request"]
    assert "/find_support" in payloads
    assert "999" not in all_text(messages)


def test_an_unsure_guess_that_might_be_a_crisis_shows_the_safety_line_first():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "crisis", "confidence": 0.3}]
    messages, _ = run(ActionClarify(), make_tracker("nlu_fallback", ranking=ranking))
    assert "999" in messages[0]["text"]


def test_a_role_on_its_own_is_acknowledged_with_next_steps_for_that_role():
    ranking = [{"name": "tell_role", "confidence": 0.97}, {"name": "greet", "confidence": 0.02}]
    messages, _ = run(ActionAcknowledgeRole(), make_tracker("tell_role", slots={"role": "therapist"}, ranking=ranking))
    assert len(messages) == 1
    assert any(b["payload"] == "/start_request_check" for b in messages[0]["buttons"])


def test_a_counsellor_who_also_asks_a_question_gets_the_answer_for_counsellors():
    ranking = [{"name": "tell_role", "confidence": 0.6}, {"name": "ask_signoff", "confidence": 0.35}]
    tracker = make_tracker("tell_role", slots={"role": "therapist", "disclaimer_shown": True}, ranking=ranking)
    messages, _ = run(ActionAcknowledgeRole(), tracker)
    assert "counsellors" in messages[0]["text"]
    assert knowledge().by_intent("ask_signoff").answers["professional"] in messages[-1]["text"]


def test_a_survivor_who_also_asks_for_support_gets_services():
    ranking = [{"name": "tell_role", "confidence": 0.55}, {"name": "find_support", "confidence": 0.4}]
    tracker = make_tracker("tell_role", [entity("support_need", "men")], {"role": "survivor"}, ranking)
    text = all_text(run(ActionAcknowledgeRole(), tracker)[0])
    assert "SurvivorsUK" in text


def test_a_weak_second_guess_is_not_answered_after_a_role():
    ranking = [{"name": "tell_role", "confidence": 0.85}, {"name": "ask_signoff", "confidence": 0.1}]
    messages, _ = run(ActionAcknowledgeRole(), make_tracker("tell_role", slots={"role": "survivor"}, ranking=ranking))
    assert len(messages) == 1 and "chief inspector" not in all_text(messages)


def test_an_own_case_question_about_notes_gets_the_caveat_then_the_general_answer_on_notes():
    ranking = [{"name": "ask_own_case", "confidence": 0.45}, {"name": "ask_counselling_records", "confidence": 0.3}]
    tracker = make_tracker("ask_own_case", slots={"disclaimer_shown": True}, ranking=ranking)
    messages, _ = run(ActionAnswer(), tracker)
    assert "own case" in messages[0]["text"]
    assert "chief inspector" in messages[-1]["text"]


@pytest.mark.parametrize("nation, name", [("scotland", "Scotland"), ("northern_ireland", "Northern Ireland")])
def test_someone_in_scotland_or_northern_ireland_hears_the_rules_are_for_england_and_wales(nation, name):
    tracker = make_tracker("ask_counselling_records", [entity("nation", nation)], {"disclaimer_shown": True})
    messages, _ = run(ActionAnswer(), tracker)
    assert name in messages[0]["text"] and "England and Wales" in messages[0]["text"]
    assert knowledge().by_id("where_apply").sources[0].url in messages[0]["text"]
    assert "chief inspector" in messages[-1]["text"]


def test_the_scope_caveat_is_not_repeated_on_the_where_the_rules_apply_answer():
    tracker = make_tracker("ask_where_apply", [entity("nation", "scotland")], {"disclaimer_shown": True})
    messages, _ = run(ActionAnswer(), tracker)
    assert len(messages) == 1


def test_a_child_asking_about_their_notes_is_also_told_about_childline():
    tracker = make_tracker("ask_written_notice", [entity("age_group", "under_16")], {"disclaimer_shown": True})
    messages, _ = run(ActionAnswer(), tracker)
    assert "0800 1111" in messages[-1]["text"] and "parent" in all_text(messages)


def test_a_child_whose_message_was_unclear_still_hears_about_childline():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_written_notice", "confidence": 0.35}]
    tracker = make_tracker("nlu_fallback", [entity("age_group", "under_16")], ranking=ranking)
    assert "0800 1111" in all_text(run(ActionClarify(), tracker)[0])


# ---------------------------------------------------------------- support finder


def ids(situation: Situation) -> list[str]:
    from content.loader import directory

    return [s.id for s in choose_services(situation, directory().values())]


def test_support_at_any_time_puts_the_24_7_line_first():
    assert ids(Situation(frozenset({"24_7"})))[0] == "rape_crisis_247"


def test_support_in_wales_includes_live_fear_free():
    assert "live_fear_free" in ids(Situation(nation="wales"))


def test_men_get_a_service_for_men_and_no_women_only_services():
    chosen = ids(Situation(frozenset({"men"})))
    assert "survivors_uk" in chosen or "mens_advice_line" in chosen
    assert "rights_of_women" not in chosen and "national_domestic_abuse_helpline" not in chosen


@pytest.mark.parametrize("age", ["under_16", "under_18"])
def test_young_people_are_pointed_to_childline_first(age):
    chosen = ids(Situation(age_group=age))
    assert chosen[0] == "childline"
    if age == "under_16":
        assert "rape_crisis_247" not in chosen, "the 24/7 line is for 16 and over"


def test_lgbt_and_deaf_needs_find_specialist_services():
    assert "galop" in ids(Situation(frozenset({"lgbt"})))
    assert any(s in ids(Situation(frozenset({"deaf_bsl"}))) for s in ("signhealth", "bsl_999", "stay_safe_east"))


def test_the_finder_answers_first_then_asks_england_or_wales_once_and_keeps_only_categories():
    tracker = make_tracker("find_support", entities=[entity("support_need", "recent_assault")])
    messages, events = run(ActionFindSupport(), tracker)
    assert "0808 500 2222" in messages[0]["text"], "an answer comes before any question"
    assert [b["title"] for b in messages[1]["buttons"]] == ["England", "Wales"]
    kept = next(e["value"] for e in events if e["name"] == "support_needs")
    assert "recent_assault" in kept

    answer = make_tracker("inform", entities=[entity("nation", "wales")], slots={"support_needs": kept})
    messages, events = run(ActionFindSupport(), answer)
    assert len(messages) == 1, "no second question"
    assert "sarc_wales" in all_text(messages) or "New Pathways" in all_text(messages)
    assert events == [{"event": "slot", "timestamp": None, "name": "support_needs", "value": None}]


def test_scotland_is_told_the_rules_and_services_differ():
    messages, _ = run(ActionFindSupport(), make_tracker("find_support", entities=[entity("nation", "scotland")]))
    assert "Scotland" in messages[0]["text"]
    assert "rape_crisis_247" not in messages[0]["text"] and "0808 500 2222" not in messages[0]["text"]


@pytest.mark.parametrize(
    "service_id", ["mind", "victim_support", "karma_nirvana", "samaritans", "childline", "live_fear_free"]
)
def test_a_service_asked_for_by_name_comes_first(service_id):
    tracker = make_tracker("find_support", [entity("organisation", service_id)])
    text = run(ActionFindSupport(), tracker)[0][0]["text"]
    service = directory()[service_id]
    first = text.split("\n• ")[1]
    assert first.startswith(service.name) and (service.phone or service.website) in first


def test_forced_marriage_finds_karma_nirvana():
    situation = Situation(needs=frozenset({"forced_marriage"}))
    assert "karma_nirvana" in [s.id for s in choose_services(situation, directory().values())]


def test_asking_for_welsh_language_support_finds_welsh_services_without_asking_the_nation_first():
    situation = Situation(needs=frozenset({"welsh_language"}))
    assert "live_fear_free" in [s.id for s in choose_services(situation, directory().values())]


def test_urgent_mental_health_help_in_wales_includes_nhs_111_press_2():
    situation = Situation(needs=frozenset({"mental_health"}), nation="wales")
    assert "nhs_111_wales" in [s.id for s in choose_services(situation, directory().values())]


def test_an_adult_worried_about_a_child_is_pointed_to_the_nspcc():
    situation = Situation(needs=frozenset({"worried_about_child"}), role="professional")
    chosen = [s.id for s in choose_services(situation, directory().values())]
    assert chosen[0] == "nspcc"


# ---------------------------------------------------------------- safety


def test_a_crisis_gets_999_first_then_the_24_7_routes():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "suicide")])
    messages, _ = run(ActionCrisisResponse(), tracker)
    text = messages[0]["text"]
    assert text.index("999") < text.index("116 123") < text.index("0808 500 2222")
    assert "55" in text and "BSL" in text


def test_a_very_recent_assault_is_told_about_sarcs():
    messages, _ = run(
        ActionCrisisResponse(), make_tracker("crisis", entities=[entity("crisis_type", "recent_assault")])
    )
    assert "SARC" in messages[0]["text"] or "Sexual Assault Referral" in messages[0]["text"]


def test_a_child_in_crisis_is_pointed_to_childline():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "danger"), entity("age_group", "under_16")])
    assert "0800 1111" in run(ActionCrisisResponse(), tracker)[0][0]["text"]


def test_a_crisis_in_wales_adds_welsh_routes():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "suicide"), entity("nation", "wales")])
    assert "111" in run(ActionCrisisResponse(), tracker)[0][0]["text"]


def test_a_crisis_with_a_question_offers_to_answer_it_afterwards():
    ranking = [{"name": "crisis", "confidence": 1.0}, {"name": "ask_counselling_records", "confidence": 0.7}]
    messages, _ = run(ActionCrisisResponse(), make_tracker("crisis", ranking=ranking))
    assert "999" in messages[0]["text"]
    assert messages[1]["buttons"][0]["payload"] == "/ask_counselling_records"


def test_a_crisis_during_the_checklist_pauses_it():
    tracker = make_tracker("crisis", active_loop="request_check_form")
    _, events = run(ActionCrisisResponse(), tracker)
    assert {"event": "active_loop", "timestamp": None, "name": None} in events


def test_a_crisis_without_a_known_type_still_gets_every_emergency_route():
    text = run(ActionCrisisResponse(), make_tracker("crisis"))[0][0]["text"]
    for route in ("999", "55", "BSL", "116 123", "0808 500 2222"):
        assert route in text


@pytest.mark.parametrize(
    "kind", ["someone_else_danger", "someone_else_suicide", "someone_else_self_harm", "someone_else_recent_assault"]
)
def test_a_crisis_about_someone_else_speaks_to_the_helper_with_999_first(kind):
    text = run(ActionCrisisResponse(), make_tracker("crisis", entities=[entity("crisis_type", kind)]))[0][0]["text"]
    assert "someone" in text.split("\n")[0]
    assert text.index("999") < text.index("116 123") < text.index("0808 500 2222")
    assert "55" in text and "BSL" in text


def test_a_recent_assault_crisis_of_someone_else_is_told_about_sarcs():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "someone_else_recent_assault")])
    assert "SARC" in run(ActionCrisisResponse(), tracker)[0][0]["text"]


def test_a_crisis_about_someone_else_in_wales_adds_welsh_routes():
    tracker = make_tracker(
        "crisis", entities=[entity("crisis_type", "someone_else_suicide"), entity("nation", "wales")]
    )
    assert "111" in run(ActionCrisisResponse(), tracker)[0][0]["text"]


def test_a_crisis_of_an_unknown_kind_about_someone_else_falls_back_to_its_type():
    tracker = make_tracker("crisis", entities=[entity("crisis_type", "someone_else_something_new")])
    text = run(ActionCrisisResponse(), tracker)[0][0]["text"]
    for route in ("999", "55", "BSL", "116 123", "0808 500 2222"):
        assert route in text


# ---------------------------------------------------------------- request checker


def validate(intent: str, requested: str, entities=None, slots=None) -> tuple[list, list]:
    slots = {"requested_slot": requested, **(slots or {})}
    return run(ValidateRequestCheckForm(), make_tracker(intent, entities=entities, slots=slots))


def test_yes_no_and_not_sure_become_categories():
    for intent, value in (("affirm", "yes"), ("deny", "no"), ("unsure", "unsure")):
        _, events = validate(intent, "in_writing")
        assert {"event": "slot", "timestamp": None, "name": "in_writing", "value": value} in events


def test_the_kind_of_request_comes_from_the_button_or_the_words():
    _, events = validate("inform", "request_kind", entities=[entity("request_kind", "court_order")])
    assert events[0]["value"] == "court_order"


def test_the_whole_file_means_the_request_is_not_specific():
    _, events = validate("inform", "scope_specific", entities=[entity("request_scope", "whole_file")])
    assert events[0]["value"] == "no"


def test_an_odd_answer_is_asked_again_kindly():
    messages, events = validate("greet", "in_writing")
    assert "didn't catch that" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "in_writing", "value": None} in events


def test_a_side_question_is_answered_and_the_checklist_continues():
    messages, events = validate("ask_signoff", "chief_inspector", slots={"disclaimer_shown": True})
    assert "chief inspector" in all_text(messages)
    assert {"event": "slot", "timestamp": None, "name": "chief_inspector", "value": None} in events


@pytest.mark.parametrize("intent", ["crisis", "stop"])
def test_crisis_and_stop_are_left_to_the_rules(intent):
    assert validate(intent, "in_writing") == ([], [])


def test_a_court_order_needs_no_further_questions():
    slots = {"request_kind": "court_order", "requested_slot": "request_kind"}
    required = asyncio.run(
        ValidateRequestCheckForm().required_slots(
            DOMAIN["forms"]["request_check_form"]["required_slots"],
            CollectingDispatcher(),
            make_tracker("inform", slots=slots),
            DOMAIN,
        )
    )
    assert required == ["request_kind"]


def test_chief_inspector_is_only_asked_about_for_counselling_information():
    slots = {"counselling_info": "no"}
    required = asyncio.run(
        ValidateRequestCheckForm().required_slots(
            DOMAIN["forms"]["request_check_form"]["required_slots"],
            CollectingDispatcher(),
            make_tracker("deny", slots=slots),
            DOMAIN,
        )
    )
    assert "chief_inspector" not in required and "client_told" in required


def test_a_counsellor_who_says_the_request_was_not_authorised_hears_about_chief_inspector_sign_off():
    text = assessment({"request_kind": "police_request", "counselling_info": "yes", "chief_inspector": "no"})
    missing = text.split("Missing")[1]
    assert "chief inspector" in missing and "substantial probative value" in missing


def test_a_court_order_is_to_be_obeyed_with_legal_advice():
    text = assessment({"request_kind": "court_order"})
    assert "must be obeyed" in text and "legal advice" in text


def test_the_assessment_cites_sources_and_forgets_the_answers():
    slots = {"request_kind": "police_request", "in_writing": "yes", "scope_specific": "no"}
    messages, events = run(ActionAssessRequest(), make_tracker("inform", slots=slots))
    assert "Sources:" in messages[0]["text"] and "https://" in messages[0]["text"]
    assert all(e["value"] is None for e in events) and len(events) == 7


def test_each_checklist_question_has_answer_buttons():
    kind, _ = run(AskRequestKind(), make_tracker(None))
    scope, _ = run(AskScopeSpecific(), make_tracker(None))
    assert len(kind[0]["buttons"]) == 4 and len(scope[0]["buttons"]) == 3


def test_a_longer_reply_with_a_plain_yes_in_it_counts_as_yes():
    _, events = validate("ask_counselling_records", "counselling_info", entities=[entity("checklist_answer", "yes")])
    assert {"event": "slot", "timestamp": None, "name": "counselling_info", "value": "yes"} in events


def test_the_greeting_says_it_is_a_bot_giving_information_and_remembers_it_said_so():
    from actions.answers import ActionGreet

    messages, events = run(ActionGreet(), make_tracker("greet"))
    assert {"event": "slot", "timestamp": None, "name": "disclaimer_shown", "value": True} in events
    greeting = messages[0]["text"]
    assert "not a person" in greeting and "not legal advice" in greeting and "999" in greeting
    assert len(messages[0]["buttons"]) == 5
