"""The pages in French and Spanish: no English left in what the pages themselves word.

Each page is fetched through the real app (TestClient) after choosing the language with the header's
form. The text of navigation, headings, buttons, labels, table headers, options and paragraphs must be
made only of the catalog's translations, the vocabularies' labels and the page's data (codes,
numbers, file names): whatever is left over is a string that was not wrapped for translation or not
translated. Messages that come from the services (error texts, import problems' reasons) are English
by design and are not looked at (``p.error``, table cells).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from tests.web.conftest import CHILDREN, csrf_of, login

# The elements whose words the page itself chooses (cells hold data, and are left out).
WORDED = {"title", "h1", "h2", "h3", "button", "th", "dt", "label", "legend", "summary", "option", "p", "a", "li"}
# Their texts are data or deliberately not translated (language names are written in their own language).
SKIPPED_SELECTS = {"country", "language", "saved_profile", "report_language"}
NUMERIC_PLACEHOLDERS = {"num", "n", "bad", "read", "stored", "new", "changed", "same", "first", "last", "mb", "size"}
BAD_CSV = ("code,name,country,latitude,longitude,minerals\n"
           "IMP1,Upload one,CD,-2.5,28.8,gold\nIMP3,Upload three,CD,not-a-number,28.7,gold\n")
EXPECTED = {  # a few words each page must show, so that the check cannot pass on an empty page
    "fr": {"/": ("Carte des sites", "Tableau de bord", "Déconnexion"), "/sites": ("Appliquer", "Trier par"),
           "/admin/users": ("Ajouter un utilisateur", "Agent de terrain"), "/imports/new": ("Sites miniers",),
           "report": ("Vérification avant importation", "Lignes lues", "Gravité"),
           "/account/tokens": ("Créer un jeton",), "/account/password": ("Mot de passe actuel",),
           "/login": ("Connexion",), "site": ("Titres miniers où se trouve le site", "Visites"),
           "/labour": ("Constats de travail des enfants", "Affectations en cours le"),
           "/labour/indicators": ("Enfants identifiés", "Suivis en retard"), "/pay": ("Contrôle", "Prix minimum Fairmined"),
           "/cases": ("Dossiers de travail des enfants",), "case": ("Actions de remédiation", "Clôturer le dossier"),
           "/cases/new": ("Ouvrir le dossier", "Origine du dossier"),
           "/water": ("Eau, sédiments et sol", "Dépassements OMS au dernier échantillon"),
           "point": ("Point de prélèvement", "si elle est bue", "sous la limite de détection"),
           "site-water": ("Amont et aval", "Valeur guide"), "water-import": ("Non importé", "Problèmes"),
           "/mercury": ("Situation de référence du mercure", "Pires pratiques"),
           "/reports": ("Signalements et plaintes",), "grievance": ("Ce qui a été signalé",),
           "public": ("Suivre un signalement",), "transparency": ("Mécanisme de plainte",)},
    "es": {"/": ("Mapa de sitios", "Panel", "Cerrar sesión"), "/sites": ("Aplicar", "Ordenar por"),
           "/admin/users": ("Agregar un usuario", "Técnico de campo"), "/imports/new": ("Sitios mineros",),
           "report": ("Revisión antes de importar", "Filas leídas", "Gravedad"),
           "/account/tokens": ("Crear un token",), "/account/password": ("Contraseña actual",),
           "/login": ("Iniciar sesión",), "site": ("Títulos mineros donde se encuentra el sitio", "Visitas"),
           "/labour": ("Hallazgos de trabajo infantil", "Asignaciones vigentes el"),
           "/labour/indicators": ("Niños identificados", "Seguimientos atrasados"), "/pay": ("Verificación", "Precio mínimo Fairmined"),
           "/cases": ("Casos de trabajo infantil",), "case": ("Acciones de remediación", "Cerrar el caso"),
           "/cases/new": ("Abrir el caso", "Origen del caso"),
           "/water": ("Agua, sedimentos y suelo", "Excedencias OMS en la última muestra"),
           "point": ("Punto de muestreo", "si se usa para beber", "Bajo el límite de detección"),
           "site-water": ("Aguas arriba y aguas abajo", "Valor guía"), "water-import": ("No importado", "Problemas"),
           "/mercury": ("Línea de base del mercurio", "Peores prácticas"),
           "/reports": ("Denuncias y quejas",), "grievance": ("Lo que se denunció",),
           "public": ("Consultar una denuncia",), "transparency": ("Mecanismo de quejas",)},
}


class _Worded(HTMLParser):
    """Collects (tag, text) of the WORDED elements; text goes to the innermost one."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, parts, skip]
        self.found: list[tuple[str, str]] = []
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select" and a.get("id") in SKIPPED_SELECTS:
            self.skip_depth += 1
        if tag in ("script", "style", "td", "code", "strong") or (tag == "p" and "error" in (a.get("class") or "")) \
                or (tag == "a" and (a.get("href") or "").startswith("/sites/")) or (tag == "span" and "who" in (a.get("class") or "")):
            self.stack.append([tag, [], True])
        elif tag in WORDED:
            self.stack.append([tag, [], self.skip_depth > 0])
        for name in ("aria-label", "title", "alt", "placeholder"):
            if a.get(name):
                self.found.append((f"{tag}[{name}]", a[name]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                name, parts, skip = self.stack.pop(i)
                if not skip and "".join(parts).strip():
                    # Only ASCII white space is folded: translations keep their no-break spaces.
                    self.found.append((name, re.sub(r"[ \t\r\n]+", " ", "".join(parts)).strip()))
                break
        if tag == "select" and self.skip_depth:
            self.skip_depth -= 1

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][1].append(data)


@functools.lru_cache(maxsize=None)
def _known_words(lang: str) -> re.Pattern:
    """One pattern matching any translation of the catalog (placeholders as data) or vocabulary label."""
    from minewatch.kit.vocab import VOCABULARIES
    from minewatch.web.i18n import translations

    texts = set()
    for msgid, msgstr in translations(lang)._catalog.items():
        if not msgid:
            continue
        texts.add(msgstr)
    texts |= {entry.label(lang) for vocab in VOCABULARIES.values() for entry in vocab}
    alternatives = []
    for text in sorted(texts, key=len, reverse=True):
        parts = re.split(r"%\((\w+)\)s", text)
        pattern = "".join(re.escape(p) if i % 2 == 0 else (r"[\d\s.,\u00a0\u202f]+?" if p in NUMERIC_PLACEHOLDERS else ".+?")
                          for i, p in enumerate(parts))
        alternatives.append(pattern)
    return re.compile("|".join(alternatives))


def _leftovers(html: str, lang: str, data: set[str]) -> list[tuple[str, str, list[str]]]:
    parser = _Worded()
    parser.feed(html)
    known = _known_words(lang)
    out = []
    for tag, text in parser.found:
        rest = text
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        rest = re.sub(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", " ", rest)  # stable codes (not_a_coordinate) are data
        rest = known.sub(" ", rest)
        words = [w for w in re.findall(r"[^\W\d_]{2,}", rest) if w != "minewatch"]
        if words:
            out.append((tag, text, words))
    return out


def _check(html: str, lang: str, page: str, data: set[str] = frozenset()) -> None:
    assert f'<html lang="{lang}">' in html, page
    left = _leftovers(html, lang, set(data))
    assert not left, f"{page} ({lang}): words not translated:\n" + "\n".join(map(repr, left))
    for expected in EXPECTED[lang].get(page, ()):
        assert expected in html, f"{page} ({lang}): {expected!r} not shown"


def _choose(client, lang: str) -> None:
    page = client.get("/")
    r = client.post("/language", data={"csrf_token": csrf_of(page.text), "language": lang, "next": "/"})
    assert r.status_code == 303


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_pages_show_no_english(web, lang):
    from minewatch.sites.orm import Site, SiteIndicator, SiteVisit

    client = web.client()
    assert login(client, web.email("alpha", "admin")).status_code == 303
    _choose(client, lang)
    org = web.actors["alpha"].org_id
    with web.app.uow() as uow:
        code, name = uow.session.execute(
            sa.select(Site.code, Site.name).join(SiteIndicator, SiteIndicator.site_id == Site.id)
            .where(Site.org_id == org).order_by(SiteIndicator.visit_count.desc(), Site.code)).first()

    for path in ("/", "/?indicator=workers_count", "/sites", "/sites?sort=workers&indicator=mercury_used",
                 "/admin/users", "/imports/new", "/account/tokens", "/account/password", "/calc",
                 "/labour", "/labour?visits=all", "/labour/indicators", "/labour/indicators?view=shared&by=district",
                 "/pay", "/cases"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        _check(r.text, lang, path.split("?")[0])

    site = client.get(f"/sites/{code}")
    assert site.status_code == 200
    _check(site.text, lang, "site", {code, name or code})

    # The child-protection officer's pages: the worklist, the seeded case and its forms, the form to open a case.
    officer = web.client()
    assert login(officer, web.email("alpha", "child_protection_officer")).status_code == 303
    _choose(officer, lang)
    case_id = web.cases["alpha"]
    child = CHILDREN["alpha"]
    with web.app.uow() as uow:
        case_site = uow.session.scalar(sa.select(Site.code).join(SiteVisit, SiteVisit.site_id == Site.id)
                                       .where(SiteVisit.org_id == org).order_by(SiteVisit.id))
    case_data = {case_site, child["name"], child["guardian"], child["birth_date"], f"#{case_id}"}
    for path, page in (("/cases", "/cases"), (f"/cases/{case_id}", "case"), ("/cases/new", "/cases/new"),
                       ("/labour", "/labour"), ("/labour/indicators", "/labour/indicators")):
        r = officer.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        _check(r.text, lang, page, case_data)

    form = client.get("/imports/new")
    r = client.post("/imports", data={"csrf_token": csrf_of(form.text), "kind": "sites"},
                    files={"file": ("sites.csv", BAD_CSV.encode(), "text/csv")})
    assert r.status_code == 303
    report = client.get(r.headers["location"])
    _check(report.text, lang, "report", {"sites.csv"})

    # Issue 6, the pollution pages (data: point and site codes, the site's name).
    from minewatch.mercury.service import add_practice

    with web.app.uow() as uow:
        add_practice(uow, actor=web.actors["alpha"], site_code="alpha00001", practice="whole_ore_amalgamation",
                     observed_on=dt.date(2024, 3, 1))
    with web.app.uow() as uow:
        water_site = uow.session.scalar(sa.select(Site.name).where(Site.org_id == org, Site.code == "alpha00001"))
    water_data = {"alpha-UP1", "alpha-DN1", "alpha-SD1", "alpha00001", water_site or "alpha00001"}
    for path, page in (("/water", "/water"), ("/water?medium=river", "/water"), ("/water/points/alpha-DN1", "point"),
                       ("/water/points/alpha-SD1?guidelines=ccme-soil-residential", "point"),
                       ("/sites/alpha00001/water", "site-water"), ("/mercury", "/mercury"),
                       ("/mercury?level=site", "/mercury")):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        _check(r.text, lang, page, water_data)
    form = client.get("/water")
    r = client.post("/water/import", data={"csrf_token": csrf_of(form.text), "profile": "long", "dry_run": "yes"},
                    files={"file": ("lab.csv", b"point,sampled_at,parameter,value,unit,medium\n"
                                    b"X-1,2024-05-01,arsenic,0.5,mg/furlong,river\n", "text/csv")})
    assert r.status_code == 422
    _check(r.text, lang, "water-import", {"lab.csv"})

    # Issue 7, the grievance pages (data: case number, site code, the report's text, the organisation's name)
    # and the public ones (intake form, number and PIN, status check, transparency page).
    from minewatch.grievances.service import submit_report
    from minewatch.sites.publication import publish_grievances

    with web.app.uow() as uow:
        g = submit_report(uow, org_id=org, channel="web", category="child_labour", text="grievance-text-i18n",
                          language="en", site_code="alpha00001")
    with web.app.uow() as uow:
        publish_grievances(uow, actor=web.actors["alpha"], publish=True)
    with web.app.uow() as uow:
        all_codes = set(uow.session.scalars(sa.select(Site.code).where(Site.org_id == org)))
        all_codes |= {d for d in uow.session.scalars(sa.select(Site.admin2).where(Site.org_id == org)) if d}
    g_data = {g.case_number, "grievance-text-i18n", "Alpha", *all_codes}
    for who, path, page in ((client, "/reports", "/reports"), (client, f"/reports/{g.case_number}", "grievance"),
                            (officer, f"/reports/{g.case_number}", "grievance"), (client, "/report/alpha", "public"),
                            (client, "/report/alpha/status", "public"),
                            (client, "/public/alpha/grievances", "transparency")):
        r = who.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        _check(r.text, lang, page, g_data)
    form = client.get("/report/alpha")
    r = client.post("/report/alpha", data={"csrf_token": csrf_of(form.text), "category": "other", "text": "x"})
    assert r.status_code == 200
    _check(r.text, lang, "public", g_data | set(re.findall(r"<strong>([^<]+)</strong>", r.text)))

    missing = client.get("/sites/no-such-site")
    assert missing.status_code == 404
    _check(missing.text, lang, "404")
    assert {"fr": "Introuvable", "es": "No encontrado"}[lang] in missing.text

    # The password page words its own error (the two new passwords differ) in the language too.
    page = client.get("/account/password")
    r = client.post("/account/password", data={"csrf_token": csrf_of(page.text), "current": "x",
                                               "new": "abcdefghijk", "confirm": "abcdefghijz"})
    assert r.status_code == 422
    assert {"fr": "les deux nouveaux mots de passe sont différents",
            "es": "las dos contraseñas nuevas no coinciden"}[lang] in r.text

    # Logged out, the language cookie keeps the choice on the login form.
    page = client.get("/")
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    login_page = client.get("/login")
    _check(login_page.text, lang, "/login")


def test_english_catalog_words_are_not_left_on_the_french_dashboard_by_the_checker_itself(web):
    # The checker finds English: an English page, read as if it were French, has words left over.
    client = web.client()
    assert login(client, web.email("alpha", "admin")).status_code == 303
    html = client.get("/").text.replace('<html lang="en">', '<html lang="fr">')
    left = _leftovers(html, "fr", set())
    words = {w for _, _, ws in left for w in ws}
    assert {"Dashboard", "Colour", "Workers"} <= words
