"""``render_certificate`` is firstresult and the plugin's design answers last: an
institution's own plugin replaces it, and a broken one does not stop certificates."""

from fpdf import FPDF
from pypdf import PdfReader
from io import BytesIO

from lms_core import db, hookimpl
from lms_core.models import PluginError
from lms_certificates import storage
from lms_certificates.payloads import CertificateInfo


def register(app, name, function):
    import types

    module = types.ModuleType(f"institution_{name}")
    module.render_certificate = function
    plugins = app.extensions["lms_plugins"]
    plugins.register(module, name=name)
    plugins.forget_enabled_state()


def test_an_institutions_plugin_draws_the_certificates_instead(app, graduation):
    received = []

    @hookimpl
    def render_certificate(certificate):
        received.append(certificate)
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=20)
        pdf.cell(0, 10, f"Northwind Academy {certificate.number}")
        return bytes(pdf.output())

    register(app, "northwind", render_certificate)
    student, _ = graduation.complete(graduation.course(title="Astronomy"), name="Anna Kuznetsova")

    [certificate] = graduation.certificates(student.id)
    [info] = received
    assert isinstance(info, CertificateInfo)
    assert (info.number, info.learner_name, info.course_title) == (certificate.number, "Anna Kuznetsova", "Astronomy")
    assert info.verification_url.startswith(f"http://localhost/certificates/verify/{certificate.number}?s=")
    stored = (storage.root() / certificate.pdf_path).read_bytes()
    assert PdfReader(BytesIO(stored)).pages[0].extract_text().strip() == f"Northwind Academy {certificate.number}"


def test_a_broken_replacement_is_logged_and_the_plugins_own_design_is_used(app, graduation):
    @hookimpl
    def render_certificate(certificate):
        raise RuntimeError("the template server is down")

    register(app, "broken_design", render_certificate)
    student, _ = graduation.complete(graduation.course(title="Astronomy"))

    [certificate] = graduation.certificates(student.id)
    text = PdfReader(BytesIO((storage.root() / certificate.pdf_path).read_bytes())).pages[0].extract_text()
    assert "CERTIFICATE OF COMPLETION" in text and certificate.number in text
    error = db.session.execute(db.select(PluginError).where(PluginError.plugin == "broken_design")).scalar_one()
    assert error.hook == "render_certificate" and "template server is down" in error.message
