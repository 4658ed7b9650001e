"""Certificates per second: the certificates plugin against a bare fpdf2 + qrcode script.

Both draw the same page (the plugin's default design) for the same certificates, each
with a Cyrillic learner name, with the same DejaVu Sans faces, in this one process:

* baseline: what a straightforward script does, one new ``FPDF`` per certificate with
  the full DejaVu TTFs added (fpdf2 parses them and subsets them again every time) and
  ``qrcode.make(url)`` as the QR image;
* plugin: ``lms_certificates.render.render_pdf``, whose faces are subset with fontTools
  and parsed once per process, and whose QR code is drawn from its matrix.

The two take turns, 20 certificates at a time, so other work on the machine slows both
alike; CPU time is shown too. The plugin's first certificate, which prepares the faces,
is timed on its own.
Goal: at least 4 times the baseline's rate, and PDFs under 50 KB.

    python -m bench.certificates [--count 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone

GOAL_RATIO = 4.0
GOAL_BYTES = 50 * 1024
FIRST_NAMES = ["Анна", "Борис", "Светлана", "Дмитрий", "Екатерина", "Юрий", "Жанна", "Фёдор", "Ольга", "Эдуард"]
PATRONYMICS = ["Сергеевна", "Ильич", "Петровна", "Алексеевич", "Викторовна", "Олегович", "Юрьевна", "Ефимович"]
SURNAMES = [
    "Кузнецова",
    "Щербаков",
    "Соловьёва",
    "Яковлев",
    "Жукова",
    "Хмельницкий",
    "Цветаева",
    "Чайковский",
    "Шевчук",
    "Ёлкина",
    "Гончаров",
    "Мельникова",
]


def certificates(count: int):
    """``count`` certificates as ``render_certificate`` receives them, names all different."""
    from lms_certificates import numbers, signing
    from lms_certificates.payloads import CertificateInfo, TemplateInfo

    design = TemplateInfo(
        "landscape", "#1f3a68", "#b08d2f", "#1d2430", "", "", "Иван Петров", "Директор школы", None, None, None, 1
    )
    when = datetime(2025, 11, 27, 12, 0, tzinfo=timezone.utc)
    result = []
    for i in range(count):
        name = (
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {PATRONYMICS[i // 10 % len(PATRONYMICS)]} "
            f"{SURNAMES[i // 80 % len(SURNAMES)]}"
        )
        number = numbers.generate()
        result.append(
            CertificateInfo(
                id=i + 1,
                number=number,
                learner_name=name,
                course_id=1,
                course_title="Основы астрономии: звёзды, планеты и галактики",
                issuer="Мария Смирнова",
                site_name="LMS",
                language="ru",
                completed_at=when,
                issued_at=when,
                expires_at=None,
                completed_on="27 ноября 2025\u202fг.",
                issued_on="27 ноября 2025\u202fг.",
                expires_on=None,
                verification_url=f"https://lms.example.org/certificates/verify/{number}?s={signing.sign(number)}",
                template=design,
            )
        )
    return result


def bare_script(info, labels) -> bytes:
    """The baseline: a new document with the full fonts and qrcode's image."""
    import qrcode

    from lms_certificates import fonts, render

    pdf = render.new_document(info)
    pdf.add_font(fonts.FAMILY, "", str(fonts.DEFAULT_FACES["regular"]))
    pdf.add_font(fonts.FAMILY, "B", str(fonts.DEFAULT_FACES["bold"]))
    render.draw_page(pdf, info, labels, qrcode.make(info.verification_url).get_image())
    return bytes(pdf.output())


class Contender:
    def __init__(self, label, function):
        self.label, self.function = label, function
        self.wall = self.cpu = 0.0
        self.sizes: list[int] = []

    def run(self, items) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.sizes.extend(len(self.function(item)) for item in items)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


def race(contenders, items, chunk: int = 20) -> None:
    """Both contenders take turns over the same certificates, a chunk at a time, so a
    machine busy with other work slows both alike."""
    for start in range(0, len(items), chunk):
        for contender in contenders:
            contender.run(items[start : start + chunk])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="certificates per contender (default 1000)")
    args = parser.parse_args(argv)

    from flask_babel import force_locale

    from lms_core.app import create_app
    from lms_certificates import render

    instance = tempfile.mkdtemp(prefix="bench-certificates-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "LMS_PLUGINS": "certificates",
            "SECRET_KEY": "bench",
            "LMS_PLUGINS_STRICT": True,
        },
        instance_path=instance,
    )
    with app.app_context():
        items = certificates(args.count + 1)
        with force_locale("ru"):
            labels = render.labels()

        first_wall = time.perf_counter()
        render.render_pdf(items[-1])  # prepares the faces: once per process
        first_ms = (time.perf_counter() - first_wall) * 1000
        bare = Contender("bare fpdf2 + qrcode", lambda info: bare_script(info, labels))
        plugin = Contender("certificates plugin", render.render_pdf)
        race([bare, plugin], items[: args.count])

    n = args.count
    print(f"{n} certificates each, Cyrillic names, DejaVu Sans, A4 with a QR code")
    print(f"{'':22} {'ms/cert':>8} {'cert/s':>8} {'CPU ms/cert':>12} {'PDF KB avg':>11} {'PDF KB max':>11}")
    for contender in (bare, plugin):
        print(
            f"{contender.label:22} {contender.wall / n * 1000:8.1f} {n / contender.wall:8.1f} "
            f"{contender.cpu / n * 1000:12.1f} {statistics.mean(contender.sizes) / 1024:11.1f} "
            f"{max(contender.sizes) / 1024:11.1f}"
        )
    ratio, cpu_ratio = bare.wall / plugin.wall, bare.cpu / plugin.cpu
    print(f"plugin's first certificate (prepares the faces): {first_ms:.0f} ms")
    print(f"ratio: {ratio:.1f}x faster (CPU time: {cpu_ratio:.1f}x); goal {GOAL_RATIO:.0f}x")
    print(f"largest plugin PDF: {max(plugin.sizes) / 1024:.1f} KB; goal under {GOAL_BYTES // 1024} KB")
    met = ratio >= GOAL_RATIO and max(plugin.sizes) < GOAL_BYTES
    print("goal met" if met else "GOAL MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
