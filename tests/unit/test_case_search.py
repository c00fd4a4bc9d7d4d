"""The search index's pieces: Chinese as overlapping pairs, Latin words whole, queries as phrases."""

from __future__ import annotations

import pytest

from bot.services.case_search import QueryProblem, index_terms, match_query, parse_query


def test_chinese_is_indexed_as_overlapping_pairs_and_latin_words_whole():
    assert index_terms("电瓶车 E-Bike 3号楼") == "电瓶 瓶车 e bike 3 号楼"
    assert index_terms("偷") == "偷"


def test_a_query_word_is_the_phrase_of_its_pieces():
    assert match_query(["电瓶车"]) == '"电瓶 瓶车"'
    assert match_query(["电瓶", "lamp"]) == '"电瓶" "lamp"*'
    assert match_query(["偷"]) == '"偷"*'
    assert match_query(["PA-2026-000123"]) == '"pa"* "2026"* "000123"*'
    assert match_query([]) is None


def test_filters_are_read_and_a_bad_one_is_named():
    query = parse_query("电瓶 area:幸福小区 status:open since:2026-11-01")
    assert query.words == ["电瓶"] and query.area == "幸福小区" and query.status == "open"
    assert query.since == "2026-11-01"
    with pytest.raises(QueryProblem, match="since:yesterday"):
        parse_query("lamp since:yesterday")
