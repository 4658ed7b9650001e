"""Moving between the SCOs of a multi-SCO SCORM 2004 package: the manifest's
controlMode (choice, flow, forwardOnly) and hidden LMS controls, the navigation
requests a SCO sets (adl.nav.request), and the player's previous / next / contents."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import upload
from scorm_builders import PackageSpec, Sco, build, manifest_xml

from lms_core import db
from lms_scorm_xapi.scorm import manifest, navigation
from lms_scorm_xapi.scorm.models import ScormAttempt, ScormPackage

THREE = [Sco("a", "One", "a/index.html"), Sco("b", "Two", "b/index.html"), Sco("c", "Three", "c/index.html")]


def scos(choice=True, flow=False, forward_only=False, hide=()):
    nav = {"choice": choice, "flow": flow, "forward_only": forward_only, "hide": list(hide)}
    return [SimpleNamespace(identifier=i, position=n, active=True, navigation=nav, id=n) for n, i in enumerate("abc")]


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("continue", ("continue", None)),
        ("{target=b}choice", ("choice", "b")),
        ("{target=c}jump", ("jump", "c")),
        ("suspendAll", ("suspendAll", None)),
        ("_none_", ("_none_", None)),
        ("choice", ("invalid", None)),
        ("{target=b}continue", ("invalid", None)),
        ("launch everything", ("invalid", None)),
    ],
)
def test_navigation_requests_are_read_as_scorm_writes_them(value, parsed):
    assert navigation.parse_request(value) == parsed


def test_flow_moves_in_the_manifest_order_and_leaves_at_the_end():
    a, b, c = items = scos(flow=True)
    assert navigation.resolve(a, items, "continue").target is b
    assert navigation.resolve(b, items, "previous").target is a
    assert navigation.resolve(c, items, "continue").leave  # past the last SCO: back to the course
    assert navigation.resolve(a, items, "previous").refused == "no_previous"
    assert navigation.request_valid(a, items) == {"continue": "true", "previous": "false"}


def test_without_flow_only_choice_moves_and_without_choice_only_jump():
    a, b, c = items = scos(choice=True, flow=False)
    assert navigation.resolve(a, items, "continue").refused == "flow_disabled"
    assert navigation.resolve(a, items, "{target=c}choice").target is c
    assert navigation.resolve(a, items, "{target=zz}choice").refused == "unknown_target"
    a, b, c = items = scos(choice=False, flow=True, forward_only=True)
    assert navigation.resolve(a, items, "{target=c}choice").refused == "choice_disabled"
    assert navigation.resolve(a, items, "{target=c}jump").refused == "choice_disabled"  # not a way around it
    assert navigation.resolve(b, items, "previous").refused == "forward_only"
    a, b, c = items = scos(choice=True, flow=True, forward_only=True)
    for kind in ("choice", "jump"):
        assert navigation.resolve(b, items, f"{{target=a}}{kind}").refused == "forward_only"
        assert navigation.resolve(b, items, f"{{target=c}}{kind}").target is c
    assert navigation.available(b, items).toc == [b, c]  # no way back offered either
    for leaving in ("exit", "exitAll", "abandon", "abandonAll", "suspendAll"):
        assert navigation.resolve(b, items, leaving).leave


def test_the_player_offers_only_the_controls_the_manifest_allows():
    a, b, c = items = scos(choice=True, flow=True)
    found = navigation.available(b, items)
    assert (found.previous, found.next, found.toc) == (a, c, [a, b, c])
    hiding = scos(choice=False, flow=True, hide=("previous",))
    found = navigation.available(hiding[1], hiding)
    assert (found.previous, found.next is not None, found.toc) == (None, True, [])
    assert navigation.available(a, items[:1]).toc == []  # one SCO: no navigation at all


def test_the_manifest_gives_each_sco_its_clusters_control_mode_and_hidden_controls():
    xml = manifest_xml(PackageSpec(version="2004", scos=THREE, control_mode={"choice": False, "flow": True}))
    cluster = (
        '<item identifier="cluster"><title>Part 2</title>'
        '<item identifier="d" identifierref="res_1"><title>Four</title>'
        "<adlnav:presentation><adlnav:navigationInterface><adlnav:hideLMSUI>previous</adlnav:hideLMSUI>"
        "</adlnav:navigationInterface></adlnav:presentation></item>"
        '<imsss:sequencing><imsss:controlMode choice="true" flow="true" forwardOnly="true"/></imsss:sequencing></item>'
    )
    xml = xml.replace("<imsss:sequencing>", cluster + "<imsss:sequencing>", 1)
    parsed = {item.identifier: item.navigation for item in manifest.parse(xml.encode()).items}
    assert parsed["a"] == {"choice": False, "flow": True, "forward_only": False, "hide": []}
    assert parsed["d"] == {"choice": True, "flow": True, "forward_only": True, "hide": ["previous"]}
    # xs:boolean: "1" and "0" are true and false as well.
    numeric = xml.replace('choice="true" flow="true" forwardOnly="true"', 'choice="0" flow="1" forwardOnly="1"')
    parsed = {item.identifier: item.navigation for item in manifest.parse(numeric.encode()).items}
    assert parsed["d"] == {"choice": False, "flow": True, "forward_only": True, "hide": ["previous"]}
    plain = manifest.parse(manifest_xml(PackageSpec(version="2004", scos=THREE)).encode()).items[0]
    assert plain.navigation == {"choice": True, "flow": False, "forward_only": False, "hide": []}  # the spec's defaults
    old = manifest.parse(manifest_xml(PackageSpec(version="1.2", scos=THREE)).encode()).items[0]
    assert (old.navigation["choice"], old.navigation["flow"]) == (True, True)  # 1.2: free movement


@pytest.fixture
def flow_only(client, login, scorm_course):
    """A 2004 package of three SCOs that moves by flow only (no choice)."""
    teacher, course, learner = scorm_course
    login(client, teacher)
    spec = PackageSpec(version="2004", scos=THREE, control_mode={"choice": False, "flow": True})
    assert upload(client, f"/scorm/courses/{course.id}/packages", build(spec)).status_code == 303
    package = db.session.execute(db.select(ScormPackage)).scalar_one()
    login(client, learner)
    return package, course


def test_a_learner_moves_on_by_the_scos_requests_and_the_players_next(client, flow_only):
    package, course = flow_only
    one, two, three = package.scos
    page = client.get(f"/scorm/scos/{one.id}").get_data(as_text=True)
    assert f'id="scorm-next" href="/scorm/scos/{two.id}"' in page
    assert "scorm-previous" not in page and "scorm-toc" not in page  # first SCO; no choice
    answer = client.get(f"/scorm/scos/{one.id}/navigate?request=continue")
    assert (answer.status_code, answer.location) == (303, f"/scorm/scos/{two.id}")
    assert client.get(f"/scorm/scos/{two.id}/navigate?request=previous").location == f"/scorm/scos/{one.id}"
    refused = client.get(f"/scorm/scos/{one.id}/navigate?request={{target=c}}choice", follow_redirects=True)
    assert refused.status_code == 200 and "does not let you choose that activity" in refused.get_data(as_text=True)
    jumped = client.get(f"/scorm/scos/{one.id}/navigate?request={{target=c}}jump")
    assert (jumped.status_code, jumped.location) == (303, f"/scorm/scos/{one.id}")
    assert "does not let you choose that activity" in client.get(jumped.location).get_data(as_text=True)
    assert client.get(f"/scorm/scos/{three.id}/navigate?request=continue").location == f"/courses/{course.slug}"
    assert client.get(f"/scorm/scos/{two.id}/navigate?request=exitAll").location == f"/courses/{course.slug}"
    bad = client.get(f"/scorm/scos/{two.id}/navigate?request=%3Cscript%3E", follow_redirects=True)
    assert bad.status_code == 200 and "does not know" in bad.get_data(as_text=True)
    assert db.session.execute(db.select(ScormAttempt)).first() is None  # moving stores nothing


def test_the_runtime_tells_the_sco_which_requests_are_valid(client, flow_only):
    import re

    package, _course = flow_only
    page = client.get(f"/scorm/scos/{package.scos[2].id}").get_data(as_text=True)
    token = re.search(r"/scorm/run/([^/]+)/", page).group(1)
    assert client.get(f"/scorm/runtime/{token}/state").get_json()["navigation"] == {
        "continue": "false",
        "previous": "true",
    }


def test_in_russian_the_players_controls_are_translated(client, login, scorm_course, factory):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    spec = PackageSpec(version="2004", scos=THREE, control_mode={"choice": True, "flow": True})
    upload(client, f"/scorm/courses/{course.id}/packages", build(spec))
    package = db.session.execute(db.select(ScormPackage)).scalar_one()
    russian = factory.user(name="Ира Иванова", locale="ru")
    factory.enrol(russian, course)
    login(client, russian)
    page = client.get(f"/scorm/scos/{package.scos[1].id}").get_data(as_text=True)
    assert "Содержание" in page and "Назад" in page and "Вперёд" in page
