"""A user's own archive asked today (tests/data/archive: 42 articles in every format, May to December 2026;
issue 26): recency only where the question asks for it, "not found" when the articles lack the question's
names, follow-ups read with the question they follow, and the committed question set's figures; and a second
person's archive (tests/data/archive-pinecrest), written after the reader was fitted, with its own figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsbot.config.settings import Settings
from newsbot.index.answer.reader import question_names
from newsbot.index.app import Newsbot, conversation_turn
from newsbot.index.eval.evaluate import evaluate, read_questions
from newsbot.index.search import Passage, Query, recency_day
from newsbot.index.text import UNDATED, asks_for_latest, asks_for_recency

DATA = Path(__file__).parent / "data"
ARCHIVE = DATA / "archive"
QUESTIONS = DATA / "eval" / "archive-questions.jsonl"
PINECREST = DATA / "archive-pinecrest"
PINECREST_QUESTIONS = DATA / "eval" / "pinecrest-questions.jsonl"
WESTBROOK = DATA / "archive-westbrook"
WESTBROOK_QUESTIONS = DATA / "eval" / "westbrook-questions.jsonl"
ALDER_FALLS = DATA / "archive-alderfalls"
ALDER_FALLS_QUESTIONS = DATA / "eval" / "alderfalls-questions.jsonl"
LAKEMOOR = DATA / "archive-lakemoor"
LAKEMOOR_QUESTIONS = DATA / "eval" / "lakemoor-questions.jsonl"
QUARRYVILLE = DATA / "archive-quarryville"
QUARRYVILLE_QUESTIONS = DATA / "eval" / "quarryville-questions.jsonl"
TODAY = date(2026, 12, 6)  # the day the set was written; asked "today" it reads the same on any later day


@pytest.mark.parametrize(
    "question",
    [
        "What is the latest cost estimate for the footbridge repairs?",
        "Is the footbridge still closed?",
        "Who won the election this week?",
        "What are the current ambulance response times?",
        "Which team recently signed Eli Vance?",
        "Who is mayor now?",
        "Which change will soon come to Netflix?",  # "soon", "next month", "the last 12 months": from when asked
        "What will Apple unveil next month?",
        "Which grocery item rose most over the last 12 months?",
    ],
)
def test_a_question_about_now_asks_for_recency(question: str) -> None:
    assert asks_for_recency(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who founded Tidewater Roasters?",
        "How much did the two new ferries cost?",
        "Who is the new manager of the Gulls?",  # "new" is what the article says, not when it is asked
        "Where was Walter Greaves born?",
    ],
)
def test_a_plain_question_does_not(question: str) -> None:
    assert not asks_for_recency(question)


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("What is the latest cost estimate for the footbridge repairs?", True),
        ("Is the footbridge still closed?", True),
        ("Who is mayor now?", True),
        ("What is the current debt limit?", True),
        # a named time counts from the day the question is asked, whatever else it says
        ("Which company is the latest tech giant to announce layoffs this week?", False),
        ("How many monkeypox cases are in the US as of this week?", False),
        ("Which team recently signed Eli Vance?", False),
        ("Who founded Tidewater Roasters?", False),
    ],
)
def test_a_question_asks_for_the_latest_turn_only_when_it_names_no_time(question: str, latest: bool) -> None:
    assert asks_for_latest(question) is latest


def test_the_latest_turn_counts_from_the_newest_relevant_report_and_a_named_time_from_the_as_of_day() -> None:
    def passage(cid: str, day: int) -> Passage:
        return Passage(cid, cid, "", 0, 0, None, None, None, None, None, 0.0, metadata={"day": day})

    found = {"june": passage("june", 100), "october": passage("october", 220), "ambulance": passage("ambulance", 280)}
    rel = {"june": 0.9, "october": 1.0, "ambulance": 0.33}  # the newest article is about something else
    latest = "What is the latest cost estimate for the footbridge repairs?"
    assert recency_day(latest, found, rel, 282) == 220
    assert recency_day("How much will the footbridge cost this week?", found, rel, 282) == 282
    assert recency_day("How much will the footbridge repairs cost?", found, rel, 282) == 282
    assert recency_day(latest, found, rel, 200) == 100  # asked before October, June's report is the latest
    assert recency_day(latest, found, rel, None) is None
    undated = {"x": passage("x", UNDATED)}
    assert recency_day(latest, undated, {"x": 1.0}, 282) == 282


def test_question_names_are_its_capitalised_words_but_the_first() -> None:
    assert question_names("Who founded Harbor Roasters?") == {"harbor", "roaster"}
    assert question_names("What is Eli Vance's batting average?") == {"eli", "vanc"}
    assert question_names("When does the new tram depot open?") == set()
    # each sentence's first word is no name; a country's initials are written too many ways to require
    assert question_names("NASA launched it this week. Which US park flooded?") == set()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, minilm: Any) -> Newsbot:
    """The archive indexed with the real bundled model and the default chunking."""
    root = tmp_path_factory.mktemp("archive")
    settings = Settings(
        corpus={"paths": [str(ARCHIVE)]},
        index={"data_dir": str(root / "data")},
    )
    bot = Newsbot(settings, embedder=minilm)
    report = bot.indexer.sync([ARCHIVE])
    assert report.added == 42 and not report.skipped
    return bot


def ask(bot: Newsbot, question: str, context: str | None = None) -> Any:
    return bot.answerer.answer(Query(question, as_of=TODAY, context=context))


@pytest.mark.integration
def test_an_old_article_answers_a_plain_question_asked_months_later(archive: Newsbot) -> None:
    answer = ask(archive, "Who founded Tidewater Roasters?")  # an article of 29 May, asked in December
    assert answer.answered and "Ana Kowalczyk" in answer.citations[0].quote
    assert answer.citations[0].published_at == "2026-05-29"


@pytest.mark.integration
def test_latest_is_the_newest_report_of_the_story_however_old_it_is(archive: Newsbot) -> None:
    # June's report says $3.8 million, October's $4.6 million; the archive's newest articles (December) are
    # about other things. Counted from 4 December both reports were months old and alike, and a two-day-old
    # ambulance story ranked first; counted from October's report (search.recency_day), it is the latest.
    question = "What is the latest cost estimate for the footbridge repairs?"
    found = [p.article_id for p in archive.retriever.retrieve(Query(question, as_of=TODAY))]
    assert found[0] == "harbor/footbridge-cost-rises.md"
    answer = ask(archive, question)
    assert answer.answered and "$4.6 million" in answer.citations[0].quote
    assert answer.citations[0].published_at == "2026-10-06"


@pytest.mark.integration
@pytest.mark.parametrize(
    "question",
    [
        "Who is the mayor of Springfield?",
        "When is the Springfield marathon?",
        "Who won the Harlow mayoral election?",
        # the names are in the archive, what is asked of them is not (Reading.answers)
        "Who owns the Dunmore Pilots?",
        "What is Eli Vance's batting average?",
        # half of what is asked no article read holds (missing_share): "general", "attend"
        "Who is the general manager of the Gulls?",
        "How many students attend Northside High?",
    ],
)
def test_a_name_no_article_holds_gets_not_found(archive: Newsbot, question: str) -> None:
    answer = ask(archive, question)
    assert not answer.answered and answer.reason == "not_found" and not answer.citations


@pytest.mark.integration
def test_a_follow_up_is_read_with_the_question_it_follows(archive: Newsbot) -> None:
    answer = ask(archive, "How many passengers can it carry?", "What is the name of the first new hybrid ferry?")
    assert answer.answered and "240 passengers" in answer.citations[0].quote


@pytest.mark.integration
def test_a_follow_up_that_points_back_is_not_read_alone(archive: Newsbot) -> None:
    """ "What did she do before politics?" after the deputy mayor was named: the answer is about her, and read
    alone it would quote a former mayor's obituary ("He ran the chandlery ... before he entered politics")."""
    turn = "Who did Reyes name as deputy mayor? Grace Oduya"
    answer = ask(archive, "What did she do before politics?", turn)
    assert answer.follow_up and answer.answered and "retired nurse" in answer.citations[0].quote
    # the conversation as the REPL keeps it: the question and the names of the quote that answered it
    manager = ask(archive, "Who is the new manager of the Gulls?")
    assert "Rosa Delgado" in manager.citations[0].quote
    replaced = ask(archive, "Who did she replace?", conversation_turn(manager))
    assert replaced.answered and "Frank Bellamy" in replaced.citations[0].quote


@pytest.mark.integration
def test_how_old_is_answered_by_an_age_not_by_any_number(archive: Newsbot) -> None:
    """ "How old is she?" after the half marathon's winner: the lead that named her holds a time ("1 hour 12 minutes
    and 45 seconds"), the sentence after it her age ("The 29-year-old teacher from Harlow"), without her name."""
    winner = ask(archive, "Who won the half marathon?")
    assert "Keiko Tanaka" in winner.citations[0].quote
    age = ask(archive, "How old is she?", conversation_turn(winner))
    assert age.answered and "29-year-old" in age.citations[0].quote


@pytest.mark.integration
def test_the_name_of_something_is_not_where_it_is(archive: Newsbot) -> None:
    """The ferry article names the first new ferry and says only where the second is coming from ("…due from the
    shipyard in Maine next summer"): asked the second one's name, newsbot finds none."""
    first = ask(archive, "What is the name of the first new hybrid ferry?")
    assert first.answered and "named the Marigold" in first.citations[0].quote
    second = ask(archive, "What is the name of the second hybrid ferry?")
    assert not second.answered and second.reason == "not_found"


@pytest.mark.integration
def test_the_archive_question_set_holds_its_figures(archive: Newsbot) -> None:
    """The committed set, scored as `newsbot eval` scores it. The floors sit a few questions under what the
    shipped reader measures (BENCHMARKS.md), so a change that loses more than that fails here."""
    questions = read_questions(QUESTIONS)
    assert len(questions) >= 80 and sum(not q.answerable for q in questions) >= 20
    assert sum(q.follows is not None for q in questions) >= 8
    summary, rows = evaluate(archive, questions, [ARCHIVE], baselines=False)
    assert summary["retrieval"]["hits@5"] >= 0.9
    assert summary["answer_support"] >= ARCHIVE_FLOORS["answer_support"]
    assert summary["unanswerable"]["abstained"] >= ARCHIVE_FLOORS["abstained"]
    assert summary["follow_ups"]["answer_support"] >= ARCHIVE_FLOORS["follow_ups"]
    for row in rows:
        assert not row.get("supported") or row["answered"]


# Measured with the shipped reader (newsbot eval, 2026-12-07): 71 of 75 answered with the answer quoted (0.947; 70
# before "how many people" stopped asking for the word "people", 69 before a doer in -or met its verb, 68 before a
# repeat was counted in content words, 65 before the next quote could be a third as likely when it adds what the
# first lacks, 64 before a surname alone covered the full name, 63 before the next quote had to add a word of the
# question, 61 before coverage met words by loose stems), 26 of 27 abstained (0.963; 25 before "how many" of a thing
# asked for a passage that counts it, 24 before a name right after "in", "at", "from" or "near" stopped answering
# "what is the name of"), 13 of 14 follow-ups (0.929; 12 before a doer in -or met its verb, 11 before "how old" asked
# for an age). Each floor is that, less a few questions.
ARCHIVE_FLOORS = {"answer_support": 65 / 75, "abstained": 22 / 27, "follow_ups": 10 / 14}


def archive_at_its_floors(
    tmp_path: Path, minilm: Any, folder: Path, questions_path: Path, articles: int, floors: dict[str, float]
) -> tuple[Newsbot, list[dict[str, Any]]]:
    """Index an archive anew, score its question set as `newsbot eval` does, and check its figures against its
    floors: retrieval finds an answer article in the top five for nearly every question, and answers, abstentions
    and follow-ups lose no more than the floors allow."""
    bot = Newsbot(Settings(index={"data_dir": str(tmp_path / "data")}), embedder=minilm)
    assert bot.indexer.sync([folder]).added == articles
    summary, rows = evaluate(bot, read_questions(questions_path), [folder], baselines=False)
    assert summary["retrieval"]["hits@5"] >= 0.95
    assert summary["answer_support"] >= floors["answer_support"]
    assert summary["unanswerable"]["abstained"] >= floors["abstained"]
    assert summary["follow_ups"]["answer_support"] >= floors["follow_ups"]
    return bot, rows


@pytest.mark.integration
def test_a_second_archive_in_another_voice_holds_its_figures(tmp_path: Path, minilm: Any) -> None:
    """Another town's news (15 articles in every format, February to December 2026), written after the reader was
    fitted and its rules set: what a person would ask of it (11 of them follow-ups), and 15 questions that share its
    names and places but that no article answers ("Who is the head baker at Sunrise Bakery?")."""
    bot, _ = archive_at_its_floors(tmp_path, minilm, PINECREST, PINECREST_QUESTIONS, 15, PINECREST_FLOORS)
    answer = ask(bot, "Who is the head baker at Sunrise Bakery?")
    assert not answer.answered and answer.reason == "not_found"
    # a follow-up's own word chooses its sentence: not the lead that answered the turn before
    won = ask(bot, "Who won the Pinecrest 50K?")
    trained = ask(bot, "How did he train?", conversation_turn(won))
    assert trained.answered and "running up the ski slopes" in trained.citations[0].quote


# Measured with the shipped reader (newsbot eval, 2026-12-07): 37 of 48 answered with the answer quoted (0.771; 35
# before "why" and "what caused" asked for a cause, 36 before "where" stopped counting a place the conversation had
# named: "Where is she from?" after a quote of "Priya Natarajan of Boulder"; 34 before coverage met words by loose
# stems), 12 of 15 abstained (0.800; 11 before "how many" of a thing asked for a passage that counts it, 8 before
# "how old" asked for an age, a cost for money and a named year for the year), 8 of 11 follow-ups (0.727; 9 before that
# "where" rule, 8 before loose stems, 5 before follow-ups chose by their own words). Each floor is that, less a few
# questions.
PINECREST_FLOORS = {"answer_support": 34 / 48, "abstained": 10 / 15, "follow_ups": 7 / 11}


@pytest.mark.integration
def test_a_third_archive_nobody_tuned_on_holds_its_figures(tmp_path: Path, minilm: Any) -> None:
    """A third town's news of 2025 (16 articles in every format, one a plain text file with no date at all), written
    on 2026-12-07 with its questions (40 an article answers, 7 of them follow-ups; 16 that share its names but that
    no article answers) and measured once with the reader as it stood, before any change was tried on it."""
    _, rows = archive_at_its_floors(tmp_path, minilm, WESTBROOK, WESTBROOK_QUESTIONS, 16, WESTBROOK_FLOORS)
    undated = next(r for r in rows if r["id"] == "w21")  # hospital-er.txt: no front matter, no date
    assert undated["supported"] and undated["cited_article_ids"] == ["hospital-er.txt"]
    # "How many votes did Aiden Foss get?": the winner's "54 percent of the vote" is a share, not his count
    assert not next(r for r in rows if r["id"] == "x12")["answered"]
    # "Why is Paper Lantern Books closing?": the sentence that gives the reason is quoted ("she wants to retire")
    assert next(r for r in rows if r["id"] == "w10")["supported"]


# Measured with the shipped reader (newsbot eval, 2026-12-07, before any change was tried on this set): 33 of 40
# answered with the answer quoted (0.825; 34 since "why" asks for a cause), 11 of 16 abstained (0.688; 12 since "how
# many" needs a count), 6 of 7 follow-ups (0.857). Each floor is that, less a few questions.
WESTBROOK_FLOORS = {"answer_support": 31 / 40, "abstained": 9 / 16, "follow_ups": 5 / 7}


@pytest.mark.integration
def test_a_fourth_archive_written_before_it_was_read_holds_its_figures(tmp_path: Path, minilm: Any) -> None:
    """A fourth town's news (40 articles in every format, September 2025 to June 2026), written on 2026-12-07 with
    its questions (99 an article answers, 15 of them follow-ups, one across a hard wrap; 35 that share its names and
    places but that no article answers, 5 of them follow-ups) before any reader was run on it."""
    _, rows = archive_at_its_floors(tmp_path, minilm, ALDER_FALLS, ALDER_FALLS_QUESTIONS, 40, ALDER_FALLS_FLOORS)
    wrapped = next(r for r in rows if r["id"] == "f02")  # "Councilors Dana Whitlock and Marcus Reed voted against\n"
    assert wrapped["supported"] and wrapped["cited_article_ids"] == ["council/water-rates.txt"]
    # "Where did she go to school?" after the new police chief: no place is named where a place would stand
    assert not next(r for r in rows if r["id"] == "n31")["answered"]
    # "Why was the apple harvest smaller this year?": "...because of a hard frost", not the lead
    assert next(r for r in rows if r["id"] == "f35")["supported"]
    # "How old is he?" after the 10K's winner: "...had finished second in 2025" gives a year, not his age
    assert not next(r for r in rows if r["id"] == "n32")["answered"]


# Measured once before anything was read of it (newsbot eval, 2026-12-07, the reader of dd228a2): 81 of 99 answered
# with the answer quoted (0.818; 84, 0.849, since the reader knows "why", "how long", a person's age and a price; 86,
# 0.869, since "how many people" stopped counting "people" among the words the passages lack and a quote that holds
# the figure asked rises past one that does not), 24 of 35 abstained (0.686; 23 with the reader before "where" asked
# for a place; 28, 0.800, since those rules and "how many" of a thing asked for a passage that counts it; 29, 0.829,
# since "What does ... cost?" asks for money), 12 of 15 follow-ups (0.800). Each floor is the newest figure, less a
# few questions.
ALDER_FALLS_FLOORS = {"answer_support": 85 / 99, "abstained": 26 / 35, "follow_ups": 10 / 15}


@pytest.mark.integration
def test_a_fifth_archive_written_before_it_was_read_holds_its_figures(tmp_path: Path, minilm: Any) -> None:
    """A fifth town's news (23 articles in every format, June 2025 to April 2026; three plain text files dated only
    by a dateline in their text, so undated), written on 2026-12-07 with its questions (59 an article answers, 9 of
    them follow-ups; 20 that share its names and places but that no article answers, 2 of them follow-ups) before
    any reader was run on it."""
    _, rows = archive_at_its_floors(tmp_path, minilm, LAKEMOOR, LAKEMOOR_QUESTIONS, 23, LAKEMOOR_FLOORS)
    dateline = next(r for r in rows if r["id"] == "l42")  # museum.txt: "LAKEMOOR, March 18, 2026 - ..." only
    assert dateline["supported"] and dateline["cited_article_ids"] == ["museum.txt"]
    # "How much snow fell in the January storm?": the storm's report of 20 January never says "January"
    assert next(r for r in rows if r["id"] == "l33")["supported"]
    # "How much is the winning loaf?" after the prize-winning bakery: no article gives its price
    assert not next(r for r in rows if r["id"] == "m20")["answered"]


# Measured once before anything was read of it (newsbot eval, 2026-12-07, the reader of 24d51b5): 48 of 59 answered
# with the answer quoted (0.814; 49, 0.831, since a month the question names is met by an article's date), 15 of 20
# abstained (0.750; 14 with the reader of 046d35a, before the kinds of answer of the last two sessions), 8 of 9
# follow-ups (0.889). Each floor is the newest figure, less a few questions.
LAKEMOOR_FLOORS = {"answer_support": 46 / 59, "abstained": 13 / 20, "follow_ups": 7 / 9}


@pytest.mark.integration
def test_a_sixth_archive_written_before_it_was_read_holds_its_figures(tmp_path: Path, minilm: Any) -> None:
    """A sixth town's news (18 articles in every format, March 2025 to October 2026; two plain text files with no
    date the reader can parse, so undated; British and American spelling mixed), written on 2026-12-08 with its
    questions (53 an article answers, 7 of them follow-ups; 20 that share its names and places but that no article
    answers, 2 of them follow-ups) before any reader was run on it."""
    _, rows = archive_at_its_floors(tmp_path, minilm, QUARRYVILLE, QUARRYVILLE_QUESTIONS, 18, QUARRYVILLE_FLOORS)
    by_id = {r["id"]: r for r in rows}
    # "Why is the Blue Plate Diner closing?": "Frank and Alma Reyes... are retiring", under the story's title
    assert by_id["q21"]["supported"]
    # "How much money have neighbors raised for the Kesslers?": "Neighbours have raised more than $40,000..."
    assert by_id["q37"]["supported"]
    # "How deep is the Ashby Granite quarry?": no article gives a depth, only the year it closed and its price
    assert not by_id["r08"]["answered"]
    # "Who owns Halvorsen Stone?": "...after Halvorsen Stone of Minnesota bought it" says what it owns, not who owns it
    assert not by_id["r01"]["answered"]


# Measured once before anything was read of it (newsbot eval, 2026-12-08, the readers of eb4f6d1 and of the asked
# words' other words): 43 of 53 answered with the answer quoted (0.811), 14 of 20 abstained (0.700), 5 of 7 follow-ups
# (0.714). Then, with the rules it showed (a depth needs its unit, a cause its title, "how much money"): 45 (0.849)
# and 15 (0.750). Each floor is the newest figure, less a few questions.
QUARRYVILLE_FLOORS = {"answer_support": 42 / 53, "abstained": 13 / 20, "follow_ups": 4 / 7}
