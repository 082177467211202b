"""``compiled_dump`` gives exactly what ``schema.dump`` gives, field kind by field kind."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from app.serialise import compiled_dump


class Inner(Schema):
    class Meta:
        ordered = True

    n = fields.Integer(required=True)
    label = fields.String(allow_none=True)


class Outer(Schema):
    class Meta:
        ordered = True

    id = fields.Integer()
    ratio = fields.Float()
    ok = fields.Boolean()
    at = fields.DateTime(allow_none=True)
    day = fields.Date()
    raw = fields.Raw(allow_none=True)
    data = fields.Dict()
    renamed = fields.String(data_key="shown_as")
    source = fields.String(attribute="elsewhere")
    defaulted = fields.String(dump_default="fallback")
    one = fields.Nested(Inner, allow_none=True)
    many = fields.List(fields.Nested(Inner))
    numbers = fields.List(fields.Float())
    method = fields.Method("_twice")
    secret = fields.String(load_only=True)

    def _twice(self, obj):
        return 2 * obj.get("id", 0)


class Hooked(Schema):
    n = fields.Integer()

    @post_dump
    def add(self, data, **kwargs):
        return {**data, "hooked": True}


FULL = {
    "id": "7",
    "ratio": 1,
    "ok": 1,
    "at": datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
    "day": date(2026, 1, 15),
    "raw": {"choice": ["a"]},
    "data": {"k": 1},
    "renamed": "r",
    "elsewhere": "from elsewhere",
    "one": {"n": 1, "label": None, "extra": "dropped"},
    "many": [{"n": 2}, {"n": 3, "label": "x"}],
    "numbers": [1, 2.5, None],
    "secret": "never dumped",
    "unknown": "dropped",
}


def test_every_field_kind_matches_marshmallow():
    assert compiled_dump(Outer)(FULL) == Outer().dump(FULL)


def test_missing_and_none_values_match_marshmallow():
    for view in ({}, {"at": None, "one": None, "raw": None}, {"many": []}):
        assert compiled_dump(Outer)(view) == Outer().dump(view)


def test_a_schema_with_hooks_is_left_to_marshmallow():
    assert compiled_dump(Hooked)({"n": "4"}) == {"n": 4, "hooked": True}


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.integers(-(2**31), 2**31),
            "ratio": st.floats(allow_nan=False, allow_infinity=False),
            "ok": st.one_of(st.booleans(), st.none(), st.sampled_from([0, 1, "true", "no"])),
            "renamed": st.text(max_size=5),
            "raw": st.recursive(
                st.none() | st.integers() | st.text(max_size=3), lambda c: st.lists(c, max_size=3)
            ),
            "many": st.lists(
                st.fixed_dictionaries(
                    {"n": st.integers()}, optional={"label": st.none() | st.text(max_size=3)}
                ),
                max_size=3,
            ),
        },
    )
)
def test_random_views_match_marshmallow(view):
    assert compiled_dump(Outer)(view) == Outer().dump(view)
