"""Reading ``imsmanifest.xml``: the SCORM version, the default organization's items in
order, and for each launchable item its resource's launch file.

Parsed with lxml without entities, DTDs or network access (a manifest is untrusted
input). Elements are matched by local name: real exports mix namespace versions.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import unquote

from flask_babel import gettext as _
from lxml import etree

from lms_core import ServiceError


@dataclass
class ManifestItem:
    identifier: str
    title: str
    launch: str  # path in the package (decoded, normalised), no query
    parameters: str  # the query string to launch it with (may be empty)
    is_sco: bool
    mastery_score: float | None = None
    launch_data: str = ""
    # How the learner may move from and to it (see navigation.py): its parent's
    # controlMode and the LMS controls the item hides.
    navigation: dict = field(default_factory=dict)


@dataclass
class Manifest:
    version: str  # "1.2", "2004 2nd", "2004 3rd", "2004 4th"
    title: str
    items: list[ManifestItem] = field(default_factory=list)

    @property
    def is_2004(self) -> bool:
        return self.version.startswith("2004")


def refuse(code: str, message: str) -> ServiceError:
    return ServiceError(code, message, 400, {"package": message})


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def _local(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def _children(element, name: str):
    return [child for child in element if _local(child) == name]


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _attr(element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace (``adlcp:scormtype``,
    ``adlcp:scormType``, ``xml:base``)."""
    for key, value in element.attrib.items():
        if etree.QName(key).localname.lower() == name.lower():
            return value
    return None


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def detect_version(root) -> str:
    metadata = _child(root, "metadata")
    schemaversion = _text(_child(metadata, "schemaversion")) if metadata is not None else ""
    value = schemaversion.lower()
    if "4th" in value:
        return "2004 4th"
    if "3rd" in value:
        return "2004 3rd"
    if value in ("cam 1.3", "2004 2nd edition", "1.3") or "2nd" in value:
        return "2004 2nd"
    if value.startswith("1.2"):
        return "1.2"
    namespaces = " ".join(ns or "" for ns in root.nsmap.values()).lower()
    if "adlcp_v1p3" in namespaces or "imscp_v1p1" in namespaces:
        return "2004 3rd"
    if "adlcp_rootv1p2" in namespaces or "imscp_rootv1p1p2" in namespaces:
        return "1.2"
    raise refuse(
        "scorm_version_unknown",
        _("The manifest does not say which SCORM version it is (1.2 or 2004): this is not a SCORM package."),
    )


def _join(base: str, href: str) -> str:
    href = unquote(href.split("#", 1)[0])
    return posixpath.normpath(posixpath.join(base, href))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def parse(data: bytes) -> Manifest:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise refuse(
            "manifest_broken", _("imsmanifest.xml is not well-formed XML: %(error)s", error=str(error)[:200])
        ) from None
    if _local(root) != "manifest":
        raise refuse("manifest_broken", _("imsmanifest.xml does not hold a <manifest> element."))
    version = detect_version(root)
    manifest_base = _attr(root, "base") or ""
    resources_element = _child(root, "resources")
    resources = {}
    if resources_element is not None:
        resources_base = posixpath.join(manifest_base, _attr(resources_element, "base") or "")
        for resource in _children(resources_element, "resource"):
            identifier = _attr(resource, "identifier")
            if identifier:
                resources[identifier] = (resource, posixpath.join(resources_base, _attr(resource, "base") or ""))

    organizations = _child(root, "organizations")
    orgs = _children(organizations, "organization") if organizations is not None else []
    if not orgs:
        raise refuse("manifest_no_organization", _("The manifest has no organization: there is nothing to launch."))
    default_id = _attr(organizations, "default")
    organization = next((o for o in orgs if _attr(o, "identifier") == default_id), orgs[0])
    manifest = Manifest(version=version, title=_text(_child(organization, "title")) or _("Untitled package"))

    is_2004 = version.startswith("2004")

    def walk(parent):
        controls = _control_mode(parent) if is_2004 else dict(NAVIGATION_12)
        for item in _children(parent, "item"):
            if (_attr(item, "isvisible") or "true").lower() == "false":
                continue
            ref = _attr(item, "identifierref")
            if ref:
                if ref not in resources:
                    raise refuse(
                        "manifest_broken",
                        _(
                            "The item “%(item)s” refers to a resource “%(ref)s” the manifest does not have.",
                            item=_attr(item, "identifier") or "",
                            ref=ref,
                        ),
                    )
                resource, base = resources[ref]
                href = _attr(resource, "href")
                if href:
                    scorm_type = (_attr(resource, "scormtype") or "").lower()
                    parameters = (_attr(item, "parameters") or "").lstrip("?&")
                    mastery = _number(_text(_child(item, "masteryscore")))
                    if mastery is None and version.startswith("2004"):
                        mastery = _minimum_measure(item)
                    data_from_lms = _child(item, "dataFromLMS") or _child(item, "datafromlms")
                    manifest.items.append(
                        ManifestItem(
                            identifier=_attr(item, "identifier") or ref,
                            title=(_text(_child(item, "title")) or ref)[:200],
                            launch=_join(base, href),
                            parameters=parameters,
                            is_sco=scorm_type == "sco",
                            mastery_score=mastery,
                            launch_data=_text(data_from_lms),
                            navigation={**controls, "hide": _hidden_controls(item) if is_2004 else []},
                        )
                    )
            walk(item)

    walk(organization)
    if not manifest.items:
        raise refuse("manifest_no_items", _("The manifest's organization has no item to launch."))
    return manifest


def _minimum_measure(item) -> float | None:
    """SCORM 2004: the primary objective's ``minNormalizedMeasure`` when it is satisfied
    by measure (the scaled passing score)."""
    sequencing = _child(item, "sequencing")
    objectives = _child(sequencing, "objectives") if sequencing is not None else None
    primary = _child(objectives, "primaryObjective") if objectives is not None else None
    if primary is None or (_attr(primary, "satisfiedByMeasure") or "false").lower() != "true":
        return None
    return _number(_text(_child(primary, "minNormalizedMeasure")) or "1.0")


# SCORM 1.2 has no sequencing: the learner moves freely between SCOs (as LMSs do).
NAVIGATION_12 = {"choice": True, "flow": True, "forward_only": False}
HIDEABLE = ("previous", "continue", "exit", "exitAll", "abandon", "abandonAll", "suspendAll")


def _flag(element, name: str, default: bool) -> bool:
    """An ``xs:boolean`` attribute: "true" or "1", "false" or "0"; missing or anything
    else, the default."""
    value = _attr(element, name) if element is not None else None
    value = (value or "").strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    return default


def _control_mode(parent) -> dict:
    """SCORM 2004: the ``imsss:controlMode`` of a cluster (the organization or a parent
    item) rules how its children are reached; the defaults are the spec's (choice
    yes, flow no). A ``sequencing`` that only refers to a shared collection (``IDRef``)
    is read as the defaults."""
    sequencing = _child(parent, "sequencing")
    mode = _child(sequencing, "controlMode") if sequencing is not None else None
    return {
        "choice": _flag(mode, "choice", True),
        "flow": _flag(mode, "flow", False),
        "forward_only": _flag(mode, "forwardOnly", False),
    }


def _hidden_controls(item) -> list[str]:
    """``adlnav:presentation/navigationInterface/hideLMSUI``: the LMS controls the
    item asks the player not to show."""
    presentation = _child(item, "presentation")
    interface = _child(presentation, "navigationInterface") if presentation is not None else None
    if interface is None:
        return []
    hidden = [_text(h) for h in _children(interface, "hideLMSUI")]
    return [h for h in HIDEABLE if h in hidden]
