"""The page frame, sign-in and join, the error pages and staff accounts, in Spanish.

A reader whose browser asks for Spanish (or who chose it) gets the frame, the forms and their
messages in Spanish, the 503 page too when the database is down, and a wait that reads right.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from tests.factories import PASSWORD, make_teacher

FRAGMENT = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"  # the one catalog
SPANISH_BROWSER = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
# The files this fragment translates.
FILES = [
    "templates/base.html",
    "templates/_macros.html",
    "templates/error.html",
    "templates/errors/unavailable.html",
    "templates/auth/join.html",
    "templates/auth/join_another.html",
    "templates/auth/login.html",
    "templates/teach/new_teacher.html",
    "templates/teach/staff.html",
    "student_portal/__init__.py",
    "student_portal/access.py",
    "student_portal/auth/__init__.py",
    "student_portal/auth/forms.py",
    "student_portal/cohorts.py",
    "student_portal/forms.py",
    "student_portal/throttling.py",
]


def _compile(folder: Path) -> Path:
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    compiled = folder / "translations" / "es" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    with open(compiled / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return folder / "translations"


@pytest.fixture
def spanish_app(make_app, school_in, tmp_path):
    """The app with a Spanish catalog compiled from this area's translations."""
    app = make_app(TRANSLATIONS_DIR=str(_compile(tmp_path)))
    return app, school_in(app)


def test_every_message_of_the_frame_and_sign_in_has_a_spanish_translation(tmp_path):
    template = tmp_path / "base.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            "translations/babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "-o",
            str(template),
            *FILES,
        ],
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
    )
    with open(template, "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with open(FRAGMENT, "rb") as handle:
        translated = {
            message.id
            for message in read_po(handle, locale="es")
            if message.id and message.string and all(message.string) and not message.fuzzy
        }
    assert wanted - translated == set()


def test_a_spanish_browser_gets_the_sign_in_page_and_the_frame_in_spanish(spanish_app):
    app, _school = spanish_app
    page = app.test_client().get("/sign-in", headers=SPANISH_BROWSER).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "<h1>Iniciar sesión</h1>" in page
    assert "Ir al contenido" in page and "Salida rápida" in page
    assert "(o presiona Escape dos veces)" in page
    assert "Pedir ayuda" in page and "Unirte con un código" in page
    assert "¿Estás en peligro ahora?" in page and "Llama al 911" in page
    assert "Nombre de usuario" in page and "Contraseña" in page
    assert "Sign in" not in page and "Quick exit" not in page
    assert 'lang="en">English</button>' in page  # the way back to English


def test_a_wrong_password_and_a_bad_join_code_are_explained_in_spanish(spanish_app):
    app, _school = spanish_app
    client = app.test_client()
    wrong = client.post(
        "/sign-in",
        data={"username": "student-one", "password": "not-it-at-all"},
        headers=SPANISH_BROWSER,
    ).get_data(as_text=True)
    assert "Ese nombre de usuario y esa contraseña no coinciden." in wrong
    assert 'value="student-one"' in wrong  # what was typed is kept

    unknown_code = client.post(
        "/join",
        data={
            "join_code": "ZZZZZZ",
            "username": "arce-zorro-12",
            "password": "secret-pass-1",
            "confirm": "secret-pass-1",
        },
        headers=SPANISH_BROWSER,
    ).get_data(as_text=True)
    assert "No encontramos un grupo con ese código. Revísalo con tu maestro o maestra." in (
        unknown_code
    )

    joining = client.post(
        "/join",
        data={"join_code": "ZZZZZZ", "username": "Ñandú", "password": "abc", "confirm": "abd"},
        headers=SPANISH_BROWSER,
    ).get_data(as_text=True)
    assert "letras de la a a la z (sin acentos ni ñ)" in joining
    assert "Debe tener al menos 8 caracteres." in joining
    assert "Las dos contraseñas no coinciden." in joining
    assert 'value="ZZZZZZ"' in joining


def test_a_student_who_joins_in_spanish_is_welcomed_in_spanish(spanish_app):
    app, school = spanish_app
    client = app.test_client()
    client.post("/language", data={"language": "es", "next": "/"})
    response = client.post(
        "/join",
        data={
            "join_code": school["join_code"],
            "username": "arce-zorro-12",
            "password": "secret-pass-1",
            "confirm": "secret-pass-1",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "¡Te damos la bienvenida! Te uniste a Period 3." in page
    assert "Listo:" in page and "Cerrar sesión" in page and "Mi progreso" in page


def test_too_many_tries_says_when_to_try_again_in_spanish(spanish_app):
    app, _school = spanish_app
    client = app.test_client()
    for n in range(10):
        client.post(
            "/sign-in",
            data={"username": "student-one", "password": f"guess-{n}"},
            headers=SPANISH_BROWSER,
        )
    response = client.post(
        "/sign-in", data={"username": "student-one", "password": PASSWORD}, headers=SPANISH_BROWSER
    )
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Hubo demasiados intentos de iniciar sesión." in page
    assert "Por favor, vuelve a intentarlo en 5 minutos." in page
    assert "Espera un poco:" in page


def test_the_wait_reads_right_in_both_languages(spanish_app):
    from student_portal.throttling import when_to_try_again

    app, _school = spanish_app
    with app.test_request_context(headers=SPANISH_BROWSER):
        assert when_to_try_again(30) == "en más o menos un minuto"
        assert when_to_try_again(5 * 60) == "en 5 minutos"
        assert when_to_try_again(3 * 3600) == "en 3 horas"
    with app.test_request_context():
        assert when_to_try_again(30) == "in about a minute"
        assert when_to_try_again(5 * 60) == "in 5 minutes"
        assert when_to_try_again(3600 * 2) == "in 2 hours"


def test_a_missing_page_is_explained_in_spanish(spanish_app):
    app, _school = spanish_app
    response = app.test_client().get("/no-such-page", headers=SPANISH_BROWSER)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<h1>No encontramos esa página</h1>" in page and "Error 404" in page
    assert "Ir a la página de inicio" in page


def test_an_admin_manages_staff_accounts_in_spanish(spanish_app):
    app, _school = spanish_app
    with app.app_context():
        make_teacher("admin-a", role="admin")
    admin = app.test_client()
    admin.post("/sign-in", data={"username": "admin-a", "password": PASSWORD})
    admin.post("/language", data={"language": "es", "next": "/"})

    staff = admin.get("/teach/teachers/").get_data(as_text=True)
    assert "<h1>Cuentas del personal</h1>" in staff and "Desactivar" in staff
    assert "Usted" in staff  # the admin's own row

    form = admin.get("/teach/teachers/new").get_data(as_text=True)
    assert "Nombre que ven los estudiantes" in form and "Crear la cuenta de docente" in form
    created = admin.post(
        "/teach/teachers/new",
        data={
            "username": "ms-rivera",
            "display_name": "Ms Rivera",
            "email": "",
            "password": "secret-pass-1",
            "confirm": "secret-pass-1",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Se creó la cuenta de docente “ms-rivera”." in created


def test_a_spanish_browser_gets_the_spanish_503_page_when_the_database_is_down(
    make_app, school_in, tmp_path
):
    folder = tmp_path / "data"
    folder.mkdir()
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.db'}",
        TRANSLATIONS_DIR=str(_compile(tmp_path)),
    )
    school_in(app)
    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    visitor = app.test_client()
    chose_spanish = app.test_client()  # an English browser, Spanish chosen on the switch
    chose_spanish.post("/language", data={"language": "es", "next": "/"})

    folder.rename(tmp_path / "moved")  # the database is gone
    with app.app_context():
        db.engine.dispose()
    # Signed in (the user loader is what fails) and signed out, the page is in Spanish.
    for response in (
        student.get("/learn/", headers=SPANISH_BROWSER),
        visitor.post(
            "/sign-in",
            data={"username": "student-two", "password": PASSWORD},
            headers=SPANISH_BROWSER,
        ),
        chose_spanish.post(
            "/sign-in",
            data={"username": "student-two", "password": PASSWORD},
            headers={"Accept-Language": "en-US,en"},
        ),
    ):
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert '<html lang="es">' in page
        assert "<h1>No podemos abrir tu trabajo en este momento</h1>" in page
        assert "Si estás en peligro ahora mismo, llama al 911." in page
        assert "Salida rápida" in page and "Cerrar sesión" not in page
        assert 'href="tel:18004224453"' in page  # the help numbers are still there
    (tmp_path / "moved").rename(folder)
