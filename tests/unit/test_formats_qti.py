"""QTI 3.0 import: the third-party items, hotspot shapes, packages and garbage."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.banks.formats import qti
from app.banks.schema import QuestionType

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "qti3"
SAMPLES = sorted(FIXTURES.glob("*.xml"))
NS = 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"'


def load(name: str):
    return qti.parse((FIXTURES / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_imports_or_says_why(path: Path) -> None:
    result = qti.parse(path.read_text(encoding="utf-8"), path.name)
    assert not result.errors, result.problems
    assert len(result.questions) + len(result.skipped) == 1
    for s in result.skipped:
        assert s.reason and s.source_id.startswith(f"{path.name}:")


def test_single_choice_match_correct() -> None:
    q = load("q2-choice-interaction-single-sv-1.xml").questions[0]
    assert q.type == QuestionType.SINGLE_CHOICE and q.key == "q2-choice-interaction-single-sv-1"
    assert q.title == "Choice Interaction - Single (SV 1)"
    assert [o.correct for o in q.options] == [True, False, False]
    assert q.stem.startswith("Look at the text in the picture.") and "<img" in q.stem
    assert q.stem.endswith("What does it say?")


def test_map_response_positive_mapping_is_the_key() -> None:
    result = load("i9b-response-processing-fixed-template-map-response-identifier.xml")
    q = result.questions[0]
    assert q.type == QuestionType.MULTIPLE_RESPONSE
    assert [o.id for o in q.options if o.correct] == ["choice_a", "choice_b", "choice_c"]
    assert any("unequal mapped values" in w for w in result.warnings)


def test_unsupported_items_are_skipped() -> None:
    assert "inline choice" in load("inline-choice-1.xml").skipped[0].reason
    assert "3 interactions" in load("q2-choice-interaction-multiple-sv-4d.xml").skipped[0].reason


HOTSPOT = f"""<qti-assessment-item {NS} identifier="HS 1" title="Thorax">
<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
<qti-correct-response><qti-value>A</qti-value></qti-correct-response></qti-response-declaration>
<qti-item-body><p>Click the pleura.</p>
<qti-hotspot-interaction response-identifier="RESPONSE" max-choices="1">
<img src="images/thorax.png" alt="Posterior thorax" width="200" height="100"/>
<qti-hotspot-choice identifier="A" shape="rect" coords="20,10,60,50" hotspot-label="Space"/>
<qti-hotspot-choice identifier="B" shape="circle" coords="100,50,20"/>
<qti-hotspot-choice identifier="C" shape="poly" coords="0,0,200,0,200,100,0,0"/>
</qti-hotspot-interaction></qti-item-body>
<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>"""


def test_hotspot_shapes_are_normalised() -> None:
    q = qti.parse(HOTSPOT, "hs.xml").questions[0]
    assert q.type == QuestionType.HOTSPOT and q.key == "hs-1"
    assert q.image == "images/thorax.png" and q.image_alt == "Posterior thorax"
    a, b, c = q.regions
    assert a.correct and a.label == "Space"
    assert a.points == [(0.1, 0.1), (0.3, 0.1), (0.3, 0.5), (0.1, 0.5)]
    assert len(b.points) == 16 and not b.correct
    assert b.points[0] == pytest.approx((0.6, 0.5))
    assert c.points == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]


ORDER_MATCH = f"""<wrapper>
<qti-assessment-item {NS} identifier="order-1">
<qti-response-declaration identifier="RESPONSE" cardinality="ordered" base-type="identifier">
<qti-correct-response><qti-value>B</qti-value><qti-value>A</qti-value></qti-correct-response>
</qti-response-declaration><qti-item-body>
<qti-order-interaction response-identifier="RESPONSE"><qti-prompt>Order them.</qti-prompt>
<qti-simple-choice identifier="A">Second</qti-simple-choice>
<qti-simple-choice identifier="B">First</qti-simple-choice></qti-order-interaction>
</qti-item-body></qti-assessment-item>
<qti-assessment-item {NS} identifier="match-1">
<qti-response-declaration identifier="RESPONSE" cardinality="multiple" base-type="directedPair">
<qti-correct-response><qti-value>P1 M1</qti-value><qti-value>P2 M1</qti-value>
</qti-correct-response></qti-response-declaration><qti-item-body>
<qti-match-interaction response-identifier="RESPONSE"><qti-prompt>Match.</qti-prompt>
<qti-simple-match-set>
<qti-simple-associable-choice identifier="P1">Trapezius</qti-simple-associable-choice>

<qti-simple-associable-choice identifier="P2">Levator</qti-simple-associable-choice>
</qti-simple-match-set>
<qti-simple-match-set>
<qti-simple-associable-choice identifier="M1">Neck</qti-simple-associable-choice>

<qti-simple-associable-choice identifier="M2">Foot</qti-simple-associable-choice>
</qti-simple-match-set>
</qti-match-interaction></qti-item-body></qti-assessment-item>
<qti-assessment-item {NS} identifier="te-1">
<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string">
<qti-correct-response><qti-value>LTR</qti-value></qti-correct-response>
<qti-mapping default-value="0"><qti-map-entry map-key="LTR" mapped-value="1"/>
<qti-map-entry map-key="local twitch response" mapped-value="1" case-sensitive="false"/>
<qti-map-entry map-key="twitch" mapped-value="0.5"/></qti-mapping>
</qti-response-declaration><qti-item-body>
<p>The <qti-text-entry-interaction response-identifier="RESPONSE"/> is a brief contraction.</p>
</qti-item-body>
<qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/map_response.xml"/>
</qti-assessment-item>
<qti-assessment-item {NS} identifier="essay-1"><qti-response-declaration identifier="RESPONSE"
 cardinality="single" base-type="string"/><qti-item-body>
<qti-extended-text-interaction response-identifier="RESPONSE"/></qti-item-body>
</qti-assessment-item>
</wrapper>"""


def test_multi_item_document() -> None:
    result = qti.parse(ORDER_MATCH, "many.xml")
    qs = {q.key: q for q in result.questions}
    assert qs["order-1"].items == ["First", "Second"]
    m = qs["match-1"]
    assert [(p.premise, p.answer) for p in m.pairs] == [("Trapezius", "Neck"), ("Levator", "Neck")]
    assert m.distractors == ["Foot"]
    te = qs["te-1"]
    assert te.type == QuestionType.SHORT_ANSWER and te.stem == "The _____ is a brief contraction."
    assert te.answers == ["LTR", "local twitch response"] and te.case_sensitive is False
    assert any("twitch" in w for w in result.warnings)
    assert "essay" in result.skipped[0].reason


def test_zip_package() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "imsmanifest.xml",
            '<manifest><resources><resource href="b.xml"/>'
            '<resource href="a.xml"/></resources></manifest>',
        )
        z.writestr("a.xml", HOTSPOT)
        z.writestr("b.xml", (FIXTURES / "q2-choice-interaction-single-sv-1.xml").read_text())
    result = qti.parse(buffer.getvalue(), "pkg.zip")
    assert [q.key for q in result.questions] == ["q2-choice-interaction-single-sv-1", "hs-1"]
    assert result.questions[0].references == ["Imported from pkg.zip"]


def test_refuses_entities_and_reports_bad_xml() -> None:
    assert "DOCTYPE" in qti.parse('<!DOCTYPE x [<!ENTITY a "b">]><x/>', "e.xml").problems[0]
    assert qti.parse("<qti-assessment-item>", "b.xml").problems[0].startswith("b.xml:1:")
    assert "not a readable zip" in qti.parse(b"PK\x03\x04garbage", "z.zip").problems[0]


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("<>/=\"' qti-choeablsmpnrdv0123456789")), max_size=300)
)
def test_garbage_never_raises(text: str) -> None:
    qti.parse(text, "g.xml")
    qti.parse(
        f"<qti-assessment-item {NS}><qti-item-body>{text}</qti-item-body></qti-assessment-item>",
        "g.xml",
    )


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_binary_garbage_never_raises(data: bytes) -> None:
    qti.parse(data, "g.xml")
    qti.parse(b"PK\x03\x04" + data, "g.zip")
