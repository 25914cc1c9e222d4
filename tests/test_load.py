"""Questions asked while a sync replaces the articles they hit: no error, and one version per article."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsbot.index.app import Newsbot
from newsbot.index.search import Query
from newsbot.index.store.chroma import StoredChunk

VERSIONS = {
    "old": "Marlow Rovers won the county cup final, beating Henley Town 3-1 at Oakfield on Saturday. "
    "Dee Mensah scored twice for Marlow Rovers in the county cup final. "
    "The county cup final drew a crowd of two thousand to Oakfield.",
    "new": "Marlow Rovers won the county cup final after a replay, beating Henley Town 2-0 at Riverside Park. "
    "Sam Okafor scored both goals for Marlow Rovers in the county cup final replay. "
    "The county cup final replay drew a record crowd of four thousand to Riverside Park.",
}
QUESTIONS = [
    "Who scored for Marlow Rovers in the county cup final?",
    "Where was the county cup final played?",
    "How many people watched the county cup final?",
    "What was the score of the Marlow Rovers county cup final?",
]


def test_twenty_askers_during_syncs_that_rewrite_the_article_see_one_version_each(bot: Newsbot, corpus: Path) -> None:
    cup = corpus / "cup-final.md"
    head = "---\ntitle: Marlow Rovers win the county cup\nsource: Sports Test\npublished_at: 2022-06-18\n---\n"
    texts = {}
    for name, body in VERSIONS.items():  # the cleaned text of each version, as the index will hold it
        cup.write_text(head + body + "\n")
        (article,) = [a for a in bot.corpus_reader.scan([corpus]).articles if a.path == cup.name]
        texts[name] = article.text
    article_id = article.id
    bot.indexer.sync([corpus])

    stop = threading.Event()
    syncs = 0

    def flip() -> None:
        nonlocal syncs
        try:
            for round_ in range(8):
                cup.write_text(head + VERSIONS["new" if round_ % 2 else "old"] + "\n")
                assert bot.indexer.sync([corpus]).updated == 1
                syncs += 1
        finally:
            stop.set()

    def ask(n: int) -> list[tuple[str, set[str]]]:
        seen = []
        while not stop.is_set() or not seen:
            answer = bot.answerer.answer(Query(QUESTIONS[n % len(QUESTIONS)]))
            for citation in answer.citations:
                assert citation.quote.strip()
            ours = [c for c in answer.citations if c.article_id == article_id]
            # Which versions each quote can come from (its exact span in that version's text).
            fits = [{v for v, t in texts.items() if t[c.start : c.end] == c.quote} for c in ours]
            assert all(fits), f"a quote from neither version: {[c.quote for c in ours]}"
            common = set.intersection(*fits) if fits else set(texts)
            seen.append((answer.question, common))
        return seen

    with ThreadPoolExecutor(21) as pool:
        writer = pool.submit(flip)
        askers = [pool.submit(ask, n) for n in range(20)]
        writer.result(timeout=300)
        results = [a.result(timeout=300) for a in askers]  # re-raises any error an asker hit
    answers = [r for asker in results for r in asker]
    mixed = [(q, versions) for q, versions in answers if not versions]
    assert not mixed, f"{len(mixed)} answers quoted two versions at once: {mixed[:3]}"
    assert syncs == 8 and len(answers) >= 20
    print(f"{len(answers)} answers from 20 askers during {syncs} syncs, none mixing versions")


def test_fusion_keeps_one_version_of_an_article(bot: Newsbot) -> None:
    def hit(chunk: str, version: str, body: str) -> StoredChunk:
        meta = {"article_id": "cup", "content_hash": version, "start": 0, "end": len(body), "day": -1}
        return StoredChunk(chunk, body, meta, 0.5)

    dense = [
        hit("cup-v2:0", "v2", "Sam Okafor scored both goals in the replay."),
        hit("cup-v1:0", "v1", "Dee Mensah scored twice in the final."),
        hit("cup-v2:1", "v2", "The replay drew four thousand fans."),
    ]
    fused = bot.retriever.fuse(Query("who scored"), dense, [], 5)
    assert [p.chunk_id for p in fused] == ["cup-v2:0", "cup-v2:1"]
