"""Hybrid retrieval, filters, the recency prior, duplicate collapsing, abstention and the answer contract,
against an embedded Chroma and a `chroma run` server."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsbot.index.answer.answerer import NOT_FOUND
from newsbot.index.app import Newsbot
from newsbot.index.search import Query
from newsbot.index.store.chroma import StoredChunk
from newsbot.index.store.filters import OVERFETCH, Filters
from newsbot.index.text import UNDATED, day_number


@pytest.fixture
def synced(bot: Newsbot, corpus: Path) -> Newsbot:
    bot.indexer.sync([corpus])
    return bot


@pytest.fixture(params=["embedded", "http"])
def chroma_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def articles(passages) -> list[str]:
    return [p.article_id for p in passages]


def test_hybrid_finds_the_article_by_meaning_and_by_rare_words(synced: Newsbot) -> None:
    found = synced.retriever.retrieve(Query("Who scored twice for Marlow Rovers in the county cup final?"))
    assert found[0].article_id == "https://sports.test/2022/06/18/marlow-rovers-cup"
    assert found[0].dense is not None and found[0].lexical is not None  # both sides contributed
    found = synced.retriever.retrieve(Query("Glimmer Robotics"))
    assert found[0].article_id == "https://techdaily.test/2022/07/01/glimmer-robotics-funding"


def test_source_and_date_filters(synced: Newsbot) -> None:
    query = "Riverton council budget parks"
    only_ledger = synced.retriever.retrieve(Query(query, source="Riverton Ledger"), k=20)
    assert only_ledger and {p.source for p in only_ledger} == {"Riverton Ledger"}
    june = synced.retriever.retrieve(Query(query, since=date(2022, 6, 1), until=date(2022, 6, 30)), k=20)
    assert june and all("2022-06-01" <= (p.published_at or "") <= "2022-06-30" for p in june)
    assert "riverton-budget-may.txt" not in articles(june)


def test_as_of_excludes_later_articles_but_keeps_undated_ones(synced: Newsbot) -> None:
    found = synced.retriever.retrieve(Query("Riverton council budget parks bridge", as_of=date(2022, 5, 15)), k=20)
    assert "riverton-budget-june.txt" not in articles(found)
    assert "riverton-budget-may.txt" in articles(found)
    assert "harbor/bridge-repairs.md" in articles(found)  # undated: never excluded by as-of


def test_recency_prior_prefers_the_newer_story_as_of_the_question_date(synced: Newsbot) -> None:
    query = "How much will the Riverton council spend on new parks?"
    late = synced.retriever.retrieve(Query(query, as_of=date(2022, 6, 21)))
    assert late[0].article_id == "riverton-budget-june.txt"
    synced.retriever.settings = synced.retriever.settings.model_copy(update={"recency_weight": 0.0})
    factor = synced.retriever.recency_factor(late[0], 19000)
    assert factor == 1.0


def test_undated_passages_are_neither_favoured_nor_excluded(synced: Newsbot) -> None:
    found = synced.retriever.retrieve(Query("Gull Point bridge repairs lift mechanism", as_of=date(2022, 6, 21)))
    undated = [p for p in found if p.article_id == "harbor/bridge-repairs.md"]
    assert undated, "an undated article must not be excluded by --as-of"
    assert synced.retriever.recency_factor(undated[0], 19000) == 1.0  # the factor of an article with no boost
    dated = next(p for p in found if p.metadata.get("day", UNDATED) != UNDATED)
    day, settings = int(dated.metadata["day"]), synced.retriever.settings
    assert settings.recency_weight > 0
    # 1 + weight on the article's own day, half the boost one half-life later
    assert synced.retriever.recency_factor(dated, day) == pytest.approx(1 + settings.recency_weight)
    later = day + settings.recency_half_life_days
    assert synced.retriever.recency_factor(dated, later) == pytest.approx(1 + settings.recency_weight / 2)


def test_near_duplicate_passages_collapse_to_the_best(synced: Newsbot) -> None:
    text = "The same syndicated wire copy about the harbor appeared in several papers word for word today."

    def hit(i: int, body: str) -> StoredChunk:
        return StoredChunk(f"c{i}", body, {"article_id": f"a{i}", "start": 0, "end": len(body), "day": -1}, 0.5)

    fused = synced.retriever.fuse(
        Query("harbor"), [hit(1, text), hit(2, text + " Extra."), hit(3, "A different story.")], [], 5
    )
    assert [p.chunk_id for p in fused] == ["c1", "c3"]


def test_a_story_covered_at_length_outranks_a_passing_mention(synced: Newsbot) -> None:
    def hit(chunk: str, article: str, body: str) -> StoredChunk:
        return StoredChunk(chunk, body, {"article_id": article, "start": 0, "end": len(body), "day": -1}, 0.5)

    dense = [  # the digest's one line ranks first; the dedicated story's three passages follow
        hit("digest:0", "digest", "Five things to know today: a bridge, a budget, a storm."),
        hit("story:0", "story", "The bridge will close for repairs in July, the council said."),
        hit("story:1", "story", "Repairs to the bridge are expected to cost forty million dollars."),
        hit("story:2", "story", "Drivers will be sent over the old ferry road while the bridge is shut."),
    ]
    retriever = synced.retriever
    assert retriever.fuse(Query("bridge"), dense, [], 4)[0].article_id == "story"
    retriever.settings = retriever.settings.model_copy(update={"article_support": 0.0})
    assert retriever.fuse(Query("bridge"), dense, [], 4)[0].article_id == "digest"


def test_answer_contract_markers_citations_and_verbatim_quotes(synced: Newsbot, corpus: Path) -> None:
    answer = synced.answerer.answer(Query("Was the bridge cost paid for by a state grant?", as_of=date(2022, 6, 30)))
    assert answer.answered
    data = answer.to_json()
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    assert markers == {c["n"] for c in data["citations"]} and markers
    assert "state grant" in " ".join(c["quote"] for c in data["citations"])
    for citation in data["citations"]:
        article = next(a for a in synced.corpus_reader.scan([corpus]).articles if a.id == citation["article_id"])
        assert article.text[citation["start"] : citation["end"]] == citation["quote"]
        original = (corpus / citation["path"].split("#")[0]).read_text()
        assert " ".join(citation["quote"].split()) in " ".join(original.split())
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}
    assert data["retrieved"] and data["retrieved"][0]["chunk_id"]


def test_only_the_shortlisted_sentences_are_embedded(synced: Newsbot, monkeypatch) -> None:
    batches: list[int] = []
    embed = synced.answerer.embedder.embed_documents
    monkeypatch.setattr(
        synced.answerer.embedder, "embed_documents", lambda texts: batches.append(len(texts)) or embed(texts)
    )
    query = Query("Was the bridge cost paid for by a state grant?", as_of=date(2022, 6, 30))
    synced.answer_reader.shortlist = 50
    synced.answerer.answer(query)
    assert batches[-1] > 2  # the top passages hold more sentences than the short list below keeps
    synced.answer_reader.shortlist = 2
    answer = synced.answerer.answer(query)
    assert batches[-1] == 2
    assert answer.answered and "state grant" in answer.citations[0].quote  # the cheap features put it first


def test_it_abstains_when_the_articles_do_not_say(synced: Newsbot) -> None:
    answer = synced.answerer.answer(Query("What is the boiling point of liquid nitrogen in kelvin?"))
    assert not answer.answered and answer.citations == ()
    assert answer.text.startswith(NOT_FOUND)
    assert not re.search(r"\[\d+\]", answer.text)


def test_an_abstention_under_filters_says_they_may_be_why(synced: Newsbot) -> None:
    answer = synced.answerer.answer(
        Query("Who scored twice for Marlow Rovers in the cup final?", source="Riverton Ledger", since=date(2022, 6, 1))
    )
    assert not answer.answered and answer.citations == () and answer.short_answer is None
    assert answer.text.startswith(NOT_FOUND) and answer.reason == "not_found"
    assert answer.text.endswith(
        " Only articles matching your filters (source Riverton Ledger, since 2022-06-01) were searched; "
        "they may be why."
    )


def test_a_source_is_matched_by_name_in_any_case_or_by_its_web_address(synced: Newsbot, corpus: Path) -> None:
    (corpus / "quill.txt").write_text(
        "---\ntitle: Ferry fares frozen\nsource: The Daily Quill\nurl: https://www.dailyquill.test/2022/06/21/fares"
        "\npublished_at: 2022-06-21\n---\nThe ferry company froze its fares for the summer, the Daily Quill learned."
        " Harbor ferry fares will stay at four dollars until September.\n"
    )
    synced.indexer.sync([corpus])
    assert synced.source_catalogue()["The Daily Quill"] == {"dailyquill.test"}
    question = "How much will harbor ferry fares cost until September?"
    for written in (
        "dailyquill.test",
        "DailyQuill.TEST",
        "https://dailyquill.test/x",
        "the daily quill",
        "THE  DAILY QUILL",
    ):
        answer = synced.answerer.answer(Query(question, source=written, as_of=date(2022, 6, 30)))
        assert answer.retrieved and {p.source for p in answer.retrieved} == {"The Daily Quill"}, written
    for written in ("SPORTS.TEST", "https://www.sports.test/2022/06/18/"):  # a source named after its domain
        answer = synced.answerer.answer(Query("Marlow Rovers cup final", source=written, as_of=date(2022, 6, 30)))
        assert answer.retrieved and {p.source for p in answer.retrieved} == {"sports.test"}, written
    ledger = synced.answerer.answer(Query("Riverton council budget parks", source="riverton ledger"))
    assert ledger.retrieved and {p.source for p in ledger.retrieved} == {"Riverton Ledger"}


def test_a_source_that_matches_nothing_lists_the_sources_there_are(synced: Newsbot) -> None:
    answer = synced.answerer.answer(Query("Who scored twice for Marlow Rovers?", source="No Such Paper"))
    assert not answer.answered and answer.reason == "no_source" and answer.retrieved == ()
    assert answer.text.startswith('No indexed source matches "No Such Paper" (by name or by web address).')
    assert "Riverton Ledger, " in answer.text and "sports.test, " in answer.text  # no host known, or the name is it
    assert "Tech Daily (techdaily.test)" in answer.text
    assert answer.text.endswith("`newsbot stats` lists them all.")
    closest = synced.answerer.answer(Query("What is the boiling point of liquid nitrogen in kelvin?"))
    assert "The closest articles were:" in closest.text and "filters" not in closest.text


def test_an_empty_index_abstains(
    make_settings: Any, tmp_path: Path, fake_embedder: Any, chroma_section: dict[str, Any]
) -> None:
    settings = make_settings([tmp_path / "articles"], chroma=chroma_section)
    empty = Newsbot(settings, embedder=fake_embedder)
    answer = empty.answerer.answer(Query("Anything at all?"))
    assert not answer.answered and answer.reason == "nothing_indexed"
    where = settings.index.data_dir if chroma_section == {} else "the Chroma server's collection"
    assert answer.text == (
        f"Nothing is indexed in {where} yet, so there is nothing to answer from. Run `newsbot index` to index the "
        f"articles in {tmp_path / 'articles'} (corpus.paths), or `newsbot index --corpus PATH` for others, then ask again."
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the bridge cost?", "money"),
        ("How much is a beer at the taproom?", "money"),  # a price, as "how much does a beer cost?"
        ("What does a bag of Honeycrisp apples cost at Pellham Orchards?", "money"),  # and "what does it cost?"
        ("What did the library renovation cost?", "money"),
        ("What does the mayor want the costs to be spent on?", None),  # "costs" is no price asked
        ("How much are water rates going up?", "number"),
        ("How many homes lost power?", "number"),
        ("How deep is the reservoir behind Crane's Mill Dam?", "number"),  # a size, a speed, a temperature
        ("How strong were the winds?", "number"),
        ("How hot did it get in the heat wave?", "number"),
        ("When did the library reopen?", "date"),
        ("Who scored twice in the final?", "name"),
        ("Which two countries did the alliance invite to join?", "name"),
        ("What is the new variant called?", "name"),
        ("Why did the ferry stop?", None),
    ],
)
def test_expected_answer_type(question: str, kind: str | None) -> None:
    from newsbot.index.answer.answerer import expected_type

    assert expected_type(question) == kind


def test_a_sentence_has_the_type_only_with_something_new() -> None:
    from newsbot.index.answer.answerer import has_type

    assert has_type("The bridge cost $40 million.", "money", "How much did the bridge cost?")
    assert not has_type("The bridge took four years.", "money", "How much did the bridge cost?")
    assert has_type("Striker Dee Mensah scored twice.", "name", "Who scored twice for Marlow Rovers?")
    assert not has_type("Marlow Rovers won the cup.", "name", "Who scored twice for Marlow Rovers?")
    assert has_type("The library reopened on Saturday.", "date", "When did it reopen?")


FERRY = "What is the name of the second hybrid ferry?"
HOW_OLD = "How old is she?"


@pytest.mark.parametrize(
    ("question", "kind", "sentence", "typed"),
    [
        # "how old": an age or a year, not any number
        (HOW_OLD, "number", "The 29-year-old teacher from Harlow ran most of the course alone.", True),
        (HOW_OLD, "number", "Fontaine, 58, said she looked forward to a debate.", True),
        (HOW_OLD, "number", "He was 88.", True),
        (HOW_OLD, "number", "Greaves died at 88 on Sunday.", True),
        ("How old is the water main?", "number", "Crews will replace a water main laid in 1931.", True),
        # a person's age is a year only where it is a birth year
        (HOW_OLD, "number", "Crews will replace a water main laid in 1931.", False),
        (HOW_OLD, "number", "Nowak, a physical therapist, had finished second in 2025.", False),
        (HOW_OLD, "number", "She was born in 1950 in Toledo.", True),
        (HOW_OLD, "number", "Nina Petrov won the state title, and at 12 she is the youngest ever to take it.", True),
        (HOW_OLD, "number", "Tanaka won in 1 hour 12 minutes and 45 seconds.", False),
        (HOW_OLD, "number", "Turnout was 61 percent.", False),
        ("How long did her race take?", "number", "Tanaka won in 1 hour 12 minutes and 45 seconds.", True),
        # "how long": a length of time without a figure, or since when
        ("How long can you keep a tool?", "number", "Tools can be borrowed for a week at a time.", True),
        ("How long has she run it?", "number", "Greta Holm, who has run the bakery since 2009, said so.", True),
        ("How long can you keep a tool?", "number", "Tools can be borrowed with a library card.", False),
        # "why" and "what caused": a sentence that gives a cause or a reason, not one that repeats the question's verb
        ("What caused the Larch Creek fire?", "cause", "The marshal said it was started by a campfire.", True),
        ("What caused the Larch Creek fire?", "cause", "The fire caused heavy damage to two cabins.", False),
        ("Why was the harvest smaller?", "cause", "Orchards picked fewer apples because of a hard frost.", True),
        ("Why is Paper Lantern Books closing?", "cause", "Owner Margaret Osei, 71, said she wants to retire.", True),
        ("Why is Paper Lantern Books closing?", "cause", "The bookstore will close at the end of August.", False),
        # "what is the name of": a name, not where something is
        (
            FERRY,
            "name",
            "The first of the new vessels, named the Marigold after the island's flowers, sails daily.",
            True,
        ),
        (FERRY, "name", "The second ferry is due from the shipyard in Maine next summer.", False),
        (FERRY, "name", "In Maine, the yard that builds it is called Bath Iron Works.", True),
        (FERRY, "name", "A sea otter pup was born on Tuesday to Juniper, one of the aquarium's otters.", True),
        (FERRY, "name", "The pup will live at the Kestrel Bay Aquarium.", False),
        ("Where is it built?", "name", "The second ferry is due from the shipyard in Maine next summer.", True),
        # "where": a name where a place stands, not any name; a day or a month there is no place
        ("Where is she from?", "name", "The 29-year-old teacher from Harlow ran most of the course alone.", True),
        ("Where is she from?", "name", "The women's race was won by Priya Natarajan of Boulder.", True),
        ("Where is she from?", "name", "Keiko Tanaka won the Kestrel Bay Half Marathon on Sunday.", False),
        ("Where is she from?", "name", "She will swim at the trials in March.", False),
        ("Where does Keiko Tanaka teach?", "name", "Keiko Tanaka won the race in Harlow.", True),
        ("Where does Keiko Tanaka teach?", "name", "Keiko Tanaka won the race in Tanaka Park.", False),
    ],
)
def test_a_sentence_holds_the_kind_asked_in_the_form_the_question_wants(
    question: str, kind: str, sentence: str, typed: bool
) -> None:
    from newsbot.index.answer.answerer import has_type

    assert has_type(sentence, kind, question) is typed


def test_where_is_not_answered_by_a_place_the_conversation_already_named() -> None:
    """A follow-up's "where" asks for a place the turn before did not give: after "Who won the mayor's race?"
    answered by Tomas Reyes of Kestrel Bay, "Where did he go to college?" is not answered by the lead again."""
    from newsbot.index.answer.answerer import has_type

    lead = "Tomas Reyes will be the next mayor of Kestrel Bay after defeating Delia Fontaine in Tuesday's election."
    turn = "Who won the mayor's race? Tomas Reyes Kestrel Bay Delia Fontaine"
    assert has_type(lead, "name", "Where did he go to college?")  # asked alone, Kestrel Bay is a place it names
    assert not has_type(lead, "name", "Where did he go to college?", turn)  # "Tuesday's" is a day, not a place
    assert has_type("Reyes studied law in Boston.", "name", "Where did he go to college?", turn)


def test_how_many_is_answered_by_a_count_not_a_share_or_a_sum() -> None:
    from newsbot.index.answer.reader import counts_something

    shares_and_sums = [
        "Maria Castellanos was elected mayor with 54 percent of the vote.",
        "Team president Gary Lund said ticket prices would go up by $2 next season.",
        "The repairs cost $180,000, 70% of it covered by insurance.",
    ]
    counts = [
        "Reyes won 5,412 votes, or 61 percent.",
        "About 2.4 million people watched the final.",
        "Boat owners had reported fourteen break-ins.",
    ]
    assert [counts_something(s) for s in shares_and_sums + counts] == [False] * 3 + [True] * 3


def test_how_many_counts_what_was_asked_when_the_question_names_it() -> None:
    from newsbot.index.answer.reader import counted_words, counts_something

    patients = counted_words("How many patients does the clinic see each week?")
    assert patients == {"patient"}
    assert counted_words("How many food trucks applied for permits?") == {"food", "truck"}
    assert counted_words("How many people came to the opener?") == set()  # people are counted in too many ways
    assert counted_words("How many of them are calves?") == set()
    assert not counts_something("Dr. Banerjee will see patients three days a week.", patients)
    assert counts_something("The clinic saw 210 new patients in May.", patients)
    tools = counted_words("How many tools can you borrow from the library?")
    assert counts_something("The library now lends drills and about 340 other tools.", tools)
    panels = counted_words("How many solar panels were installed on the schools?")
    assert counts_something("The panels, 1,150 of them, should supply most of the power.", panels)  # the count after


def test_a_selective_filter_still_gets_k_passages_from_chroma(synced: Newsbot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense search filters the nearest k x OVERFETCH chunks itself and asks Chroma to filter only when too few pass."""
    store = synced.store
    vector = list(map(float, synced.embedder.embed_query("Riverton bridge repairs")))
    ranking = store.query(vector, 500, Filters())
    asked: list[object] = []
    real = store._nearest
    monkeypatch.setattr(store, "_nearest", lambda e, k, where: asked.append(where) or real(e, k, where))

    lenient = store.query(vector, 3, Filters(as_of_day=10**6))  # passes every chunk: no Chroma filter
    assert [h.id for h in lenient] == [h.id for h in ranking[:3]] and asked == [None]

    asked.clear()
    best_rank: dict[str, int] = {}
    for rank, hit in enumerate(ranking):
        best_rank.setdefault(hit.metadata["article_id"], rank)
    last = max(best_rank, key=best_rank.__getitem__)  # the article whose best chunk is farthest from the question
    assert best_rank[last] >= 2 * OVERFETCH
    only_last = Filters(exclude_article_ids=tuple({h.metadata["article_id"] for h in ranking} - {last}))
    hits = store.query(vector, 2, only_last)
    assert [h.id for h in hits] == [h.id for h in ranking if h.metadata["article_id"] == last][:2]
    assert asked[0] is None and asked[-1] == only_last.where()  # too few passed the wide search: Chroma filtered


def test_chromas_where_clause_admits_exactly_what_the_python_test_admits(synced: Newsbot) -> None:
    store = synced.store
    vector = list(map(float, synced.embedder.embed_query("Riverton council budget")))
    ranking = store.query(vector, 500, Filters())
    some_article = ranking[0].metadata["article_id"]
    days = sorted(int(h.metadata["day"]) for h in ranking if int(h.metadata["day"]) != UNDATED)
    undated = {h.id for h in ranking if int(h.metadata["day"]) == UNDATED}
    assert undated and all(int(h.metadata["day"]) > -(10**6) for h in ranking if h.id not in undated)
    middle = days[len(days) // 2]
    cases = [
        Filters(sources=(ranking[0].metadata["source"],)),
        Filters(since_day=middle),
        Filters(until_day=middle),  # an explicit range: undated chunks are left out
        Filters(as_of_day=middle),  # an as-of date: undated chunks pass
        Filters(as_of_day=from_day(1960)),  # before every dated article: only the undated pass (day -1 failed)
        Filters(until_day=middle, as_of_day=middle - 1),
        Filters(since_day=middle, until_day=middle + 5, exclude_article_ids=(some_article,)),
        Filters(exclude_article_ids=(some_article,)),
    ]
    match = _every_word(synced)
    for filters in cases:
        expected = [h.id for h in ranking if filters.admits(h.metadata)]
        assert 0 < len(expected) < len(ranking), filters
        assert [h.id for h in store._fetch(*store._nearest(vector, 500, filters.where()))] == expected, filters
        everything = {hit.chunk_id: meta for hit, meta in synced.lexical._ranked(match, 500, Filters())}
        by_sqlite = {hit.chunk_id for hit, _ in synced.lexical._ranked(match, 500, filters)}
        assert by_sqlite == {cid for cid, meta in everything.items() if filters.admits(meta)}, filters  # FTS5 agrees
        if filters.until_day is not None:
            assert not undated & set(expected)
        elif filters.as_of_day is not None:
            assert undated <= set(expected)


def from_day(year: int) -> int:
    from datetime import date as day

    return day_number(day(year, 1, 1))


def _every_word(bot: Newsbot) -> str:
    """An FTS5 match for every chunk: one common word each, OR-ed."""
    words = {row[0].split()[0].strip(".,").lower() for row in bot.lexical.db.execute("SELECT body FROM chunks_fts")}
    return " OR ".join(f'"{w}"' for w in sorted(words) if w.isalpha())


def test_lexical_search_filters_the_wide_ranking_like_sqlite_would(
    synced: Newsbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BM25 ranks unfiltered and filters itself; SQLite filters only when too few of the wide ranking pass."""
    lexical = synced.lexical
    question = "Riverton council budget bridge storm Marlow Rovers cup robotics funding seals"
    everything = lexical.search(question, 500, Filters())
    assert len(everything) > 2 * OVERFETCH
    asked: list[Filters] = []
    real = lexical._ranked
    monkeypatch.setattr(lexical, "_ranked", lambda m, k, f: asked.append(f) or real(m, k, f))
    days = sorted({int(h.metadata["day"]) for h in synced.store.get([h.chunk_id for h in everything])})
    lenient = Filters(as_of_day=days[-1])  # passes every chunk: ranked unfiltered only
    assert lexical.search(question, 3, lenient) == everything[:3] and asked == [Filters()]
    last = everything[-1].article_id  # the article whose chunks BM25 ranks lowest
    only_last = Filters(exclude_article_ids=tuple({h.article_id for h in everything} - {last}))
    asked.clear()
    hits = lexical.search(question, 2, only_last)
    assert hits == [h for h in everything if h.article_id == last][:2]
    assert asked == [Filters(), only_last]  # too few passed the wide ranking: SQLite filtered


def test_idf_weighs_rare_words_more_and_follows_writes(synced: Newsbot) -> None:
    lexical = synced.lexical
    idf = lexical.idf(["marlow", "glimmer", "nosuchword"])
    assert idf["nosuchword"] > idf["glimmer"] > idf["marlow"] > 0  # Glimmer is in one article, Marlow in several
    lexical.add([("x:1", "x", "More glimmer", "glimmer glimmer glimmer", "", -1)] * 1)
    assert lexical.idf(["glimmer"])["glimmer"] < idf["glimmer"]  # a write is seen at once


def test_an_archive_asked_about_today_is_read_as_of_its_own_last_day(synced: Newsbot) -> None:
    """The reader's recency and staleness count back from the newest indexed article on or before the as-of
    date: a collection that ends years ago answers today exactly as it did on its last day."""
    newest = date.fromisoformat(synced.lexical.stats()["newest"])
    assert synced.retriever.reading_day(date(2031, 1, 1)) == day_number(newest)
    assert synced.retriever.reading_day(newest) == day_number(newest)
    assert synced.retriever.reading_day(None) is None
    question = "Was the bridge cost paid for by a state grant?"
    passages = synced.retriever.retrieve(Query(question, as_of=newest))
    vector = synced.embedder.embed_query(question)
    read = synced.answer_reader.read
    then = read(question, vector, passages, day_number(newest))
    assert read(question, vector, passages, synced.retriever.reading_day(date(2031, 1, 1))) == then
    # a question that does not ask for recency is read alike whatever its date: an old article is not worth less
    assert read(question, vector, passages, day_number(date(2031, 1, 1))).confidence == then.confidence
    # one that does ("still"), counted back from 2031 itself, finds the same passages years old: less certain
    still = "Is the bridge cost still paid for by a state grant?"
    now = read(still, vector, passages, day_number(newest))
    assert read(still, vector, passages, day_number(date(2031, 1, 1))).confidence < now.confidence
    today = synced.answerer.answer(Query(question, as_of=date(2031, 1, 1)))
    assert today.answered and today.evidence > synced.answerer.min_confidence
