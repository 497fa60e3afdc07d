"""Parsing client messages: every refusal has a stable code."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult_assist.errors import ProtocolError
from consult_assist.hub import protocol as p


def test_commands_parse_with_their_id() -> None:
    command, ref = p.parse_command(
        '{"v":1,"id":7,"type":"session.start","rate":8000,"channels":2,"for":"sato"}'
    )
    assert ref == "7"
    assert command == p.StartSession(
        rate=8000,
        source_rate=8000,
        channels=2,
        speakers=("caller", "handler"),
        for_handler="sato",
    )
    command, _ = p.parse_command('{"v":1,"type":"session.start","source_rate":8000}')
    assert command == p.StartSession(rate=16_000, source_rate=8_000)
    command, _ = p.parse_command('{"v":1,"type":"subscribe","session":"*","after":{"a":3}}')
    assert command == p.Subscribe("*", {"a": 3})
    command, _ = p.parse_command('{"v":1,"type":"subscribe","session":"s1","after":4}')
    assert command == p.Subscribe("s1", {"s1": 4})
    resume = (
        '{"v":1,"type":"subscribe","session":"*","after":{},"since":"2026-11-30T04:51:00+00:00"}'
    )
    command, _ = p.parse_command(resume)
    assert command == p.Subscribe("*", {}, "2026-11-30T04:51:00+00:00")


def test_a_section_request_keeps_its_message_id_apart_from_the_section_id() -> None:
    assert p.parse_command('{"v":1,"id":"9","type":"section","section":"suicidal"}') == (
        p.GetSection("suicidal"),
        "9",
    )
    # The first v1 form (the section id in ``id``) is still understood.
    assert p.parse_command('{"v":1,"type":"section","id":"suicidal"}') == (
        p.GetSection("suicidal"),
        "suicidal",
    )


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ('{"v":1,"type":"session.start","channels":3}', "bad_field"),
        ('{"v":1,"type":"session.start","speakers":["a"],"channels":2}', "bad_field"),
        ('{"v":1,"type":"note","session":"s","text":""}', "bad_field"),
        ('{"v":1,"type":"advice","session":"s","text":"' + "あ" * 2001 + '"}', "too_long"),
        ('{"v":1,"type":"ack","session":"s","seq":true}', "bad_field"),
        ('{"v":1,"type":"record","session":"s","format":"pdf"}', "bad_field"),
        ('{"v":1,"type":"subscribe","session":"s","after":{"s":-1}}', "bad_field"),
        ('{"v":1,"type":"subscribe","session":"*","since":"yesterday"}', "bad_field"),
        ('{"v":1,"id":[1],"type":"sessions"}', "bad_message"),
    ],
)
def test_invalid_fields_are_refused_with_a_code(message: str, code: str) -> None:
    with pytest.raises(ProtocolError) as info:
        p.parse_command(message)
    assert info.value.code == code


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_any_json_value_parses_or_raises_protocol_error(value: object) -> None:
    for candidate in (value, {"v": 1, "type": "session.start", "meta": value}):
        with contextlib.suppress(ProtocolError):
            p.parse_command(json.dumps(candidate))


LONE = "\\ud800"  # a JSON escape that decodes to a lone surrogate (not encodable as UTF-8)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (
            '{"v":1,"id":1,"type":"session.start","meta":{"caller":"<?>"}}'.replace("<?>", LONE),
            "meta.caller",
        ),
        (
            '{"v":1,"id":1,"type":"session.start","meta":{"a":[1,{"b":"x<?>"}]}}'.replace(
                "<?>", LONE
            ),
            "meta.a[1].b",
        ),
        ('{"v":1,"id":1,"type":"session.start","meta":{"k<?>":1}}'.replace("<?>", LONE), "a key"),
        (
            '{"v":1,"id":1,"type":"note","session":"s","text":"死に<?>"}'.replace("<?>", LONE),
            "text",
        ),
        ('{"v":1,"id":1,"type":"help.request","session":"s","reason":"\\udfff"}', "reason"),
        ('{"v":1,"id":1,"type":"advice","session":"s","text":"a\\u0000b"}', "text"),
        ('{"v":1,"id":1,"type":"session.start","for":"sa<?>to"}'.replace("<?>", LONE), "for"),
    ],
)
def test_text_that_cannot_be_stored_is_bad_field_naming_where_with_the_id(
    message: str, field: str
) -> None:
    with pytest.raises(ProtocolError) as refused:
        p.parse_command(message)
    assert refused.value.code == "bad_field" and refused.value.ref == "1"
    assert field in str(refused.value)


def test_every_refusal_carries_the_id_when_it_can_be_read() -> None:
    cases = {
        '{"v":1,"type":"note","id":"n7","text":"unterminated': "n7",
        '{"v":1, "id": 42, "type":"note",': "42",
        '{"v":2,"type":"sessions","id":"x"}': "x",
        '{"v":1,"type":"teleport","id":3}': "3",
        '{"v":1,"type":"note","id":"n","session":""}': "n",
        '{"v":1,"type":"record","id":"r","session":"s","format":"pdf"}': "r",
    }
    for raw, ref in cases.items():
        with pytest.raises(ProtocolError) as refused:
            p.parse_command(raw)
        assert refused.value.ref == ref, raw
    # An id nested in something else, or unreadable, is not taken for the message's own.
    for raw in (
        '{"meta":{"id":5},',
        '{"x":[{"id":5}',
        '[{"id":5}',
        '{"id":"<?>",'.replace("<?>", LONE),
    ):
        with pytest.raises(ProtocolError) as refused:
            p.parse_command(raw)
        assert refused.value.ref is None, raw


def test_deeply_nested_json_is_bad_json_not_a_crash() -> None:
    with pytest.raises(ProtocolError) as refused:
        p.parse_command('{"v":1,"id":9,"type":"note","x":' + "[" * 200_000)
    assert refused.value.code == "bad_json" and refused.value.ref == "9"
