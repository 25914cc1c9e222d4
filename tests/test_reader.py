"""The reading stage: short-answer spans, the fitted models and their file, the fit itself."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from newsbot.config.errors import ReaderError
from newsbot.index.answer.reader import WEIGHTS_FILE, answer_spans, load_models
from newsbot.index.eval.fitting import calibrate, fit_logistic, span_label


def test_answer_spans_are_names_numbers_and_dates_the_question_does_not_say() -> None:
    sentence = (
        "But The New York Times said the attack, ordered by Prime Minister Haider al-Abadi, cost $4.5 million "
        "on Oct. 16, 2017, when 92.7 percent voted."
    )
    found = {(s.text, s.kind) for s in answer_spans(sentence, "Who ordered the attack on Kirkuk?")}
    assert ("New York Times", "name") in found  # leading "But The" dropped
    assert ("Prime Minister Haider al-Abadi", "name") in found
    assert ("$4.5 million", "number") in found and ("92.7 percent", "number") in found
    assert ("Oct. 16, 2017", "date") in found
    assert all(sentence[s.start : s.end] == s.text for s in answer_spans(sentence, "Who?"))
    # what the question already names is not an answer
    assert "New York Times" not in {s.text for s in answer_spans(sentence, "What did The New York Times say?")}


def test_span_labels_accept_the_answer_or_most_of_it() -> None:
    assert span_label("Haider al-Abadi", ["Haider al-Abadi"])
    assert span_label("Prime Minister Haider al-Abadi", ["Haider al-Abadi"])
    assert span_label("Abadi", ["al-Abadi"])
    assert not span_label("Iraq", ["Haider al-Abadi"])
    assert not span_label("the Iraqi Prime Minister Haider al-Abadi of Baghdad", ["Abadi"])  # too little of it


def test_logistic_fit_recovers_a_known_rule() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(4000), rng.normal(size=4000), rng.normal(size=4000)])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 + 2.0 * x[:, 1] - 1.0 * x[:, 2])))).astype(float)
    w = fit_logistic(x, y, l2=0.0)
    assert np.allclose(w, [0.5, 2.0, -1.0], atol=0.2)


def test_calibration_is_the_equal_error_point() -> None:
    holds = [0.9, 0.8, 0.7, 0.6, 0.3]  # passages hold an answer
    lacks = [0.65, 0.2, 0.1, 0.05, 0.5]  # every answer-holding article removed
    t = calibrate(holds + lacks, [True] * 5 + [False] * 5, [False] * 5 + [True] * 5)
    answered = sum(c >= t for c in holds) / 5
    abstained = sum(c < t for c in lacks) / 5
    assert answered == abstained == 0.8 and t == 0.6


def test_the_shipped_weights_name_the_command_that_fitted_them() -> None:
    data = json.loads(WEIGHTS_FILE.read_text())
    assert data["command"].startswith("newsbot eval --fit")
    models = load_models()
    assert 0 < models.min_confidence < 1
    assert models.sentence.features[: len(models.shortlist.features)] == models.shortlist.features


def test_unreadable_weights_are_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text("{not json")
    with pytest.raises(ReaderError, match=r"w\.json.*newsbot eval --fit"):
        load_models(str(bad))


def test_eval_fit_writes_weights_the_answerer_can_use(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsbot eval --fit` end to end on the test corpus (fake embedder): a weights file that loads and answers."""
    from tests.conftest import DATA

    out = tmp_path / "weights.json"
    questions = DATA / "eval" / "questions.jsonl"
    args = ["eval", "--fit", "--corpus", str(DATA / "corpus"), "--questions", str(questions)]
    code, printed, err = run(*args, "--weights", str(out), "--data-dir", str(tmp_path / "fit-idx"))
    assert code == 0, err
    figures = json.loads(printed)
    assert figures["cases"] == 2 * len(questions.read_text().splitlines())  # each question read twice
    data = json.loads(out.read_text())
    assert data["command"].startswith("newsbot eval --fit --corpus") and data["figures"] == figures
    models = load_models(str(out))
    assert len(models.sentence.weights) == len(models.sentence.features)
    monkeypatch.setenv("NEWSBOT_ANSWER__WEIGHTS", str(out))  # answer with the weights just fitted
    code, printed, err = run("--data-dir", str(tmp_path / "fit-idx"), "ask", "Who won the county cup?", "--json")
    assert code == 0, err
    assert json.loads(printed)["confidence"] > 0
    code, _, err = run("eval", "--weights", str(out), "--corpus", str(DATA / "corpus"), "--questions", str(questions))
    assert code == 2 and "--weights goes with --fit" in err


def test_eval_fit_reads_several_sets_each_through_its_own_index(run: Any, tmp_path: Path) -> None:
    """`make fit` fits on two news sets (2023 and train): each --questions goes with the --corpus at its place and
    is read through its own index under the data directory."""
    from tests.conftest import DATA

    out = tmp_path / "weights.json"
    questions = DATA / "eval" / "questions.jsonl"
    one = ["--corpus", str(DATA / "corpus"), "--questions", str(questions)]
    code, printed, err = run("eval", "--fit", *one, *one, "--weights", str(out), "--data-dir", str(tmp_path / "fit"))
    assert code == 0, err
    asked = len(questions.read_text().splitlines())
    assert json.loads(printed)["cases"] == 2 * 2 * asked  # two sets, each question read twice
    assert (tmp_path / "fit" / "set-1").is_dir() and (tmp_path / "fit" / "set-2").is_dir()
    data = json.loads(out.read_text())
    assert data["fitted_on"]["questions"] == 2 * asked
    assert data["command"].count("--questions") == 2
    code, _, err = run("eval", "--fit", *one, "--questions", str(questions), "--data-dir", str(tmp_path / "fit"))
    assert code == 2 and "needs one --corpus for each" in err
    code, _, err = run("eval", *one, "--questions", str(questions), "--data-dir", str(tmp_path / "fit"))
    assert code == 2 and "several --questions go with --fit" in err


def test_the_reader_quotes_whole_sentences_of_a_hard_wrapped_article(
    make_settings: Any, tmp_path: Path, fake_embedder: Any
) -> None:
    from newsbot.index.app import Newsbot
    from newsbot.index.search import Query

    corpus = tmp_path / "wrapped"
    corpus.mkdir()
    text = (
        "Ferries for Riverton\n\n"
        "The council voted 8 to 1 on Tuesday to add three electric ferries to the\n"
        "harbour fleet. The first of the new vessels, named the Marigold, will\n"
        "enter service in May.\n"
    )
    (corpus / "ferries.txt").write_text(text)
    bot = Newsbot(make_settings([corpus]), embedder=fake_embedder)
    bot.indexer.sync([corpus])
    question = "What is the first of the new electric ferries named?"
    passages = bot.retriever.retrieve(Query(question))
    quotes = [s.text for s in bot.answer_reader.candidates(question, passages, None)]
    assert "The first of the new vessels, named the Marigold, will\nenter service in May." in quotes
    assert all(q in text for q in quotes) and not any(q.endswith("to the") for q in quotes)


def test_an_answer_read_from_old_coverage_is_less_certain_and_undated_articles_are_not_penalised() -> None:
    """The answerability model reads how old the best sentence's article is against the as-of date
    (``stale``): when the week's reports are missing, what is left is older coverage of the story."""
    from newsbot.index.answer.reader import Sentence, answerability_features
    from newsbot.index.search import Passage

    passage = Passage("c", "a", "The council chose Lena Ortiz.", 0, 29, "Council", None, None, None, None, 1.0)

    def confidence(**age: float) -> tuple[float, float]:
        features = {"idf_cov": 0.8, "title_cov": 0.7, "typed": 1.0, "pdense": 0.6, "dense": 0.6, **age}
        best = Sentence(0, passage, 0, 29, passage.text, features, logit=2.0, prob=0.6)
        found = answerability_features(best, span_prob=0.4, agree=0.0)
        return found["stale"], load_models().answerability.prob(found)

    fresh = confidence(recent=1.0, dated=1.0)
    year_old = confidence(recent=0.5 ** (365 / 14), dated=1.0)
    undated = confidence(recent=0.0, dated=0.0)  # no date, or no as-of date: neither favoured nor penalised
    assert fresh[0] == 0.0 and year_old[0] > 0.99 and undated[0] == 0.0
    assert year_old[1] < fresh[1] and undated[1] == fresh[1]


def test_auc_counts_pairs_and_the_halves_are_alternate_fortnights() -> None:
    from datetime import date

    from newsbot.index.eval.evaluate import Question
    from newsbot.index.eval.fitting import auc, fortnight

    assert auc([0.9, 0.8], [0.1, 0.85]) == 0.75 and auc([0.5], [0.5]) == 0.5
    halves = [fortnight(Question("q", "?", date(2022, 6, d), (), ())) for d in (13, 20, 27)]  # ISO weeks 24-26
    assert halves == [0, 0, 1]


def test_eval_fit_held_out_measures_on_the_other_fortnights_and_writes_nothing(run: Any, tmp_path: Path) -> None:
    from tests.conftest import DATA

    questions = DATA / "eval" / "questions.jsonl"
    before = WEIGHTS_FILE.read_bytes()
    args = ["eval", "--fit", "--held-out", "--corpus", str(DATA / "corpus"), "--questions", str(questions)]
    code, printed, err = run(*args, "--data-dir", str(tmp_path / "fit-idx"))
    assert code == 0, err
    found = json.loads(printed)
    assert found["cases"] == 2 * len(questions.read_text().splitlines())
    assert 0 <= found["answerability_auc"] <= 1 and 0 <= found["best_sentence_holds_answer"] <= 1
    assert {"answered_full", "support_full", "abstained_removed"} <= set(found)
    assert WEIGHTS_FILE.read_bytes() == before
    base = ["eval", "--corpus", str(DATA / "corpus"), "--questions", str(questions)]
    code, _, err = run(*base, "--held-out")
    assert code == 2 and "--held-out goes with --fit" in err
    code, _, err = run(*base, "--fit", "--generator")
    assert code == 2 and "does not go with --fit" in err


def _plain_reader() -> Any:
    """The shipped reader with no embedding model (every similarity 0) and every word equally rare."""
    from newsbot.index.answer.reader import Reader

    return Reader(load_models(), lambda texts: np.zeros((len(texts), 4)), lambda terms: dict.fromkeys(terms, 1.0))


def _passage(text: str, title: str = "", article: str = "a") -> Any:
    from newsbot.index.search import Passage

    return Passage(f"{article}:0", article, text, 0, len(text), title, None, None, "a.txt", None, 1.0, 0.5)


def test_the_question_words_no_passage_uses_are_absent() -> None:
    """``absent``: the rarity-weighted share of the question's words that no read passage (or its title) has."""
    from newsbot.index.answer.reader import absent_share

    reader = _plain_reader()
    passage = _passage("The new maternity wing at Marren General opens on January 12. It has 24 rooms.", "Hospital")
    pool = reader.candidates("When does the new tram depot open?", [passage], None)
    assert pool and absent_share("When does the new tram depot open?", pool, reader.idf) == pytest.approx(2 / 3)
    assert all(s.features["absent"] == pytest.approx(2 / 3) for s in pool)  # tram, depot; "open" is there
    assert absent_share("When does the maternity wing open?", pool, reader.idf) == 0.0


def test_a_passage_that_lacks_a_name_of_the_question_is_not_read() -> None:

    reader = _plain_reader()
    mayor = _passage("Tomas Reyes will be the next mayor of Kestrel Bay after Tuesday's election.", "Reyes wins")
    assert reader.candidates("Who is the mayor of Springfield?", [mayor], None) == []
    assert reader.candidates("Who is the mayor of Kestrel Bay?", [mayor], None)
    # a name in another passage of the same article, or in its title, counts
    other = _passage("The count ended at midnight in Springfield Hall.", "Reyes wins")
    assert reader.candidates("Who is the mayor of Springfield?", [mayor, other], None)


def test_a_short_sentence_can_be_the_answer_and_the_name_asked_for_is_a_name() -> None:
    from newsbot.index.answer.reader import expected_type

    reader = _plain_reader()
    died = _passage("Walter Greaves died on Sunday at his home on Cliff Road. He was 88.")
    assert "He was 88." in [s.text for s in reader.candidates("How old was Walter Greaves?", [died], None)]
    assert expected_type("What is the name of the second ferry?") == "name"
    assert expected_type("What is the population of Kestrel Bay?") is None


def test_what_a_question_asks_beyond_its_names_is_matched_loosely() -> None:
    """``asked_words``: the question's words less its names and the kind of answer; matched by loose stems."""
    from newsbot.index.answer.reader import asked_words
    from newsbot.index.text import loose_stem, loosely_in

    assert asked_words("Who owns the Dunmore Pilots?") == ["own"]
    assert asked_words("Who is the general manager of the Gulls?") == ["general", "manager"]
    assert asked_words("How old is Delia Fontaine?") == []  # "how old" asks for a number: the kind, not the topic
    assert asked_words("What year did Eli Vance join the Gulls?") == ["join"]
    assert [loose_stem(w) for w in ("built", "wrote", "winning", "won", "paid")] == [
        "build",
        "writ",
        "win",
        "win",
        "pay",
    ]
    assert loosely_in(loose_stem("directs"), {loose_stem("director")})
    assert loosely_in(loose_stem("designed"), {loose_stem("designer")})
    assert not loosely_in(loose_stem("batting"), {loose_stem("batters")})  # "batt" and "batter": too short to meet
    # a doer in -or meets its verb without the shared beginning (coverage reads it so): "directs", "director"
    for verb, doer in (("directs", "director"), ("edited", "editor"), ("invests", "investor")):
        assert loosely_in(loose_stem(verb), {loose_stem(doer)}, prefix=False)
        assert loosely_in(loose_stem(doer), {loose_stem(verb)}, prefix=False)
    assert not loosely_in(loose_stem("door"), {"do"}, prefix=False)
    assert not loosely_in(loose_stem("major"), {"maj"}, prefix=False)


def test_a_sentence_covers_the_question_as_loosely_as_what_was_asked() -> None:
    """Coverage meets words by the loose stems of ``asked``: "won" meets "winning", "owns" meets "owner". With plain
    stems the sentence that answers covered less of the question than the lead that repeats it."""

    reader = _plain_reader()
    brewery = _passage(
        "Old Mill Brewing took a gold medal on Saturday. Its winning beer, a dark lager called Night Shift, beat 212 "
        "other entries.",
        "Brewery news",
    )
    lead, winning = reader.candidates("What beer won the gold medal?", [brewery], None)
    assert lead.features["cov"] == winning.features["cov"] == 0.5  # gold, medal / beer, won
    bakery = _passage("Owner Greta Holm, who has run the bakery since 2009, said she planned to reopen.")
    (owner,) = reader.candidates("Who owns the bakery?", [bakery], None)
    assert owner.features["cov"] == owner.features["idf_cov"] == 1.0
    # a shared beginning alone ("verified", "verification") counts for what was asked, not for coverage
    twitter = _passage("Twitter plans a verification fee, according to documents seen by reporters.")
    (fee,) = reader.candidates("Which platform is charging for verified accounts?", [twitter], None)
    assert fee.features["cov"] == 0.0


def test_a_surname_alone_covers_the_full_name_its_article_gives() -> None:
    """A report names a person in full once, then by surname alone: "Fontaine, 58, said..." covers "Delia Fontaine"
    of the question as the lead that names her in full does. A sentence that names neither covers nothing of her."""
    from newsbot.index.answer.reader import surnamed

    assert [(p.pattern, sorted(w)) for p, w in surnamed("How old is Delia Fontaine?")] == [
        (r"\bFontaine\b", ["delia", "fontain"])
    ]
    assert surnamed("Who runs the library?") == surnamed("Where is Fontaine?") == []
    # a name may open the question (a quiz's preamble): only question words and the like are left out
    assert [p.pattern for p, _ in surnamed("Delia Fontaine, who lost in November, is how old?")] == [r"\bFontaine\b"]
    reader = _plain_reader()
    race = _passage(
        "Tomas Reyes will run against Mayor Delia Fontaine in November. Fontaine, 58, said she looked forward to it. "
        "The first debate is in October.",
        article="race",
    )
    lead, age, debate = reader.candidates("How old is Delia Fontaine?", [race], None)
    assert lead.features["idf_cov"] == age.features["idf_cov"] == age.features["cov"] == 1.0
    assert debate.features["idf_cov"] == 0.0


def test_a_quote_that_says_nothing_of_what_was_asked_is_no_answer() -> None:
    """The names are there, the thing asked is not: "Who owns the Dunmore Pilots?" is not answered by a loss to
    them. The sentence before counts ("She replaces ..." after the sentence that says what happened)."""
    from newsbot.index.answer.reader import Reading, says_what_is_asked

    reader = _plain_reader()
    final = _passage("The Gulls' season ended with a 5-4 loss to the Dunmore Pilots. Ruth Okafor owns the Pilots.")
    loss, owner = reader.candidates("Who owns the Dunmore Pilots?", [final], None)
    assert not says_what_is_asked(loss) and says_what_is_asked(owner)
    assert not Reading((loss,), loss, None, 0.0, 0.99).answers(0.4)
    assert Reading((owner,), owner, None, 0.0, 0.99).answers(0.4)
    assert not Reading((owner,), owner, None, 0.0, 0.39).answers(0.4)
    hired = _passage("The Gulls hired a new manager on Monday. Rosa Delgado replaces Sam Ortiz, who retired.")
    follows = reader.candidates("Who was hired?", [hired], None)
    assert all(says_what_is_asked(s) for s in follows)  # the second sentence leans on the first
    # a follow-up asks what the turn before did: "How much did they pay?" after "Who bought the old cannery?"
    sold = _passage("The old cannery has been sold to Harborline Partners for $3.4 million.")
    alone = reader.candidates("How much did they pay?", [sold], None)
    after = reader.candidates("How much did they pay?", [sold], None, "Who bought the old cannery?")
    assert not says_what_is_asked(alone[0]) and says_what_is_asked(after[0])


def test_how_old_is_answered_only_by_a_sentence_that_holds_an_age() -> None:
    """ "How old is he?" after the 10K's winner is not answered by the sentence that names him and a year he ran: a
    question of how old, like one of how many, needs its kind of number in the quote."""
    from newsbot.index.answer.reader import says_what_is_asked

    reader = _plain_reader()
    race = _passage(
        "Tomasz Nowak won the Falls 10K on Sunday. Nowak, a physical therapist, had finished second in 2025. "
        "Nowak, 34, said the hill decided it."
    )
    won, second, age = reader.candidates("How old is he?", [race], None, "Who won the Falls 10K? Nowak")
    assert not says_what_is_asked(second) and second.features["typed"] == 0.0
    assert says_what_is_asked(age) and age.features["typed"] == 1.0
    tools = _passage("Tools can be borrowed for a week at a time.")
    assert says_what_is_asked(reader.candidates("How long can you borrow tools?", [tools], None)[0])  # no figure
    main = _passage("Crews will replace a water main laid in 1931 under Water Street.")
    assert says_what_is_asked(reader.candidates("How old is the water main?", [main], None)[0])


def test_how_many_is_no_answer_when_no_passage_read_counts_what_was_asked() -> None:
    """No sentence read counts patients in an article that says only on which days the dentist sees them, so none
    answers "How many patients does the clinic see each week?". Where one does, any count passes, as before."""
    from newsbot.index.answer.reader import says_what_is_asked

    reader = _plain_reader()
    clinic = _passage(
        "The clinic adds a dentist. Dr. Aisha Banerjee will see patients at the clinic three days a week."
    )
    question = "How many patients does the clinic see each week?"
    assert not any(says_what_is_asked(s) for s in reader.candidates(question, [clinic], None))
    busy = _passage("The clinic adds a dentist. It saw 4,100 patients last year, three days a week.", article="b")
    assert any(says_what_is_asked(s) for s in reader.candidates(question, [clinic, busy], None))


def test_how_many_people_is_asked_of_visitors_and_crowds_too() -> None:
    """A count of people is said in many words ("drew about 18,000 visitors"): "people" and a light verb ("came") are
    neither words the quote must hold nor words the passages must have; the rest of what is asked still is."""
    from newsbot.index.answer.reader import checked_words, says_what_is_asked

    reader = _plain_reader()
    festival = _passage("The Lantern Festival drew about 18,000 visitors over the weekend.", "Lantern Festival")
    (drew,) = reader.candidates("How many people came to the Lantern Festival?", [festival], None)
    assert says_what_is_asked(drew) and checked_words("How many people came to the Lantern Festival?") == []
    assert drew.features["absent"] == 0.0  # nor words whose absence from the passages says they do not answer
    (lived,) = reader.candidates("How many people lived at the Lantern Festival?", [festival], None)
    assert lived.features["absent"] > 0.0  # "lived" is still asked of the passages
    (same,) = reader.candidates("How many people live near the Lantern Festival?", [festival], None)
    assert not says_what_is_asked(same)  # "live" is still asked


def test_a_question_that_asks_why_looks_for_a_sentence_that_gives_a_cause() -> None:
    """No span answers "What caused the fire?" as a name answers "who"; the sentence that gives a cause is of the
    kind asked (typed), the lead that only repeats the question's words is not (untyped)."""
    from newsbot.index.answer.reader import asks_cause

    assert asks_cause("Why is Stone Oven Pizza closing?") and asks_cause("What caused the Larch Creek fire?")
    assert not asks_cause("What did the fire marshal say?")
    reader = _plain_reader()
    fire = _passage(
        "Firefighters fully contained the Larch Creek fire on Sunday. The fire marshal said the fire was started "
        "by a campfire left burning near Larch Lake."
    )
    lead, cause = reader.candidates("What caused the Larch Creek fire?", [fire], None)
    assert (lead.features["typed"], lead.features["untyped"]) == (0.0, 1.0)
    assert (cause.features["typed"], cause.features["untyped"]) == (1.0, 0.0)
    said = reader.candidates("What did the fire marshal say?", [fire], None)
    assert all(s.features["untyped"] == 0.0 for s in said)  # no kind asked, none missing


def test_a_question_whose_asked_words_the_passages_mostly_lack_is_no_answer() -> None:
    """The names are there and a word of what is asked, but half of what is asked no passage read holds: "Who is
    the head baker at Sunrise Bakery?" of articles that say only that the owner hired bakers."""
    from newsbot.index.answer.reader import Reading, checked_words, missing_share, says_what_is_asked

    reader = _plain_reader()
    bakery = _passage(
        "Owner Greta Holm said the repairs cost about $180,000. She has hired three more bakers.", "Sunrise Bakery"
    )
    pool = reader.candidates("Who is the head baker at Sunrise Bakery?", [bakery], None)
    assert missing_share("Who is the head baker at Sunrise Bakery?", pool) == 0.5  # "head" is nowhere, "baker" is
    hired = pool[1]
    assert hired.features["asked"] > 0 and hired.features["missing"] == 0.5 and not says_what_is_asked(hired)
    assert not Reading((hired,), hired, None, 0.0, 0.99).answers(0.4)
    owner = reader.candidates("Who owns the Sunrise Bakery?", [bakery], None)[0]
    assert owner.features["missing"] == 0.0 and says_what_is_asked(owner)
    # three of four asked words there: an answer may still come
    assert reader.candidates("How much did the bakery repairs cost?", [bakery], None)[0].features["missing"] == 0.0
    # not looked for: the answer's class, the words that say when, hedges and light verbs
    assert checked_words("Which country was attacked by the militant group this past weekend?") == [
        "attack",
        "militant",
        "group",
    ]
    assert checked_words("Approximately how many barrels does the brewery make a year?") == ["barrel", "breweri"]
    assert checked_words("How old is Delia Fontaine?") == []
    # a follow-up's topic is what the turn before found: its own few words ("before politics") are not checked
    after = reader.candidates("Who did she hire?", [bakery], None, "Who owns the Sunrise Bakery? Greta Holm")
    assert all(s.features["missing"] == 0.0 for s in after)


def test_a_follow_up_reads_what_the_conversation_named_and_not_its_last_answer_again() -> None:
    """A follow-up's "she" is whom the conversation named: an article without her is not read, and the sentence
    that only repeats the turn before (its names, nothing new) is not its answer."""
    from newsbot.index.answer.reader import absent_share

    reader = _plain_reader()
    gulls = _passage(
        "The Kestrel Bay Gulls have named Rosa Delgado as their manager. Delgado, 44, was the pitching coach. "
        "She replaces Frank Bellamy, who retired.",
        article="gulls",
    )
    other = _passage("The school board picked a new superintendent. She replaces Robert Kim.", article="school")
    turn = "Who is the new manager of the Gulls? Kestrel Bay Rosa Delgado"
    read = [s.text for s in reader.candidates("Who did she replace?", [gulls, other], None, turn)]
    assert read == ["Delgado, 44, was the pitching coach.", "She replaces Frank Bellamy, who retired."]
    alone = [s.text for s in reader.candidates("Who did she replace?", [gulls, other], None)]
    assert "She replaces Robert Kim." in alone and len(alone) == 5  # asked on its own, every sentence is read
    # the conversation's words count as the follow-up's own for `absent`: "pay" is not what it lacks alone
    sold = _passage("The old cannery has been sold to Harborline Partners for $3.4 million.")
    pool = reader.candidates("How much did they pay?", [sold], None, "Who bought the old cannery? Harborline")
    assert pool[0].features["absent"] < absent_share("How much did they pay?", pool, reader.idf)


def test_a_follow_up_chooses_its_sentence_by_its_own_words_and_the_conversation_says_which_story() -> None:
    """ "How did he train?" after "Who won the Pinecrest 50K?": the lead that answered the turn before repeats the
    conversation's words, the sentence that answers holds the follow-up's own ("trained"). The conversation's words
    count alike for every sentence of the article that holds them, and for no sentence of one that does not."""
    from newsbot.index.answer.reader import CONTEXT_WEIGHT

    reader = _plain_reader()
    race = _passage(
        "Jonah Whitfield won the Pinecrest 50K trail race on Saturday in 4 hours, 11 minutes. "
        "Whitfield, 29, said he trained by running up the ski slopes before his shifts.",
        "Local runner wins",
        article="race",
    )
    dog = _passage("The shelter trained twelve rescue dogs this spring, Whitfield said.", "Shelter news", article="dog")
    turn = "Who won the Pinecrest 50K? Jonah Whitfield"
    lead, trained, other = reader.candidates("How did he train?", [race, dog], None, turn)
    assert (lead.features["cov"], trained.features["cov"], other.features["cov"]) == (0.0, 1.0, 1.0)
    assert lead.features["idf_cov"] == 0.0 and trained.features["idf_cov"] == 1.0
    # title_cov: "train" (1) and the lent "won", "pinecrest", "50k", "jonah", "whitfield" at CONTEXT_WEIGHT each
    plain = 1 + CONTEXT_WEIGHT * 5
    assert lead.features["title_cov"] == pytest.approx(CONTEXT_WEIGHT * 5 / plain)
    assert trained.features["title_cov"] == pytest.approx(1.0)
    assert other.features["title_cov"] == pytest.approx((1 + CONTEXT_WEIGHT) / plain)  # "Whitfield" only
    # asked on its own, the question's words are all there is
    alone = reader.candidates("How did he train?", [race], None)
    assert [s.features["cov"] for s in alone] == [0.0, 1.0]


def test_a_misspelt_feature_is_an_error_not_a_zero(tmp_path: Path) -> None:
    """Issue 28 item 6: features were read with .get(name, 0.0), so a misspelt one scored 0 silently."""
    import json

    from newsbot.config.errors import ReaderError
    from newsbot.index.answer.reader import WEIGHTS_FILE, LinearModel, load_models

    with pytest.raises(KeyError, match="no feature 'idf_cvo'"):
        LinearModel(("bias", "idf_cvo"), (1.0, 2.0)).logit({"bias": 1.0, "idf_cov": 0.5})
    data = json.loads(WEIGHTS_FILE.read_text())
    data["sentence"]["features"][1] = "idf_cvo"
    bad = tmp_path / "weights.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(ReaderError, match="idf_cvo"):
        load_models(str(bad))


def test_the_word_after_how_is_the_kind_of_answer_not_a_word_the_articles_lack() -> None:
    """In "How much did the two ferries cost?", "much" is what kind of answer is wanted. As a rare word it weighed
    most in every coverage and counted as absent from articles that answer ("...bought for $19 million")."""
    from newsbot.index.answer.reader import absent_share, reading_terms

    assert reading_terms("How much did the two new ferries cost?") == ["two", "ferries", "cost"]
    assert reading_terms("How many break-ins were reported at the marina?") == ["break", "ins", "reported", "marina"]
    assert reading_terms("How did Apple win the case?") == ["apple", "win", "case"]  # "did": no word of the topic
    reader = _plain_reader()
    bought = _passage("The commission voted to buy the two ferries for $19 million last year.", "Ferries")
    pool = reader.candidates("How much did the two ferries cost?", [bought], None)
    assert absent_share("How much did the two ferries cost?", pool, reader.idf) == pytest.approx(1 / 3)  # cost
    assert pool[0].features["cov"] == pytest.approx(2 / 3)  # two, ferries of two, ferries, cost


def test_how_much_or_how_many_is_answered_only_by_a_sentence_with_a_number() -> None:
    """The question "How much did the new Pier Plaza canopies cost?" is not answered by a sentence about the canopies that says
    no amount; a number in words counts ("fourteen break-ins", "every twenty minutes")."""
    from newsbot.index.answer.reader import Reading, says_what_is_asked

    reader = _plain_reader()
    plaza = _passage("Traders said the new Pier Plaza canopies made the move possible. The canopies cost $240,000.")
    vague, priced = reader.candidates("How much did the new Pier Plaza canopies cost?", [plaza], None)
    assert not says_what_is_asked(vague) and says_what_is_asked(priced)
    assert not Reading((vague,), vague, None, 0.0, 0.99).answers(0.4)
    marina = _passage("Boat owners reported fourteen break-ins at the marina between June and August.")
    (words,) = reader.candidates("How many break-ins were reported at the marina?", [marina], None)
    assert says_what_is_asked(words)
    # a question of another kind needs no number
    (plain,) = reader.candidates(
        "What did traders say about the canopies?", [_passage(plaza.text.split(". ")[0])], None
    )
    assert says_what_is_asked(plain)


def test_a_cost_is_answered_only_by_a_sentence_that_names_money() -> None:
    """ "How much does a rental permit cost?" is not answered by "About 310 homes are now listed...": a number, but
    not an amount of money. A price in dollars, pounds or millions is; "how many" still takes any number."""
    from newsbot.index.answer.reader import says_what_is_asked

    reader = _plain_reader()
    permits = _passage(
        "About 310 homes are listed on rental sites, and some will lose their permits. A rental permit costs $250 a "
        "year. The new lift will cost 14 million to build. The fee is 40 rupees."
    )
    homes, dollars, millions, rupees = reader.candidates("How much does a rental permit cost?", [permits], None)
    assert not says_what_is_asked(homes)
    assert says_what_is_asked(dollars) and dollars.features["counted"] == 1.0
    assert millions.features["counted"] == rupees.features["counted"] == 1.0
    (counted,) = reader.candidates("How many homes are listed on rental sites?", [_passage(permits.text[:70])], None)
    assert counted.features["counted"] == 1.0


def test_a_year_the_question_names_is_read_like_a_name() -> None:
    """ "How many cabins burned in the Larch Lake fire of 2024?" is not answered by a report of 2026 on another fire
    that never says 2024; an article that says the year, or was published in it or the year after, is read."""
    from dataclasses import replace

    from newsbot.index.text import day_number

    reader = _plain_reader()
    text = "The fire burned 3,100 acres near Larch Lake and destroyed two cabins."

    def dated(article: str, day: date, body: str = text) -> Any:
        return replace(_passage(body, "Larch fire", article), metadata={"day": day_number(day)})

    question = "How many cabins burned in the Larch Lake fire of 2024?"
    assert not reader.candidates(question, [dated("later", date(2026, 8, 12))], None)
    for passage in (
        dated("that-year", date(2024, 7, 1)),
        dated("next-january", date(2025, 1, 9)),
        dated("says-it", date(2026, 8, 12), text + " It was the worst since the fire of 2024."),
    ):
        assert reader.candidates(question, [passage], None), passage.article_id
    assert reader.candidates(
        "How many cabins burned in the Larch Lake fire?", [dated("later", date(2026, 8, 12))], None
    )


def test_a_lead_that_names_what_every_article_names_does_not_outrank_the_sentence_that_answers(minilm: Any) -> None:
    """A user's archive names its town and its people in every lead. How many other articles repeated a sentence's
    names was a ranking feature, and it chose "Tomas Reyes took the oath of office as mayor of Kestrel Bay..." over
    the sentence that says whom he named (with the bundled model, the lead is the nearer of the two). It is read
    for the short answer only now."""
    from newsbot.index.answer.reader import SHORTLIST_FEATURES, Reader

    reader = Reader(load_models(), minilm.embed_documents, lambda terms: dict.fromkeys(terms, 1.0))
    sworn = _passage(
        "Tomas Reyes took the oath of office as mayor of Kestrel Bay on Monday, with his daughter holding the "
        "Bible. In his first act as mayor he named council member Grace Oduya as deputy mayor.",
        "Reyes sworn in as mayor, names first deputy",
        "sworn",
    )
    won = _passage("Tomas Reyes will be the next mayor of Kestrel Bay after Tuesday's election.", "Reyes wins", "won")
    ran = _passage("Council member Tomas Reyes will run for mayor of Kestrel Bay in November.", "Reyes to run", "ran")
    question = "Who did Reyes name as deputy mayor?"
    ranked = reader.score(question, minilm.embed_query(question), reader.candidates(question, [sworn, won, ran], None))
    assert ranked[0].text == "In his first act as mayor he named council member Grace Oduya as deputy mayor."
    assert ranked[1].text.startswith("Tomas Reyes took the oath")
    assert "agree" not in SHORTLIST_FEATURES and all("agree" not in s.features for s in ranked)


def test_the_answer_quotes_the_next_sentence_of_the_same_article_when_the_reader_cannot_tell_them_apart() -> None:
    """The lead restates the question's topic and the sentence after it answers: when the reader finds the second at
    least half as likely as the first, both are quoted, each with its citation, whatever article it is from. A
    sentence far less likely, or one that mostly repeats a quote, is not; ``answer.max_sentences`` caps them."""
    from newsbot.config.settings import AnswerSettings
    from newsbot.index.answer.answerer import ExtractiveAnswerer
    from newsbot.index.answer.reader import Reading

    reader = _plain_reader()
    station = _passage(
        "Kestrel Bay will open an ambulance station on the north shore next year, the mayor said on Thursday. "
        "The station will be built in the former library branch on Tern Street. "
        "Kestrel Bay will open an ambulance station on the north shore next year, Mayor Reyes said. "
        "It will cost $2.1 million.",
        article="station",
    )
    lead, answer, repeat, cost = reader.candidates("Where will the north shore ambulance station be?", [station], None)
    for sentence, prob in ((lead, 0.45), (repeat, 0.3), (answer, 0.25), (cost, 0.1)):
        sentence.prob = prob

    def quoted(max_sentences: int, one_per_article: bool = False) -> list[str]:
        answerer = ExtractiveAnswerer(None, None, AnswerSettings(max_sentences=max_sentences), reader)  # type: ignore[arg-type]
        reading = Reading((lead, repeat, answer, cost), lead, None, 0.0, 0.9)
        _, citations, _ = answerer.compose(reading, one_per_article)
        return [c.quote for c in citations]

    assert quoted(2) == [lead.text, answer.text]  # the repeat of the lead is passed over; the cost is too unlikely
    assert quoted(3) == [lead.text, answer.text]
    assert quoted(1) == [lead.text]
    assert quoted(2, one_per_article=True) == [lead.text]  # Discord's /follow reads matching articles off the quotes


def _quotes(sentences: list[Any], probs: Sequence[float], question: str) -> list[str]:
    """What an answer quotes (at most two sentences) when the reader finds ``sentences`` as likely as ``probs``
    and ranks the first best."""
    from newsbot.config.settings import AnswerSettings
    from newsbot.index.answer.answerer import ExtractiveAnswerer
    from newsbot.index.answer.reader import Reading

    for sentence, prob in zip(sentences, probs):
        sentence.prob = prob
    answerer = ExtractiveAnswerer(None, None, AnswerSettings(max_sentences=2), _plain_reader())  # type: ignore[arg-type]
    _, citations, _ = answerer.compose(Reading(tuple(sentences), sentences[0], None, 0.0, 0.9), question=question)
    return [c.quote for c in citations]


def test_the_next_quote_says_what_the_first_does_not() -> None:
    """After the best sentence, one that holds words of the question the quotes so far lack, and the kind of answer
    asked, comes next if at least a third as likely: "Who coaches the Northside High robotics team?" quotes the
    coach after the lead that names the team, not the next sentence about the team, nor one about the coaching that
    names no one. Where none adds a word, the likeliest follows if at least half as likely."""
    robotics = _passage(
        "The Northside High robotics team finished fourth at the national finals in Houston on Sunday. "
        "The team of eight students built a robot that sorts coloured blocks. "
        "The coaching staff will travel with them again. "
        "The coach, physics teacher Amir Haddad, said the students had practised every weekend since January.",
        article="robotics",
    )
    question = "Who coaches the Northside High robotics team?"
    sentences = _plain_reader().candidates(question, [robotics], None)
    lead, blocks, staff, coach = sentences

    assert _quotes(sentences, (0.4, 0.35, 0.3, 0.25), question) == [lead.text, coach.text]
    assert _quotes(sentences, (0.4, 0.35, 0.3, 0.15), question) == [lead.text, coach.text]  # a third is enough
    assert _quotes(sentences, (0.4, 0.35, 0.3, 0.1), question) == [lead.text, blocks.text]  # a quarter is not
    assert _quotes(sentences, (0.4, 0.1, 0.1, 0.1), question) == [lead.text]  # nothing half as likely or adding
    finish = "Where did the Northside High robotics team finish?"  # the lead holds every word asked
    assert _quotes(sentences, (0.4, 0.35, 0.3, 0.25), finish) == [lead.text, blocks.text]


def test_of_the_quotes_that_add_a_word_the_one_adding_most_comes_first() -> None:
    """ "Which team beat the Gulls in the league final?": both the finals and the loss add "final"; the loss adds
    "league" too, so it is quoted though the reader finds it less likely."""
    question = "Which team beat the Gulls in the league final?"
    text = (
        "Gulls manager Rosa Delgado said she was proud of her team. The Gulls will play at the national finals in "
        "Houston. The season ended with a loss to the Dunmore Pilots in the league final."
    )
    sentences = _plain_reader().candidates(question, [_passage(text, article="gulls")], None)
    lead, _, loss = sentences
    assert _quotes(sentences, (0.4, 0.35, 0.3), question) == [lead.text, loss.text]


def test_a_repeat_is_a_sentence_whose_own_content_words_a_quote_holds() -> None:
    """Two reports that share "the national finals in Houston" and their little words are not one report twice;
    nor is a sentence that says all a headline says and more."""
    question = "Where did the Tin Gulls finish at nationals?"
    spring = _passage("The Tin Gulls will compete at the national finals in Houston in June.", article="spring")
    summer = _passage(
        "The Northside High robotics team finished fourth of 64 teams at the national finals in Houston on Sunday. "
        "The Tin Gulls also won the award for the best engineering notebook.",
        article="summer",
    )
    sentences = _plain_reader().candidates(question, [spring, summer], None)
    lead, fourth, _ = sentences
    assert _quotes(sentences, (0.4, 0.18, 0.18), question) == [lead.text, fourth.text]

    question = "When does daylight saving time end this year?"
    text = "When is daylight saving time 2024? Daylight saving time officially ends Sunday, Nov. 3 at 2 a.m."
    sentences = _plain_reader().candidates(question, [_passage(text, article="clocks")], None)
    assert _quotes(sentences, (0.4, 0.3), question) == [sentences[0].text, sentences[1].text]


def test_a_quote_that_leans_on_the_sentence_before_takes_it_in() -> None:
    """A quote that opens with a pronoun, or names by surname alone someone the sentence before names in full,
    is quoted from the start of that sentence, so a reader can tell whom it is about; the short answer's offsets
    follow. A quote that stands alone is quoted alone, and a sentence already quoted is not quoted twice."""
    from newsbot.config.settings import AnswerSettings
    from newsbot.index.answer.answerer import ExtractiveAnswerer
    from newsbot.index.answer.reader import Reading
    from newsbot.index.answer.reader import Span as ReaderSpan

    reader = _plain_reader()
    text = (
        "Ingrid Solberg is on the water by six most mornings, checking moorings.\n\n"
        "Solberg became harbor master in 2022 after eighteen years with the coast guard. "
        "She says the hardest part of the job is the summer. "
        "The harbor now has 412 moorings."
    )
    intro, became, says, moorings = reader.candidates("Who is the harbor master?", [_passage(text)], None)
    answerer = ExtractiveAnswerer(None, None, AnswerSettings(max_sentences=2), reader)  # type: ignore[arg-type]

    def quoted(best: Any, *others: Any) -> tuple[list[str], Any]:
        best.prob = 0.6
        for other in others:
            other.prob = 0.35
        span = ReaderSpan(0, 7, "Solberg", "name") if best is became else None
        reading = Reading((best, *others), best, span, 0.9, 0.9)
        _, citations, short = answerer.compose(reading)
        for c in citations:
            assert text[c.start : c.end] == c.quote  # the article's own text, as every quote is
        return [c.quote for c in citations], short

    quotes, short = quoted(became)  # "Solberg" alone, "Ingrid Solberg" the sentence before
    assert quotes == [text[: text.index(" She says")]]
    assert short is not None and short.n == 1 and quotes[0][short.start : short.end] == "Solberg"
    assert short.start == text.index("Solberg became")
    assert quoted(says)[0] == [text[text.index("Solberg became") : text.index(" The harbor")]]  # "She ..."
    assert quoted(moorings)[0] == [moorings.text]  # stands alone
    assert quoted(became, intro)[0] == [text[: text.index(" She says")]]  # the sentence before is not quoted twice
    assert quoted(intro, became)[0] == [text[: text.index(" She says")]]


def test_a_sentence_that_holds_the_figure_asked_rises_past_one_near_the_top_that_does_not() -> None:
    """Of the best FIGURE_REACH sentences, those without the figure a question of how many asks for (``counted``)
    come after those with it, each group in the model's order; below FIGURE_REACH the model's order stands."""
    from newsbot.index.answer.reader import FIGURE_REACH, LinearModel, Sentence, rank_shortlist

    model = LinearModel(("score",), (1.0,))

    def sentence(text: str, score: float, counted: float) -> Sentence:
        return Sentence(0, _passage(text), 0, len(text), text, {"score": score, "counted": counted})

    week = sentence("Tools can be borrowed for a week at a time.", 3.0, 0.0)
    tools = sentence("The library lends about 340 other tools.", 2.5, 1.0)
    card = sentence("Anyone with a library card may borrow them.", 2.0, 0.0)
    donors = sentence("About 60 donors gave the tools.", 1.0, 1.0)
    assert FIGURE_REACH == 3
    assert rank_shortlist(model, [card, donors, week, tools]) == [tools, week, card, donors]
    assert tools.prob < week.prob  # the model's probability is kept: the answerability model still reads it
    plain = [sentence(t.text, t.features["score"], 1.0) for t in (week, tools, card)]
    assert [s.text for s in rank_shortlist(model, plain)] == [week.text, tools.text, card.text]


def test_an_article_holds_the_month_it_was_published_in() -> None:
    """A report says its month by its date: "the January storm" names an article of 20 January that never says
    "January" (month_of), in the check that an article holds the question's names and in what the passages hold."""
    from datetime import date

    from newsbot.index.answer.reader import absent_share, month_of, read_words
    from newsbot.index.text import day_number, stem

    reader = _plain_reader()
    question = "How much snow fell in the January storm?"
    undated = _passage("A nor'easter dropped 26 inches of snow on Lakemoor between Sunday night and Monday evening.")
    assert month_of(undated) == "" and reader.candidates(question, [undated], None) == []
    dated = _passage(undated.text)
    dated.metadata["day"] = day_number(date(2026, 1, 20))
    pool = reader.candidates(question, [dated], None)
    assert month_of(dated) == "january" and len(pool) == 1 and stem("january") in read_words(pool, stem)
    in_january = absent_share(question, pool, reader.idf)
    dated.metadata["day"] = day_number(date(2026, 2, 2))
    assert reader.candidates(question, [dated], None) == []  # a February article is not the January storm's
    assert absent_share(question, pool, reader.idf) > in_january  # "january" is a word the passages then lack


def test_a_figure_the_question_already_says_is_not_the_figure_asked() -> None:
    """``counted`` needs a number other than the question's own: "the 14" does not say how often the 14 runs."""
    from newsbot.index.answer.reader import holds_a_number

    reader = _plain_reader()
    bus = _passage("A new bus route, the 14, will run to the station. Buses will leave every 45 minutes on weekdays.")
    route, often = reader.candidates("How often does the 14 bus run?", [bus], None)
    assert (route.features["counted"], often.features["counted"]) == (0.0, 1.0)
    assert holds_a_number("The 2024 festival drew 1,400 people.", True, "How many came to the 2024 festival?")
    assert not holds_a_number("The 2024 festival was held in June.", True, "How many came to the 2024 festival?")
    assert holds_a_number("It ran in 2014.", False, "What happened to route 14?")  # 14 alone, not inside 2014


def test_what_was_asked_is_met_by_the_words_news_says_it_with() -> None:
    """ "Who won the Valley League title?" is answered by "The Herons beat Carver City..." and "What is the population
    of Alder Falls?" by "...had 14,820 residents": the words news says some asked words with count as those words, in
    the quote (``asked``) and in the passages read (``missing``). One way only, and only those words."""
    from newsbot.index.answer.reader import missing_share, says_what_is_asked

    reader = _plain_reader()
    final = _passage("The Herons beat Carver City 7-3 on Sunday in the fifth game of the final.", "Herons take the Valley League title")
    (beat,) = reader.candidates("Who won the Valley League title?", [final], None)
    assert says_what_is_asked(beat)
    town = _passage("Alder Falls had 14,820 residents last July, up 6 percent since 2020.", "New estimates")
    (residents,) = reader.candidates("What is the population of Alder Falls?", [town], None)
    assert residents.features["missing"] == 0.0 and says_what_is_asked(residents)
    pay = _passage("Whitcombe, 44, replaces Arthur Dunne. She will be paid $86,000 a year.", "Library director")
    paid = reader.candidates("How much will she make?", [pay], None, "Who is the new library director? Whitcombe")[-1]
    assert says_what_is_asked(paid)
    # one way: a question that asks about residents is not answered by the word "population"
    census = _passage("The census put the town's population at 14,820.", "Census")
    (population,) = reader.candidates("How many residents own a boat?", [census], None)
    assert missing_share("How many residents own a boat?", [population]) == 1.0
    # and only those words: "founded" is not met by "opened" ("When was the co-op founded?")
    coop = _passage("The Alder Falls Food Co-op opened its new store on Dover Street in May.", "Co-op moves")
    (opened,) = reader.candidates("When was the Alder Falls Food Co-op founded?", [coop], None)
    assert not says_what_is_asked(opened)



def test_how_deep_needs_a_figure_with_its_unit() -> None:
    """ "How deep is the quarry?" is not answered by the year it closed or its price, but by a depth; "how long" not
    by a price either."""
    from newsbot.index.answer.reader import says_what_is_asked

    reader = _plain_reader()
    quarry = _passage("The Ashby quarry, closed since 2019, sold for $6.2 million. Its pit is 180 feet deep.", "Quarry")
    sold, pit = reader.candidates("How deep is the Ashby quarry?", [quarry], None)
    assert not says_what_is_asked(sold) and says_what_is_asked(pit)
    trail = _passage("A new 6.5-mile stretch of the trail opened on Saturday.", "Trail")
    assert says_what_is_asked(reader.candidates("How far does the new trail go?", [trail], None)[0])
    # "how long" of a thing is a length, not a price: "The paved section cost $3.1 million" does not say it
    paved = _passage("The paved section cost $3.1 million. It is 6.5 miles long.", "Trail")
    cost, length = reader.candidates("How long is the paved section of the trail?", [paved], None)
    assert not says_what_is_asked(cost) and says_what_is_asked(length)


def test_a_cause_is_asked_under_a_title_that_says_what_it_caused() -> None:
    """ "Why is the Blue Plate Diner closing?" is answered by "Frank and Alma Reyes are retiring", which never says
    "closing": for a sentence that holds a cause, its article's title counts as the sentence before it."""
    from newsbot.index.answer.reader import says_what_is_asked

    reader = _plain_reader()
    diner = _passage(
        "The Blue Plate Diner will serve its last breakfast on Sunday. Frank and Alma Reyes are retiring. "
        "The diner was known for its cornbread.",
        "Blue Plate Diner to close after 41 years",
    )
    _, retiring, cornbread = reader.candidates("Why is the Blue Plate Diner closing?", [diner], None)
    assert says_what_is_asked(retiring)
    assert not says_what_is_asked(cornbread)  # no cause: the title does not count for it


def test_how_much_money_asks_no_word_money_and_british_spelling_is_read_as_american() -> None:
    """ "How much money have neighbors raised?" is answered by "Neighbours have raised more than $40,000"."""
    from newsbot.index.answer.reader import missing_share, says_what_is_asked
    from newsbot.index.text import loose_stem

    assert [loose_stem(w) for w in ("neighbours", "harbour", "centre", "metres")] == [
        loose_stem(w) for w in ("neighbors", "harbor", "center", "meters")
    ]
    reader = _plain_reader()
    fire = _passage("Neighbours have raised more than $40,000 online to help the Kesslers.", "Barn fire")
    question = "How much money have neighbors raised for the Kesslers?"
    (raised,) = reader.candidates(question, [fire], None)
    assert missing_share(question, [raised]) == 0.0 and says_what_is_asked(raised)
