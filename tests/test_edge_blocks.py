"""A block shared only at the edge of two bodies (a footer not yet known as boilerplate)."""

from __future__ import annotations

from crawler.core import dedup

#: A long standing paragraph an outlet prints under every story ("about the agency").
ABOUT = (
    "Агентство «Северный курьер» основано в 1998 году и выпускает ежедневную ленту новостей "
    "региона на русском и английском языках; у агентства работают корреспонденты в двенадцати "
    "городах, а его материалы перепечатывают областные газеты, радиостанции и сайты. "
    "Перепечатка материалов разрешена только со ссылкой на агентство и с указанием автора, "
    "фотографии предоставлены пресс-службами, если не указано иное, а вопросы о публикациях "
    "можно направлять в редакцию по электронной почте в рабочие дни с девяти до шести."
)

FERRY = (
    "Паромная переправа через залив возобновила работу после недельного перерыва из-за льда.",
    "Первый рейс вышел в семь утра, на борту было сорок автомобилей и около ста пассажиров.",
    "Капитан сообщил, что ледокол будет сопровождать паромы до конца месяца по новому графику.",
)
THEATRE = (
    "Городской драматический театр открыл сезон премьерой спектакля по пьесе местного автора.",
    "Режиссёр рассказал, что репетиции шли полгода, а декорации сделали студенты училища.",
    "Билеты на ближайшие показы раскуплены, дополнительные спектакли назначены на март.",
)


def _signed(blocks: list[str]) -> dedup.Signature:
    params = dedup.DEFAULT_PARAMS
    return dedup.prepare(blocks, params).signed(set(), params)[0]


def _same_blocks(left: tuple[dedup.EdgeBlock, ...], right: tuple[dedup.EdgeBlock, ...]) -> bool:
    return len(left) == len(right) and all(
        (x.hash, x.shingles) == (y.hash, y.shingles) and (x.explains == y.explains).all()
        for x, y in zip(left, right, strict=True)
    )


def test_the_edge_blocks_survive_the_store() -> None:
    signature = _signed([*FERRY, ABOUT])
    assert len(signature.edges) == 4
    # The footer holds most of the shingles, so it explains most positions.
    assert signature.edges[-1].explains.sum() > signature.edges[0].explains.sum()
    again = dedup.Signature.from_bytes(
        signature.to_bytes(),
        signature.shingle_count,
        signature.lede_bytes(),
        signature.edges_bytes(),
    )
    assert _same_blocks(again.edges, signature.edges)


def test_edge_blocks_read_from_the_body_are_those_signed_with_it() -> None:
    params = dedup.DEFAULT_PARAMS
    for blocks in ([*FERRY, ABOUT], [*FERRY, *THEATRE, ABOUT], [FERRY[0], "Три слова тут"]):
        text = dedup.prepare(blocks, params)
        for boilerplate in (set(), set(list(text.edge_hashes.values())[-1:])):
            signature, _ = text.signed(boilerplate, params)
            found = dedup.edge_blocks(text, boilerplate, signature.hashvalues, params)
            assert _same_blocks(found, signature.edges)
            (batch,) = dedup.presign([text], [frozenset(boilerplate)], params)
            assert batch.presigned is not None
            assert _same_blocks(batch.presigned.signature.edges, signature.edges)
