"""SCORM packages built in test code: manifests of SCORM 1.2 and 2004 (4th edition),
one or many SCOs, with or without a top folder, and a minimal SCO whose script finds
the runtime API and calls it (LMSInitialize/SetValue/Commit/Finish, or the 2004 names)."""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass, field

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd '
    'http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd '
    'http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd '
    'http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd '
    'http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd '
    'http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd '
    'http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"'
)

SCO_SCRIPT = r"""
(function () {
  function find(win) {
    for (var i = 0; win && i < 10; i++) {
      if (win.API_1484_11) { return { v: "2004", api: win.API_1484_11 }; }
      if (win.API) { return { v: "1.2", api: win.API }; }
      if (win === win.parent) { break; }
      win = win.parent;
    }
    return null;
  }
  var found = find(window);
  var out = document.getElementById("state");
  if (!found) { out.textContent = "no API"; return; }
  var api = found.api, v = found.v;
  var get = function (a, b) { return v === "2004" ? api.GetValue(b) : api.LMSGetValue(a); };
  var set = function (a, b, value) { return v === "2004" ? api.SetValue(b, value) : api.LMSSetValue(a, value); };
  var commit = function () { return v === "2004" ? api.Commit("") : api.LMSCommit(""); };
  (v === "2004" ? api.Initialize("") : api.LMSInitialize(""));
  var entry = get("cmi.core.entry", "cmi.entry");
  var suspend = get("cmi.suspend_data", "cmi.suspend_data");
  out.textContent = "ready " + v + " entry=" + entry + " suspend=" + suspend.length + " learner=" + get("cmi.core.student_name", "cmi.learner_name");
  document.body.dataset.suspendStart = suspend.slice(0, 20);
  set("cmi.core.lesson_status", "cmi.completion_status", "incomplete");
  window.scoSaveProgress = function (size) {
    var data = "";
    while (data.length < size) { data += "0123456789abcdef"; }
    set("cmi.suspend_data", "cmi.suspend_data", data.slice(0, size));
    set("cmi.core.exit", "cmi.exit", "suspend");
    set("cmi.core.lesson_location", "cmi.location", "page-3");
    return commit();
  };
  if (v === "2004") {
    document.body.dataset.canContinue = api.GetValue("adl.nav.request_valid.continue");
    document.body.dataset.canPrevious = api.GetValue("adl.nav.request_valid.previous");
  }
  // SCORM 2004 navigation: the SCO asks to go somewhere, then terminates.
  window.scoNavigate = function (request) {
    api.SetValue("adl.nav.request", request);
    api.SetValue("cmi.completion_status", "completed");
    api.SetValue("cmi.exit", "normal");
    return api.Terminate("");
  };
  window.scoQuiet = function (size) {
    var data = "";
    while (data.length < size) { data += "q"; }
    set("cmi.suspend_data", "cmi.suspend_data", data);
    set("cmi.core.exit", "cmi.exit", "suspend");
  };
  document.getElementById("finish").addEventListener("click", function () {
    if (v === "2004") {
      set("", "cmi.interactions.0.id", "q1");
      set("", "cmi.interactions.0.type", "choice");
      set("", "cmi.interactions.0.learner_response", "b");
      set("", "cmi.interactions.0.result", "correct");
      set("", "cmi.score.scaled", "0.85");
      set("", "cmi.score.raw", "85");
      set("", "cmi.completion_status", "completed");
      set("", "cmi.success_status", "passed");
      set("", "cmi.exit", "normal");
      set("", "cmi.session_time", "PT1M5S");
      api.Commit("");
      api.Terminate("");
    } else {
      api.LMSSetValue("cmi.interactions.0.id", "q1");
      api.LMSSetValue("cmi.interactions.0.type", "choice");
      api.LMSSetValue("cmi.interactions.0.student_response", "b");
      api.LMSSetValue("cmi.interactions.0.result", "correct");
      api.LMSSetValue("cmi.core.score.raw", "85");
      api.LMSSetValue("cmi.core.lesson_status", "passed");
      api.LMSSetValue("cmi.core.exit", "");
      api.LMSSetValue("cmi.core.session_time", "00:01:05");
      api.LMSCommit("");
      api.LMSFinish("");
    }
    out.textContent = "finished";
  });
})();
"""

SCO_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p id="state">loading</p><button id="finish" type="button">Finish</button>
<script src="{script}"></script></body></html>
"""


@dataclass
class Sco:
    identifier: str
    title: str
    href: str
    parameters: str = ""
    mastery: float | None = None
    hide: tuple[str, ...] = ()  # 2004: adlnav:hideLMSUI


@dataclass
class PackageSpec:
    version: str = "1.2"  # "1.2" or "2004"
    title: str = "Safety basics"
    scos: list[Sco] = field(default_factory=lambda: [Sco("item_1", "Introduction", "sco1/index.html")])
    top_folder: str | None = None
    extra_files: dict[str, bytes] = field(default_factory=dict)
    skip_files: tuple[str, ...] = ()
    manifest: str | None = None  # replaces the generated manifest
    control_mode: dict[str, bool] | None = None  # 2004: the organization's imsss:controlMode


def manifest_xml(spec: PackageSpec) -> str:
    is_2004 = spec.version == "2004"
    items, resources = [], []
    for index, sco in enumerate(spec.scos, 1):
        params = f' parameters="{sco.parameters}"' if sco.parameters else ""
        mastery = ""
        if sco.mastery is not None and not is_2004:
            mastery = f"<adlcp:masteryscore>{sco.mastery:g}</adlcp:masteryscore>"
        presentation = ""
        if sco.hide and is_2004:
            hidden = "".join(f"<adlnav:hideLMSUI>{h}</adlnav:hideLMSUI>" for h in sco.hide)
            presentation = f"<adlnav:presentation><adlnav:navigationInterface>{hidden}</adlnav:navigationInterface></adlnav:presentation>"
        items.append(
            f'<item identifier="{sco.identifier}" identifierref="res_{index}"{params}><title>{sco.title}</title>{mastery}{presentation}</item>'
        )
        type_attr = 'adlcp:scormType="sco"' if is_2004 else 'adlcp:scormtype="sco"'
        resources.append(
            f'<resource identifier="res_{index}" type="webcontent" {type_attr} href="{sco.href}">'
            f'<file href="{sco.href}"/></resource>'
        )
    schemaversion = "2004 4th Edition" if is_2004 else "1.2"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="pkg" version="1" {NS_2004 if is_2004 else NS_12}>'
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>"
        f'<organizations default="org"><organization identifier="org"><title>{spec.title}</title>'
        + "".join(items)
        + _sequencing(spec)
        + "</organization></organizations><resources>"
        + "".join(resources)
        + "</resources></manifest>"
    )


def _sequencing(spec: PackageSpec) -> str:
    if not spec.control_mode or spec.version != "2004":
        return ""
    names = {"choice": "choice", "flow": "flow", "forward_only": "forwardOnly"}
    attrs = " ".join(f'{names[k]}="{str(v).lower()}"' for k, v in spec.control_mode.items())
    return f"<imsss:sequencing><imsss:controlMode {attrs}/></imsss:sequencing>"


def build(spec: PackageSpec | None = None, **kwargs) -> bytes:
    spec = spec or PackageSpec(**kwargs)
    files: dict[str, bytes] = {"imsmanifest.xml": (spec.manifest or manifest_xml(spec)).encode()}
    for sco in spec.scos:
        depth = sco.href.count("/")
        files[sco.href] = SCO_PAGE.format(title=sco.title, script="../" * depth + "shared/sco.js").encode()
    files["shared/sco.js"] = SCO_SCRIPT.encode()
    files.update(spec.extra_files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            if name in spec.skip_files:
                continue
            archive.writestr((spec.top_folder + "/" if spec.top_folder else "") + name, data)
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A zip exactly as given (for the bad-package cases)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()
