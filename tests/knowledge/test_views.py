"""The Learn pages, articles, search, topic suggestions, and clinic pages through HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from kneeclinic.accounts.models import Clinic
from kneeclinic.knowledge import services
from kneeclinic.knowledge.models import AssessmentRequest, ClinicPage, TopicSuggestion
from kneeclinic.knowledge.today import card

if TYPE_CHECKING:
    from django.test import Client, RequestFactory

    from kneeclinic.accounts.models import User

pytestmark = pytest.mark.django_db

LEARN = reverse("knowledge:learn")
SEARCH = reverse("knowledge:search-articles")
SUGGEST = reverse("knowledge:suggest-topic")
SUGGESTIONS = reverse("knowledge:list-suggestions")


def article_url(slug: str) -> str:
    return reverse("knowledge:show-article", args=[slug])


def suggestion(text: str = "Please write about hip pain", **extra: object) -> TopicSuggestion:
    return TopicSuggestion.objects.create(text=text, sender_hash="x", **extra)


class TestLearnAndArticles:
    def test_anyone_sees_the_learn_page_with_every_topic_and_the_suggest_form(
        self, client: Client
    ) -> None:
        html = client.get(LEARN).content.decode()
        for heading in ("Understanding runner", "Getting help", "Easing the pain", "Running well"):
            assert heading in html
        assert article_url("what-is-runners-knee") in html
        assert "What would you like us to write about?" in html
        assert 'name="website"' in html  # the honeypot

    def test_an_article_shows_its_body_references_review_date_and_suggest_form(
        self, client: Client
    ) -> None:
        html = client.get(article_url("how-much-pain-is-ok")).content.decode()
        assert "<h1" in html and "How much pain is OK?" in html
        assert "Last reviewed 26 November 2026" in html
        assert "Silbernagel KG" in html
        assert 'src="/static/knowledge/pain-traffic-light.svg"' in html
        assert f'href="{article_url("red-flags")}"' in html
        assert 'value="how-much-pain-is-ok"' in html
        assert "What would you like us to write about?" in html

    def test_an_unknown_article_is_not_found(self, client: Client) -> None:
        assert client.get(article_url("no-such-thing")).status_code == 404


class TestSearchPage:
    def test_a_misspelt_search_finds_the_article_with_a_highlighted_snippet(
        self, client: Client
    ) -> None:
        html = client.get(SEARCH, {"q": "patela"}).content.decode()
        assert "Also searched for: patella" in html
        assert html.index("What is runner&#x27;s knee?") < html.index("Taping, braces")
        assert "<mark>" in html

    def test_htmx_gets_only_the_results(self, client: Client) -> None:
        response = client.get(SEARCH, {"q": "ice"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert "<html" not in html
        assert article_url("ice") in html

    @pytest.mark.parametrize("query", ["%$#@!*", "<script>alert(1)</script>", "a" * 10_000])
    def test_junk_queries_give_a_clean_empty_page(self, client: Client, query: str) -> None:
        response = client.get(SEARCH, {"q": query})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()

    def test_an_empty_search_shows_just_the_form(self, client: Client) -> None:
        response = client.get(SEARCH)
        assert response.status_code == 200
        assert "No articles match" not in response.content.decode()


class TestSuggestTopic:
    def test_anyone_can_suggest_and_is_thanked(self, client: Client) -> None:
        response = client.post(
            SUGGEST, {"text": "Hip pain in runners", "from_article": "ice"}, follow=True
        )
        assert response.redirect_chain[-1][0] == article_url("ice")
        assert "Thank you!" in response.content.decode()
        stored = TopicSuggestion.objects.get()
        assert stored.text == "Hip pain in runners"
        assert stored.from_article == "ice"
        assert stored.suggested_by is None
        assert len(stored.sender_hash) == 64 and "127.0.0.1" not in stored.sender_hash

    def test_a_signed_in_reader_is_remembered(self, alice_client: Client, alice: User) -> None:
        alice_client.post(SUGGEST, {"text": "Knee pain when cycling"})
        assert TopicSuggestion.objects.get().suggested_by == alice

    def test_htmx_swaps_in_a_thank_you(self, client: Client) -> None:
        response = client.post(SUGGEST, {"text": "Hill running"}, headers={"HX-Request": "true"})
        assert "Thank you!" in response.content.decode()
        assert "<html" not in response.content.decode()

    def test_a_robot_filling_the_honeypot_is_thanked_but_nothing_is_stored(
        self, client: Client
    ) -> None:
        response = client.post(SUGGEST, {"text": "Cheap pills here", "website": "http://spam"})
        assert response.status_code == 302
        assert not TopicSuggestion.objects.exists()

    @pytest.mark.parametrize("text", ["", "hi", "x" * 501])
    def test_too_short_or_too_long_is_refused_with_a_reason(
        self, client: Client, text: str
    ) -> None:
        response = client.post(SUGGEST, {"text": text})
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
        assert not TopicSuggestion.objects.exists()

    def test_a_flood_from_one_address_is_throttled_with_a_clear_message(
        self, client: Client
    ) -> None:
        for number in range(services.SUGGESTIONS_PER_HOUR):
            assert client.post(SUGGEST, {"text": f"Topic number {number}"}).status_code == 302
        response = client.post(SUGGEST, {"text": "One more topic"})
        assert response.status_code == 429
        assert "try again in an hour" in response.content.decode()
        assert TopicSuggestion.objects.count() == services.SUGGESTIONS_PER_HOUR
        other = client.post(SUGGEST, {"text": "From elsewhere"}, REMOTE_ADDR="10.0.0.9")
        assert other.status_code == 302

    def test_signed_in_readers_are_throttled_by_account_not_address(
        self, client: Client, alice: User, bob: User
    ) -> None:
        for number in range(services.SUGGESTIONS_PER_HOUR):
            client.post(SUGGEST, {"text": f"Anonymous topic {number}"})
        client.force_login(alice)
        assert client.post(SUGGEST, {"text": "Alice's topic"}).status_code == 302

    def test_a_suggestion_from_an_unknown_article_is_kept_without_it(self, client: Client) -> None:
        client.post(SUGGEST, {"text": "Something else", "from_article": "made-up"})
        assert TopicSuggestion.objects.get().from_article == ""


class TestSuggestionsForAdmins:
    def test_only_clinic_admins_see_the_list(self, client: Client, alice: User, bob: User) -> None:
        assert client.get(SUGGESTIONS).status_code == 302  # to the login page
        client.force_login(alice)
        assert client.get(SUGGESTIONS).status_code == 403
        client.force_login(bob)
        assert client.get(SUGGESTIONS).status_code == 403

    def test_an_admin_sees_suggestions(
        self, client: Client, dora: User, django_assert_max_num_queries: object
    ) -> None:
        for number in range(5):
            suggestion(f"Topic {number}")
        client.force_login(dora)
        with django_assert_max_num_queries(8):  # type: ignore[operator]
            html = client.get(SUGGESTIONS).content.decode()
        assert "Topic 4" in html and "Mark written" in html

    def test_marking_written_tells_the_signed_in_suggester(
        self, client: Client, dora: User, alice: User, rf: RequestFactory
    ) -> None:
        asked = suggestion("Are ice baths useful?", suggested_by=alice)
        client.force_login(dora)
        url = reverse("knowledge:update-suggestion", args=[asked.code])
        client.post(url, {"action": "written", "answered_by": "ice"})
        asked.refresh_from_db()
        assert asked.status == "written" and asked.answered_by == "ice"

        request = rf.get("/")
        request.user = alice
        today = card(request)
        assert today is not None and today.context["article"].slug == "ice"  # type: ignore[attr-defined]

        client.force_login(alice)
        html = client.get(LEARN).content.decode()
        assert "We wrote about your suggestions" in html and "Ice and cold packs" in html
        assert card(request) is None  # seen now

    def test_marking_written_needs_an_article(self, client: Client, dora: User) -> None:
        asked = suggestion()
        client.force_login(dora)
        url = reverse("knowledge:update-suggestion", args=[asked.code])
        response = client.post(url, {"action": "written"}, follow=True)
        assert "Choose the article" in response.content.decode()
        asked.refresh_from_db()
        assert asked.status == "new"

    def test_merging_a_duplicate_passes_on_the_answer_later(
        self, client: Client, dora: User, alice: User
    ) -> None:
        first = suggestion("Hip pain")
        duplicate = suggestion("Pain in my hip when running", suggested_by=alice)
        client.force_login(dora)
        client.post(
            reverse("knowledge:update-suggestion", args=[duplicate.code]),
            {"action": "merge", "merge_into": str(first.code)},
        )
        duplicate.refresh_from_db()
        assert duplicate.status == "merged" and duplicate.merged_into == first
        client.post(
            reverse("knowledge:update-suggestion", args=[first.code]),
            {"action": "written", "answered_by": "exercises"},
        )
        duplicate.refresh_from_db()
        assert duplicate.answered_by == "exercises"
        html = client.get(SUGGESTIONS).content.decode()
        assert "1 duplicate merged in" in html

    def test_merging_into_itself_or_a_missing_suggestion_is_refused(
        self, client: Client, dora: User
    ) -> None:
        only = suggestion()
        client.force_login(dora)
        url = reverse("knowledge:update-suggestion", args=[only.code])
        response = client.post(url, {"action": "merge", "merge_into": str(only.code)}, follow=True)
        assert "merged into another" in response.content.decode()
        client.post(url, {"action": "merge"})
        only.refresh_from_db()
        assert only.status == "new"

    def test_planned_and_declined_are_recorded(self, client: Client, dora: User) -> None:
        asked = suggestion()
        client.force_login(dora)
        url = reverse("knowledge:update-suggestion", args=[asked.code])
        client.post(url, {"action": "planned"})
        asked.refresh_from_db()
        assert asked.status == "planned"
        client.post(url, {"action": "declined"})
        asked.refresh_from_db()
        assert asked.status == "declined"

    def test_runners_cannot_change_suggestions(self, alice_client: Client) -> None:
        asked = suggestion()
        url = reverse("knowledge:update-suggestion", args=[asked.code])
        assert alice_client.post(url, {"action": "planned"}).status_code == 403


class TestClinicPage:
    def test_the_admin_edits_the_page_and_script_comes_out_inert(
        self, client: Client, dora: User
    ) -> None:
        clinic = dora.clinic
        assert clinic is not None
        client.force_login(dora)
        edit = reverse("knowledge:edit-clinic", args=[clinic.code])
        assert client.get(edit).status_code == 200
        response = client.post(
            edit,
            {
                "introduction": "Physios for runners.",
                "services": "- Running injury assessment\n- Gait analysis<script>alert(1)</script>",
                "diagnostics": "X-ray and MRI by referral",
                "how_to_book": "Call us or use the form.",
                "phone": "01234 567890",
                "email": "hello@riverside.example",
                "address": "1 River Lane",
            },
            follow=True,
        )
        html = response.content.decode()
        assert "<li>Running injury assessment</li>" in html
        assert "<script>alert" not in html
        assert "X-ray and MRI by referral" in html
        assert ClinicPage.objects.get(clinic=clinic).updated_by == dora

    def test_only_that_clinics_admin_may_edit(
        self, client: Client, dora: User, erin: User, bob: User
    ) -> None:
        assert dora.clinic is not None
        edit = reverse("knowledge:edit-clinic", args=[dora.clinic.code])
        client.force_login(bob)
        assert client.get(edit).status_code == 403
        client.force_login(erin)
        assert client.get(edit).status_code == 403

    def test_anyone_can_request_an_assessment_and_the_clinics_physios_see_it(
        self, client: Client, bob: User, charlie: User
    ) -> None:
        clinic = Clinic.objects.get(name="Riverside Physio")
        page = reverse("knowledge:show-clinic", args=[clinic.code])
        assert "Request an assessment" in client.get(page).content.decode()
        assert client.get(reverse("knowledge:list-clinics")).status_code == 200
        response = client.post(
            reverse("knowledge:request-assessment", args=[clinic.code]),
            {"name": "Tom", "email": "tom@example.com", "message": "Right knee, six weeks."},
        )
        assert response.status_code == 302
        requests = reverse("knowledge:list-requests", args=[clinic.code])
        client.force_login(bob)
        assert "Right knee, six weeks." in client.get(requests).content.decode()
        made = AssessmentRequest.objects.get()
        client.post(requests, {"request": str(made.code)})
        made.refresh_from_db()
        assert made.handled_at is not None
        client.force_login(charlie)
        assert client.get(requests).status_code == 403

    def test_a_bad_or_flooding_request_is_refused_clearly(self, client: Client, bob: User) -> None:
        clinic = Clinic.objects.get(name="Riverside Physio")
        url = reverse("knowledge:request-assessment", args=[clinic.code])
        assert client.post(url, {"name": "Tom"}).status_code == 400
        good = {"name": "Tom", "email": "tom@example.com", "message": "Sore knee please help"}
        assert client.post(url, {**good, "website": "spam"}).status_code == 302
        assert not AssessmentRequest.objects.exists()
        for _ in range(services.REQUESTS_PER_HOUR):
            client.post(url, good)
        response = client.post(url, good)
        assert response.status_code == 429
        assert "try again in an hour" in response.content.decode()
