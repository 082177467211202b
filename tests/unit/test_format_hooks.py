"""The import/export formats dispatch through the question-type registry's ``formats`` facet.

A throwaway type registered from this module only is offered GIFT answer blocks, Moodle XML
questions and QTI interactions by its names and priority, and writes its part of an export.
"""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace
from typing import Any

import pytest

from app.banks.formats import gift, moodle_xml, qti
from app.questions import registry
from app.questions.format_hooks import FormatHooks, QtiItem

THROWAWAY = "zz_throwaway"


def _skip(reason: str):
    def read(ctx: Any, source: Any, data: dict[str, Any]) -> bool:
        ctx.skip(f"{reason}: {sorted(data)}")
        return False

    return read


@pytest.fixture
def throwaway():
    registry.all_types()  # the real types first
    registry.register(
        THROWAWAY,
        formats={
            "gift": FormatHooks(
                detect=lambda ctx, body: body.startswith("?"),
                read=_skip("gift hook"),
                write=lambda ctx, q: ["?yes"],
                priority=1,
            ),
            "moodle-xml": FormatHooks(
                names=("zzyesno",), read=_skip("moodle hook"), write=lambda ctx, q: None
            ),
            "qti": FormatHooks(
                names=("qti-zz-interaction",),
                read=_skip("qti hook"),
                write=lambda ctx, q: QtiItem(ctx.response("single", "identifier", ["y"]), "<p/>"),
            ),
        },
    )
    yield SimpleNamespace(
        key="zz-1",
        type=THROWAWAY,
        title="",
        stem="Yes?",
        explanation="",
        tags=[],
        references=["R"],
    )
    registry.unregister(THROWAWAY)


def test_gift_offers_an_answer_block_to_the_registered_reader(throwaway) -> None:
    result = gift.parse("::T:: Yes? {?yes}\n\n::U:: Two? {=2}\n", "t.gift")
    [skipped] = result.skipped
    assert skipped.title == "T" and skipped.reason.startswith("gift hook: ")
    assert "stem" in skipped.reason and "key" in skipped.reason
    assert [q.key for q in result.questions] == ["u"]  # the real types still read theirs


def test_gift_export_writes_the_registered_lines(throwaway) -> None:
    out = gift.export([throwaway])
    assert out.skipped == [] and "[markdown]Yes?{\n    ?yes\n}" in out.data


def test_moodle_xml_finds_the_type_by_its_name(throwaway) -> None:
    xml = '<quiz><question type="zzyesno"><name><text>N</text></name></question></quiz>'
    [skipped] = moodle_xml.parse(xml, "t.xml").skipped
    assert skipped.reason.startswith("moodle hook: ")
    assert '<question type="zzyesno">' in moodle_xml.export([throwaway]).data


def test_qti_finds_the_type_by_its_interaction(throwaway) -> None:
    xml = (
        '<qti-assessment-item identifier="i1"><qti-response-declaration identifier="R" '
        'cardinality="single"><qti-correct-response><qti-value>y</qti-value>'
        "</qti-correct-response></qti-response-declaration><qti-item-body>"
        '<qti-zz-interaction response-identifier="R"/></qti-item-body></qti-assessment-item>'
    )
    [skipped] = qti.parse(xml, "t.xml").skipped
    assert skipped.reason.startswith("qti hook: ")
    out = qti.export([throwaway])
    with zipfile.ZipFile(io.BytesIO(out.data)) as archive:
        assert "<p/>" in archive.read("items/zz-1.xml").decode()


def test_without_the_type_its_names_are_unknown_again(throwaway) -> None:
    registry.unregister(THROWAWAY)
    xml = '<quiz><question type="zzyesno"><name><text>N</text></name></question></quiz>'
    [skipped] = moodle_xml.parse(xml, "t.xml").skipped
    assert skipped.reason == "question type 'zzyesno' has no equivalent"


def test_every_type_has_a_formats_facet_and_the_names_are_moodles() -> None:
    specs = {spec.id: spec for spec in registry.all_types()}
    names = {
        type_id: spec.formats["moodle-xml"].names
        for type_id, spec in specs.items()
        if "moodle-xml" in spec.formats
    }
    assert ("matching", "match") in names.values()  # writes "matching", reads both
    assert sum(n == ("multichoice",) for n in names.values()) == 2
