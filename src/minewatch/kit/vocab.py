"""Controlled vocabularies with synonyms in English, French, Spanish and Portuguese.

A :class:`Vocabulary` turns a free-text answer ("Cassitérite", " OURO ", "Usage du mercure") into a
canonical key. Matching ignores case, accents, whitespace and punctuation (see :func:`fold`). A value
that matches nothing gives ``key="other"`` with ``matched=False`` and keeps the raw text, so an
importer can store it as "other" *and* say what it was. A blank value gives ``None``: blank means
"not recorded", which is not the same as "other".

Every vocabulary is a module-level constant built from literals (no I/O) and is registered in
:data:`VOCABULARIES`. Entries carry labels in en/fr/es for the UI and may carry data attributes
(``hazardous`` tasks, ``is_3t`` minerals, ``is_artisanal_zone`` title types); the rules that use
those attributes live elsewhere.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "LANGUAGES",
    "Entry",
    "Term",
    "Vocabulary",
    "fold",
    "MINERALS",
    "TASKS",
    "MINING_METHODS",
    "LIFECYCLE_STATUS",
    "LEGAL_STATUS",
    "LOCATION_ORIGIN",
    "SEX",
    "MEMBERSHIP_ROLES",
    "TITLE_TYPES",
    "QUALIFICATION",
    "NON_ANSWERS",
    "VOCABULARIES",
]

LANGUAGES = ("en", "fr", "es")
OTHER = "other"

# Letters that NFKD does not split into a base letter plus accent.
_LETTERS = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d"}
)
# Separators between several values in one cell: first punctuation and brackets, then, inside a part
# that still matches nothing, the words for "and" (so "Sécher et séparer les minerais" stays whole).
_SPLIT_MARKS = re.compile(r"\s*[,;/|+&()\[\]]\s*")
_SPLIT_WORDS = re.compile(r"\s+(?:et|and|y|e)\s+", re.IGNORECASE)


def fold(text: str) -> str:
    """Fold text for matching: no accents, case-folded, punctuation as spaces, single spaces.

    >>> fold("  Cassitérite ")
    'cassiterite'
    >>> fold("GPS(village Kiloza)")
    'gps village kiloza'
    >>> fold("Cœur d'Or")
    'coeur d or'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    chars = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category == "Mn":  # combining accent
            continue
        chars.append(" " if category[0] in "PSZC" else ch)
    return " ".join("".join(chars).casefold().split())


@dataclass(frozen=True, slots=True)
class Term:
    """The result of normalizing one raw value."""

    key: str
    matched: bool
    raw: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One canonical term: a key, UI labels in en/fr/es, synonyms and data attributes."""

    key: str
    en: str
    fr: str
    es: str
    synonyms: tuple[str, ...] = ()
    attributes: Mapping[str, object] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (en, fr or es); English when the language is not kept."""
        return getattr(self, lang) if lang in LANGUAGES else self.en

    def spellings(self) -> tuple[str, ...]:
        """Every spelling that names this entry: the key, the labels and the synonyms."""
        return (self.key, self.key.replace("_", " "), self.en, self.fr, self.es, *self.synonyms)


def _e(key: str, en: str, fr: str, es: str, *synonyms: str, **attributes: object) -> Entry:
    return Entry(key, en, fr, es, synonyms, attributes)


_OTHER_ENTRY = _e(OTHER, "Other", "Autre", "Otro", "autres", "otros", "otra", "outro", "outra", "outros",
"others")


class Vocabulary:
    """A named set of entries with a folded synonym index; unknown values map to ``"other"``.

    Construction fails if two entries claim the same folded spelling, so a clash between, say, a
    French and a Spanish synonym is found by importing the module, not by a wrong import months later.
    """

    def __init__(self, name: str, entries: Iterable[Entry], *, fillers: Iterable[str] = ()):
        self.name = name
        items = list(entries)
        if not any(entry.key == OTHER for entry in items):
            items.append(_OTHER_ENTRY)
        self._entries: dict[str, Entry] = {}
        self._index: dict[str, str] = {}
        for entry in items:
            if entry.key in self._entries:
                raise ValueError(f"vocabulary {name!r}: key {entry.key!r} defined twice")
            self._entries[entry.key] = entry
            for spelling in entry.spellings():
                folded = fold(spelling)
                if not folded:
                    continue
                owner = self._index.setdefault(folded, entry.key)
                if owner != entry.key:
                    raise ValueError(
                        f"vocabulary {name!r}: {spelling!r} is claimed by both {owner!r} and {entry.key!r}"
                    )
        # Words that mean nothing on their own inside a multi-valued cell ("Minerais mixtes (A/B)").
        self._fillers = frozenset(fold(f) for f in fillers)
        # A vocabulary never changes and files repeat the same answers over thousands of rows, so
        # each distinct spelling is folded and looked up once (Terms are immutable, safe to share).
        self._term_of = functools.lru_cache(maxsize=4096)(self._lookup)

    def __repr__(self) -> str:
        return f"Vocabulary({self.name!r}, {len(self._entries)} entries)"

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def keys(self) -> tuple[str, ...]:
        """The canonical keys, in definition order (``"other"`` last unless defined earlier)."""
        return tuple(self._entries)

    def entry(self, key: str) -> Entry:
        """The entry for ``key``; KeyError if the key is not in this vocabulary."""
        return self._entries[key]

    def label(self, key: str, lang: str = "en") -> str:
        """The UI label of ``key`` in ``lang``."""
        return self._entries[key].label(lang)

    def keys_where(self, attribute: str, value: object = True) -> frozenset[str]:
        """Keys whose entry has ``attribute`` equal to ``value`` (e.g. hazardous tasks)."""
        return frozenset(e.key for e in self._entries.values() if e.attributes.get(attribute) == value)

    def normalize(self, raw: str | None) -> Term | None:
        """Map one raw value to a :class:`Term`; ``None`` for a blank value (not recorded)."""
        if raw is None or not raw.strip():
            return None
        return self._term_of(raw)

    def _lookup(self, raw: str) -> Term:
        key = self._index.get(fold(raw))
        if key is None:
            return Term(OTHER, False, raw)
        return Term(key, True, raw)

    def normalize_many(self, raw: str | None) -> tuple[Term, ...]:
        """Map a cell that may hold several values ("Creuser, Lavage", "Or et Coltan").

        The whole cell is tried first, so a synonym that contains a separator still matches.
        Otherwise the cell is split on , ; / | + & ( ) [ ]; a part that still matches nothing is
        split again on the words et/and/y/e if that makes at least one piece match. Parts that are
        only filler words of this vocabulary
        ("Minerais mixtes") are dropped; unmatched parts come back as ``"other"`` with their text.
        """
        whole = self.normalize(raw)
        if whole is None or whole.matched:
            return () if whole is None else (whole,)
        terms: list[Term] = []
        for part in _SPLIT_MARKS.split(whole.raw):
            term = self._normalize_part(part)
            if term is not None and not term.matched:
                pieces = [self._normalize_part(p) for p in _SPLIT_WORDS.split(part)]
                if len(pieces) > 1 and any(p is not None and p.matched for p in pieces):
                    terms.extend(p for p in pieces if p is not None)
                    continue
            if term is not None:
                terms.append(term)
        return tuple(terms) if terms else (whole,)

    def _normalize_part(self, part: str) -> Term | None:
        if fold(part) in self._fillers:
            return None
        return self.normalize(part.strip())


# --- Minerals ---------------------------------------------------------------------------------------
# ``is_3t``: tin, tantalum and tungsten ores (the OECD / Dodd-Frank "3T"). "3T" itself is a group,
# not a mineral, so it is deliberately not a synonym of anything.
MINERALS = Vocabulary(
    "minerals",
    [
        _e("gold", "Gold", "Or", "Oro", "ouro", "au", "gold ore", "minerai d or", "or alluvionnaire",
           "poudre d or"),
        _e("cassiterite", "Cassiterite (tin ore)", "Cassitérite (minerai d'étain)",
           "Casiterita (mena de estaño)", "cassiterite", "cassitérite", "casiterita", "cassiterita", "tin",
           "tin ore", "etain", "étain", "estaño", "estanho", "sn", is_3t=True),
        _e("coltan", "Coltan (tantalum ore)", "Coltan (minerai de tantale)", "Coltán (mena de tantalio)",
           "coltan", "coltán", "columbo tantalite", "colombo tantalite", "columbite tantalite",
           "colombo-tantalite", "tantalite", "tantalum", "tantale", "tántalo", "tantalio", "tântalo", "ta",
           is_3t=True),
        _e("wolframite", "Wolframite (tungsten ore)", "Wolframite (minerai de tungstène)",
           "Wolframita (mena de wolframio)", "wolframite", "wolframita", "tungsten", "tungstène", "tungsteno",
           "tungstênio", "wolfram", "wolframio", "volfrâmio", "scheelite", "scheelita", "w", is_3t=True),
        _e("copper", "Copper", "Cuivre", "Cobre", "malachite", "malaquita", "chalcopyrite", "calcopirita",
           "digenite", "digénite", "digenita", "chalcocite", "calcocita", "cu"),
        _e("cobalt", "Cobalt", "Cobalt", "Cobalto", "heterogenite", "hétérogénite", "heterogenita", "co"),
        _e("diamond", "Diamond", "Diamant", "Diamante", "diamants", "diamantes", "diamonds"),
        _e("tourmaline", "Tourmaline", "Tourmaline", "Turmalina"),
        _e("amethyst", "Amethyst", "Améthyste", "Amatista", "ametista"),
        _e("sapphire", "Sapphire", "Saphir", "Zafiro", "safira"),
        _e("emerald", "Emerald", "Émeraude", "Esmeralda"),
        _e("ruby", "Ruby", "Rubis", "Rubí", "rubi"),
        _e("jade", "Jade", "Jade", "Jade", "jadeite", "jadéite", "jadeíta", "nephrite", "néphrite"),
        _e("monazite", "Monazite", "Monazite", "Monacita", "monazita"),
        _e("lithium", "Lithium (spodumene)", "Lithium (spodumène)", "Litio (espodumena)", "lithium", "litio",
           "lítio", "spodumene", "spodumène", "espodumena", "espodumênio", "lepidolite", "lépidolite",
           "lepidolita", "li"),
        _e("manganese", "Manganese", "Manganèse", "Manganeso", "manganês", "pyrolusite", "pirolusita", "mn"),
        _e("iron", "Iron", "Fer", "Hierro", "ferro", "minerai de fer", "iron ore", "hematite", "hématite",
           "hematita", "magnetite", "magnétite", "magnetita", "fe"),
        _e("silver", "Silver", "Argent", "Plata", "prata", "ag"),
        _e("zinc", "Zinc", "Zinc", "Zinc", "zinco", "sphalerite", "sphalérite", "esfalerita", "blende", "zn"),
        _e("lead", "Lead", "Plomb", "Plomo", "chumbo", "galena", "galène", "galene", "pb"),
        _e("bauxite", "Bauxite", "Bauxite", "Bauxita", "aluminium", "aluminum", "aluminio", "alumínio"),
        _e("chromite", "Chromite", "Chromite", "Cromita", "chrome", "chromium", "cromo"),
        _e("mica", "Mica", "Mica", "Mica", "muscovite", "moscovita", "muscovita"),
        _e("sand_gravel", "Sand and gravel", "Sable et gravier", "Arena y grava", "sand", "gravel", "sable",
           "gravier", "graviers", "arena", "grava", "areia", "cascalho", "areia e cascalho", "sand & gravel"),
        _e("limestone", "Limestone", "Calcaire", "Caliza", "calcário", "calcario", "pierre calcaire"),
        _e("gemstones", "Gemstones", "Pierres précieuses", "Piedras preciosas", "gemstone", "gems", "gemmes",
           "pierres fines", "pierres semi précieuses", "piedras semipreciosas", "gemas", "pedras preciosas",
           "pedras semipreciosas", "precious stones"),
        # Beyond the core list: real IPIS values that name a distinct, known commodity.
        _e("niobium", "Niobium (pyrochlore)", "Niobium (pyrochlore)", "Niobio (pirocloro)", "niobium",
           "niobio",
           "nióbio", "pyrochlore", "pirocloro", "columbite", "colombite", "columbita", "nb"),
        _e("titanium", "Titanium", "Titane", "Titanio", "titanium", "titane", "titânio", "rutile", "rutilo",
           "ilmenite", "ilménite", "ilmenita"),
        _e("zircon", "Zircon", "Zircon", "Circón", "zirconio", "zirconium", "zircão", "zirconita"),
        _e("quartz", "Quartz", "Quartz", "Cuarzo", "quartzo"),
        _e("coal", "Coal", "Charbon", "Carbón", "carvão", "houille", "charbon de terre"),
        _e("arsenic", "Arsenic (arsenopyrite)", "Arsenic (arsénopyrite)", "Arsénico (arsenopirita)",
           "arsenopyrite", "arsénopyrite", "arsenopirita", "mispickel", "arsénico", "arsênio"),
    ],
    fillers=("minerais mixtes", "minerai mixte", "mixed ores", "mixed minerals", "minerales mixtos",
             "minérios mistos", "minerais", "minerai", "etc"),
)

# --- Tasks ------------------------------------------------------------------------------------------
# ``hazardous`` follows ILO Recommendation No. 190 (2000), paragraph 3, which Convention No. 182
# art. 3(d) refers to: work underground or under water (3b), dangerous tools or heavy loads (3c),
# hazardous substances (3d). It is data for screening, not a legal finding.
TASKS = Vocabulary(
    "tasks",
    [
        _e("digging", "Digging", "Creusage", "Excavación", "creuser", "creuseur", "creuseurs",
           "creuser à ciel ouvert",
           "excavation", "excaver", "excavar", "cavar", "escavar", "escavação", "garimpeiro", "garimpeiros",
           "dig",
           hazardous=True, hazard_basis="ILO R190 3(c): dangerous tools, pit collapse"),
        _e("underground_work", "Underground work", "Travail souterrain", "Trabajo subterráneo",
           "creuser sous terre", "travail sous terre", "creuser dans des puits ou galeries",
           "descendre dans les puits",
           "underground", "souterrain", "trabajo en socavón", "trabalho subterrâneo", "subterrâneo",
           hazardous=True, hazard_basis="ILO R190 3(b): work underground"),
        _e("washing", "Washing", "Lavage", "Lavado", "laver", "laveur", "laveuse", "laver l or",
           "laver les minerais",
           "lavar", "lavagem", "wash", hazardous=False),
        _e("crushing", "Crushing and grinding", "Concassage et broyage", "Trituración y molienda",
           "concassage",
           "concasser", "broyage", "broyer", "pilage", "piler", "crushing", "grinding", "milling",
           "trituración",
           "triturar", "moler", "molienda", "britagem", "moagem", "moer",
           hazardous=True, hazard_basis="ILO R190 3(c)-(d): heavy tools, silica dust"),
        _e("amalgamation", "Mercury amalgamation", "Amalgamation au mercure", "Amalgamación con mercurio",
           "usage du mercure", "utilisation du mercure", "utiliser le mercure", "amalgamation", "amalgame",
           "mercure",
           "bruler l amalgame", "amalgamación", "uso de mercurio", "mercurio", "quemar la amalgama",
           "amalgamação", "uso de mercúrio", "mercúrio", "queima do amálgama", "mercury use", "mercury",
           hazardous=True, hazard_basis="ILO R190 3(d): hazardous substance (mercury)"),
        _e("cyanidation", "Cyanide leaching", "Cyanuration", "Cianuración", "cyanuration", "cyanure",
           "lixiviation au cyanure", "cianuro", "lixiviación con cianuro", "cianetação", "cianeto", "cyanide",
           "cyanidation", hazardous=True, hazard_basis="ILO R190 3(d): hazardous substance (cyanide)"),
        _e("transport", "Carrying loads", "Transport de charges", "Transporte de cargas", "transport",
           "transporter", "transport des minerais", "transport du minerai", "transport des sables", "porteur",
           "portage", "transportar", "transporte", "cargador", "carregar", "carregador", "carrying",
           "hauling",
           hazardous=True, hazard_basis="ILO R190 3(c): manual transport of heavy loads"),
        _e("trading", "Mineral trading", "Négoce de minerais", "Comercio de minerales", "négociant",
           "négociants",
           "négoce", "commerce de minerais", "vendre", "vente", "vente de l or", "vente des minerais",
           "acheteur",
           "comerciante", "comercio", "vender", "venta", "compra y venta", "comprador", "comércio", "venda",
           "trading", "trader", "buying and selling"),
        _e("sorting", "Sorting", "Triage", "Selección", "trier", "tri", "trieur", "sélection", "séparer",
           "sécher et séparer les minerais", "clasificar", "clasificación", "escoger", "separar", "triagem",
           "catar", "catação", "sorting", "hand picking"),
        _e("panning", "Panning", "Batéage", "Bateo", "batée", "batéer", "orpaillage à la batée", "batea",
           "batear",
           "bateia", "bateiar", "panning", "gold panning"),
        _e("diving", "Diving and dredging", "Plongée et dragage", "Buceo y dragado", "plongeur", "plongeurs",
           "plongée", "plonger", "dragueur", "dragage", "buzo", "bucear", "buceo", "dragado", "mergulhador",
           "mergulho", "mergulhar", "dragagem", "diving", "diver", "dredging",
           hazardous=True, hazard_basis="ILO R190 3(b): work under water"),
        _e("tailings_reprocessing", "Reprocessing tailings", "Retraitement des rejets",
           "Reprocesamiento de relaves",
           "traiter les déchets", "traitement des déchets", "traitement des rejets", "relavage", "relaver",
           "relaves", "reprocesar relaves", "rejeitos", "retratamento de rejeitos", "tailings",
           "tailings reprocessing"),
        _e("cooking", "Cooking and food selling", "Cuisine et vente de nourriture",
           "Cocina y venta de comida",
           "restauration", "cuisine", "cuisiner", "cuisinent pour les creuseurs", "préparer la nourriture",
           "préparer la nourriture aux creuseurs", "préparer la nourriture pour les creuseurs",
           "vente de nourriture",
           "cocinar", "cocinera", "venta de comida", "cozinhar", "cozinheira", "venda de comida",
           "food selling",
           "food", "restaurant"),
        _e("security", "Security", "Sécurité", "Seguridad", "gardien", "gardiennage", "garde", "sentinelle",
           "guardia", "vigilante", "vigilancia", "segurança", "guarda", "vigia", "guard"),
    ],
)

# --- Mining methods ---------------------------------------------------------------------------------
MINING_METHODS = Vocabulary(
    "mining_methods",
    [
        _e("alluvial", "Alluvial", "Alluvionnaire", "Aluvial", "alluvial", "alluvions",
           "exploitation alluviale",
           "alluvionnaire", "placer", "aluvión", "aluvião", "aluvionar"),
        _e("open_pit", "Open pit", "À ciel ouvert", "A cielo abierto", "ciel ouvert",
           "carrière à ciel ouvert",
           "open cast", "opencast", "open pit mine", "tajo abierto", "cielo abierto", "céu aberto",
           "a céu aberto",
           "cava"),
        _e("underground_shaft", "Underground (shafts)", "Souterrain (puits)", "Subterráneo (pozos)",
           "underground",
           "shaft", "shafts", "puits", "souterrain", "pozo", "pozos", "subterráneo", "poço", "poços",
           "subterrâneo"),
        _e("hard_rock_tunnel", "Hard rock (tunnels)", "Roche dure (galeries)", "Roca dura (túneles)",
           "hard rock",
           "tunnel", "tunnels", "galerie", "galeries", "filon", "filonien", "primaire", "túnel", "socavón",
           "galería", "veta", "roca dura", "filão", "galeria", "rocha dura"),
        _e("dredging", "Dredging", "Dragage", "Dragado", "drague", "dragues", "dredge", "draga", "dragas",
           "dragagem", "balsa", "balsas"),
    ],
)

# --- Site lifecycle, legal status -------------------------------------------------------------------
LIFECYCLE_STATUS = Vocabulary(
    "lifecycle_status",
    [
        _e("prospect", "Prospect", "Prospection", "Prospección", "prospect", "prospection", "exploration",
           "en prospection", "prospecto", "exploración", "prospecção", "exploração mineral"),
        _e("active", "Active", "Actif", "Activo", "actif", "active", "en activité", "en exploitation",
           "ativo",
           "operating", "en operación", "em operação"),
        _e("suspended", "Suspended", "Suspendu", "Suspendido", "suspendu", "suspendue",
           "activités suspendues",
           "activités minières suspendues", "suspensión", "suspenso", "paralisado", "suspended"),
        _e("closed", "Closed", "Fermé", "Cerrado", "fermé", "fermée", "abandonné", "abandonnée", "abandoned",
           "cerrada", "abandonado", "fechado", "closed"),
        _e("rehabilitating", "Being rehabilitated", "En réhabilitation", "En rehabilitación",
           "rehabilitating",
           "en cours de réhabilitation", "en restauration", "em reabilitação", "em recuperação"),
        _e("rehabilitated", "Rehabilitated", "Réhabilité", "Rehabilitado", "réhabilitée", "restauré",
           "restaurado",
           "reabilitado", "recuperado", "rehabilitated", "restored"),
    ],
)

LEGAL_STATUS = Vocabulary(
    "legal_status",
    [
        _e("licensed", "Licensed", "Autorisé (titre)", "Con licencia", "licensed", "licencié", "autorisé",
           "légal", "formel", "formalisé", "titre valide", "licenciado", "con título", "legal", "formal",
           "formalizado", "licenciada", "com licença"),
        _e("in_formalisation", "In formalisation", "En cours de formalisation", "En formalización",
           "en formalisation", "formalisation en cours", "in formalization", "formalising", "formalizing",
           "en proceso de formalización", "em formalização", "em processo de formalização"),
        _e("informal", "Informal", "Informel", "Informal", "informel", "informelle", "non autorisé",
           "sans titre",
           "no autorizado", "sin título", "não autorizado", "sem título", "informal mining"),
        _e("inside_other_concession", "Inside another holder's concession", "Dans la concession d'un tiers",
           "Dentro de la concesión de un tercero", "inside concession", "inside other concession",
           "dans une concession", "sur un titre industriel", "dans un permis d exploitation",
           "dentro de concesión",
           "dentro de una concesión", "em concessão de terceiros", "dentro de concessão"),
    ],
)

# --- Location origin --------------------------------------------------------------------------------
# IPIS values are "HEAD" or "HEAD (qualifier)": GPS, Approximation, Numérisation, Landsat ETM+,
# Ancienne base; qualifiers name a place ("village Kiloza") or a source ("IPIS 2009"). The entries hold
# the heads; splitting off the qualifier is the IPIS mapper's job.
LOCATION_ORIGIN = Vocabulary(
    "location_origin",
    [
        _e("gps", "GPS at the site", "GPS sur le site", "GPS en el sitio", "gps", "relevé gps",
           "coordonnées gps",
           "gnss", "gps on site", "gps sur site", "gps en sitio", "gps no local"),
        _e("approximation", "Approximate position", "Position approximative", "Posición aproximada",
           "approximation", "approximatif", "approximative", "approximate", "approx", "gps approximation",
           "estimation", "estimé", "aproximación", "aproximado", "aproximação", "estimado", "estimated"),
        _e("digitised", "Digitised from map or imagery", "Numérisé (carte ou image)",
           "Digitalizado (mapa o imagen)", "numérisation", "numérisé", "digitised", "digitized",
           "digitisation",
           "landsat", "landsat etm", "satellite imagery", "image satellite", "imagerie satellite",
           "digitalización", "imagen satelital", "digitalização", "imagem de satélite"),
        _e(OTHER, "Other", "Autre", "Otro", "autres", "otros", "outro", "ancienne base",
           "ancienne base de données", "old database", "legacy database"),
    ],
)

# --- People -----------------------------------------------------------------------------------------
# "M" is taken as male (masculin / masculino); Spanish forms that write "M" for mujer must be mapped
# by their importer before normalizing.
SEX = Vocabulary(
    "sex",
    [
        _e("female", "Female", "Femme", "Mujer", "f", "femme", "femmes", "féminin", "feminine", "woman",
           "women",
           "fille", "girl", "mujer", "femenino", "niña", "mulher", "feminino", "menina", "fem"),
        _e("male", "Male", "Homme", "Hombre", "m", "h", "homme", "hommes", "masculin", "masculine", "man",
           "men",
           "garçon", "boy", "hombre", "masculino", "niño", "homem", "menino", "masc"),
        _e(OTHER, "Other", "Autre", "Otro", "outro", "non binaire", "non-binary", "no binario",
           "não binário"),
        _e("unknown", "Unknown", "Inconnu", "Desconocido", "inconnu", "non renseigné", "non précisé",
           "unknown", "not stated", "prefer not to say", "desconocido", "no indicado", "desconhecido",
           "não informado", "nsp"),
    ],
)

MEMBERSHIP_ROLES = Vocabulary(
    "membership_roles",
    [
        _e("member", "Member", "Membre", "Miembro", "membre", "adhérent", "associé", "socio", "miembro",
           "membro",
           "sócio", "cooperado", "cooperante", "member"),
        _e("president", "President", "Président", "Presidente", "président", "présidente", "president",
           "chair", "chairperson", "presidenta", "presidente"),
        _e("secretary", "Secretary", "Secrétaire", "Secretario", "secrétaire", "secretaria", "secretária",
           "secretário", "secretary general", "secrétaire général"),
        _e("treasurer", "Treasurer", "Trésorier", "Tesorero", "trésorier", "trésorière", "tesorera",
           "tesoureiro",
           "tesoureira"),
        _e("committee", "Committee member", "Membre du comité", "Miembro del comité", "comité", "committee",
           "conseiller", "conseillère", "vice président", "vice présidente", "vice president", "board member",
           "administrateur", "comité directivo", "vicepresidente", "conselheiro", "conselho", "comissão"),
    ],
)

# --- DRC mining cadastre (CAMI) title types ---------------------------------------------------------
# Code minier (Loi 007/2002 as amended by Loi 18/001): PR exploration, PE exploitation, PER tailings,
# PEPM small mine; ARPC/AECP/AECT quarry authorisations; ZEA artisanal zone; ZIN prohibited zone.
# IPIS's titres_V2.geojson adds qualifiers: PR (AS) = other substances, PR (PP) = precious stones,
# (Car) = quarry products, (Min) = mineral substances.
TITLE_TYPES = Vocabulary(
    "title_types",
    [
        _e("PR", "Exploration permit (PR)", "Permis de recherches (PR)", "Permiso de exploración (PR)",
           "pr as", "pr pp", "permis de recherches", "permis de recherche", "exploration permit",
           phase="exploration", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("PE", "Exploitation permit (PE)", "Permis d'exploitation (PE)", "Permiso de explotación (PE)",
           "permis d exploitation", "exploitation permit", "mining permit",
           phase="exploitation", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("PER", "Tailings exploitation permit (PER)", "Permis d'exploitation des rejets (PER)",
           "Permiso de explotación de relaves (PER)", "permis d exploitation des rejets", "tailings permit",
           phase="exploitation", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("PEPM", "Small-scale mining permit (PEPM)", "Permis d'exploitation de petite mine (PEPM)",
           "Permiso de explotación de pequeña mina (PEPM)", "permis d exploitation de petite mine",
           "small mine permit", phase="exploitation", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("ARPC", "Quarry exploration authorisation (ARPC)",
           "Autorisation de recherches des produits de carrières (ARPC)",
           "Autorización de exploración de productos de cantera (ARPC)", "arpc car", "arpc min",
           "autorisation de recherches des produits de carrieres",
           phase="exploration", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("AECP", "Permanent quarry exploitation authorisation (AECP)",
           "Autorisation d'exploitation de carrière permanente (AECP)",
           "Autorización de explotación de cantera permanente (AECP)", "aecp car", "aecp min",
           "autorisation d exploitation de carriere permanente",
           phase="exploitation", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("AECT", "Temporary quarry exploitation authorisation (AECT)",
           "Autorisation d'exploitation de carrière temporaire (AECT)",
           "Autorización de explotación de cantera temporal (AECT)", "aect car", "aect min",
           "autorisation d exploitation de carriere temporaire",
           phase="exploitation", is_artisanal_zone=False, is_prohibited_zone=False),
        _e("ZEA", "Artisanal exploitation zone (ZEA)", "Zone d'exploitation artisanale (ZEA)",
           "Zona de explotación artesanal (ZEA)", "zone d exploitation artisanale", "artisanal zone",
           "artisanal exploitation zone", phase="zone", is_artisanal_zone=True, is_prohibited_zone=False),
        _e("ZIN", "Prohibited zone (ZIN)", "Zone interdite (ZIN)", "Zona prohibida (ZIN)", "zone interdite",
           "prohibited zone", phase="zone", is_artisanal_zone=False, is_prohibited_zone=True),
    ],
)

# --- Site qualification (DRC "qualification et validation" of 3T/gold sites) -------------------------
QUALIFICATION = Vocabulary(
    "qualification",
    [
        _e("green", "Green", "Vert", "Verde", "vert", "verte", "green", "verde"),
        _e("yellow", "Yellow", "Jaune", "Amarillo", "jaune", "yellow", "amarilla", "amarelo"),
        _e("red", "Red", "Rouge", "Rojo", "rouge", "red", "roja", "vermelho"),
        _e("blue", "Blue", "Bleu", "Azul", "bleu", "bleue", "blue", "azul"),
        _e("not_classified", "Not classified", "Non classé", "Sin clasificar", "not class", "no class",
           "not classified", "unclassified", "non classé", "non qualifié", "no clasificado",
           "não classificado"),
    ],
)

# --- Answers that are not values --------------------------------------------------------------------
# Survey cells often hold "none" or "don't know" where a value was asked for. Importers check these
# before the real vocabulary so that "Je ne sais pas" is not stored as a task called "other".
NON_ANSWERS = Vocabulary(
    "non_answers",
    [
        _e("none", "None", "Aucun", "Ninguno", "aucun", "aucune", "aucun travail", "aucune femme",
           "aucun enfant",
           "aucun type de travail", "aucun travail destiné aux femmes",
           "aucun travail n est destiné aux femmes",
           "pas de femmes", "pas des femmes", "pas d enfants", "elles n y sont même pas", "rien", "néant",
           "pas de travail", "none", "nothing", "no work", "no one", "ninguna", "nada", "sin trabajo",
           "nadie",
           "nenhum", "nenhuma", "sem trabalho", "ninguém"),
        _e("unknown", "Unknown", "Inconnu", "Desconocido", "inconnu", "inconnue", "je ne sais pas",
           "ne sait pas",
           "ne sais pas", "on ne sait pas", "nsp", "dontknow", "don t know", "dont know", "do not know",
           "unknown",
           "n a", "na", "non renseigné", "non déterminé", "no sé", "no sabe", "desconocida", "não sei",
           "não sabe",
           "desconhecido", "desconhecida"),
    ],
)

VOCABULARIES: dict[str, Vocabulary] = {
    v.name: v
    for v in (
        MINERALS,
        TASKS,
        MINING_METHODS,
        LIFECYCLE_STATUS,
        LEGAL_STATUS,
        LOCATION_ORIGIN,
        SEX,
        MEMBERSHIP_ROLES,
        TITLE_TYPES,
        QUALIFICATION,
        NON_ANSWERS,
    )
}
