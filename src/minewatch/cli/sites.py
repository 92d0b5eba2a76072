"""``minewatch sites``: search sites, show one, and recompute their relation to mining titles."""

from __future__ import annotations

import click

from minewatch.cli.common import CliState, echo_json, pass_state

TABLE_LIMIT = 50

RELATION_LABELS = {
    "inside_artisanal_zone": "inside an artisanal zone",
    "inside_title": "inside a mining title (not an artisanal zone)",
    "outside": "outside any title",
    "not_computed": "not computed",
}

TITLE_RELATION_CHOICES = ["inside_artisanal_zone", "inside_title", "outside", "any-title", "not-computed"]


def register(cli: click.Group) -> None:
    cli.add_command(sites)


@click.group()
def sites() -> None:
    """Mining sites: search, details, and where they stand with respect to mining titles."""


@sites.command("list")
@click.option("--near", metavar="LAT,LON", help="Query point (latitude first), with --km or --nearest.")
@click.option("--km", type=float, help="Radius around --near in kilometres (geodesic).")
@click.option("--nearest", type=int, metavar="N", help="The N sites closest to --near (ties by code).")
@click.option("--bbox", metavar="MINLON,MINLAT,MAXLON,MAXLAT", help="Sites whose geometry intersects the box.")
@click.option("--within", metavar="FILE.geojson|WKT",
              help="Sites whose geometry intersects the polygon(s) of a GeoJSON file or a WKT text.")
@click.option("--country", metavar="CC", help="Two-letter ISO country code, e.g. CD.")
@click.option("--mineral", metavar="M", help="A mineral, e.g. gold, Or, cassiterite, coltan.")
@click.option("--status", "lifecycle_status", metavar="S", help="Lifecycle status: active, closed, …")
@click.option("--title-relation", type=click.Choice(TITLE_RELATION_CHOICES),
              help="Where the site lies with respect to mining titles (any-title: a zone or a title).")
@click.option("--search", metavar="TEXT", help="Text in the site's name or code (case-insensitive).")
@click.option("--order", type=click.Choice(["code", "name", "country", "distance"]),
              help="Sort order; default distance with --near, else code.")
@click.option("--limit", type=int, metavar="N", help=f"At most N sites (table default {TABLE_LIMIT}; --json: all).")
@click.option("--offset", type=int, default=0, show_default=True, help="Skip the first N matches.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (all matches unless --limit).")
@click.option("--summary", is_flag=True, help="Count the matches by title relation instead of listing them.")
@pass_state
def sites_list(state: CliState, near, km, nearest, bbox, within, country, mineral, lifecycle_status,
               title_relation, search, order, limit, offset, as_json, summary) -> None:
    """List the organisation's sites matching every filter given.

    \b
    Example:
      minewatch sites list --near -2.5,28.8 --km 25
      minewatch sites list --nearest 10 --near -2.5,28.8 --json
      minewatch sites list --bbox 28,-3,29.5,-1.5 --mineral gold
      minewatch sites list --within area.geojson --title-relation any-title
      minewatch sites list --country CD --summary
    """
    from minewatch.sites.service import find_sites, summarise_title_relations

    query = _query(near=near, km=km, nearest=nearest, bbox=bbox, within=within, country=country,
                   mineral=mineral, lifecycle_status=lifecycle_status, title_relation=title_relation,
                   search=search, order=order, offset=offset,
                   limit=limit if (limit is not None or as_json or summary) else TABLE_LIMIT)
    actor = state.actor()
    with state.app.uow() as uow:
        if summary:
            counts = summarise_title_relations(uow, actor=actor, query=query)
        else:
            result = find_sites(uow, actor=actor, query=query)
    if summary:
        _print_summary(counts, as_json)
    elif as_json:
        echo_json([row.as_dict() for row in result.rows])
    else:
        _print_table(result.rows, with_distance=query.near is not None)
        _print_showing(len(result.rows), result.total, offset)


def _query(*, near, km, nearest, bbox, within, limit, **filters):
    from minewatch.sites.model import Near, SiteQuery, parse_bbox, parse_lat_lon

    point = None
    if near:
        lat, lon = parse_lat_lon(near)
        point = Near(lat, lon, km)
    elif km is not None:
        from minewatch.errors import InvalidInput

        raise InvalidInput("--km needs --near LAT,LON")
    return SiteQuery(
        near=point, nearest_n=nearest, bbox=parse_bbox(bbox) if bbox else None,
        within=_read_area(within) if within else None, limit=limit, **filters,
    )


def _read_area(value: str):
    """A GeoJSON/WKT file's text, or ``value`` itself when it is not a file."""
    from pathlib import Path

    from minewatch.errors import InvalidInput
    from minewatch.sites.model import parse_area

    path = Path(value)
    looks_like_file = value.lower().endswith((".json", ".geojson", ".wkt", ".txt"))
    try:
        is_file = path.is_file()
    except OSError:
        is_file = False
    if is_file:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"could not read {value}: {exc}") from exc
        return parse_area(text)
    if looks_like_file:
        raise InvalidInput(f"no such file: {value}")
    return parse_area(value)


def _fmt(value, width: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(rows, *, with_distance: bool) -> None:
    if not rows:
        click.echo("no sites match")
        return
    columns = [
        ("CODE", lambda r: r.code, 20),
        ("NAME", lambda r: r.name, 28),
        ("CC", lambda r: r.country, 2),
        ("LAT", lambda r: f"{r.latitude:.5f}", 10),
        ("LON", lambda r: f"{r.longitude:.5f}", 10),
        ("MINERALS", lambda r: ", ".join(r.minerals), 24),
        ("TITLE", lambda r: r.title_relation, 21),
    ]
    if with_distance:
        columns.append(("KM", lambda r: f"{r.distance_km:.2f}", 9))
    cells = [[_fmt(get(r), cap) for _, get, cap in columns] for r in rows]
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, (head, _, _) in enumerate(columns)]
    right = {"LAT", "LON", "KM"}

    def line(values):
        return "  ".join(
            v.rjust(w) if head in right else v.ljust(w) for v, w, (head, _, _) in zip(values, widths, columns)
        ).rstrip()

    click.echo(line([head for head, _, _ in columns]))
    for c in cells:
        click.echo(line(c))


def _print_showing(shown: int, total: int, offset: int) -> None:
    if offset and shown:
        text = f"showing {offset + 1:,}–{offset + shown:,} of {total:,} sites"
    else:
        text = f"showing {shown:,} of {total:,} sites"
    if offset + shown < total:
        text += " (more with --limit/--offset, or --json for all)"
    click.echo(text)


def _print_summary(counts: dict[str, int], as_json: bool) -> None:
    total = counts["total"]
    shares = {key: (100.0 * counts[key] / total if total else 0.0) for key in RELATION_LABELS}
    if as_json:
        echo_json({"total": total,
                   "counts": {k: counts[k] for k in RELATION_LABELS},
                   "percent": {k: round(v, 1) for k, v in shares.items()}})
        return
    click.echo(f"sites: {total:,}")
    for key, label in RELATION_LABELS.items():
        click.echo(f"{label}: {counts[key]:,} ({shares[key]:.1f}%)")


@sites.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def sites_show(state: CliState, code: str, as_json: bool) -> None:
    """Show one site: location, minerals, titles it lies in, visit count and latest visit.

    \b
    Example:
      minewatch sites show codmine00191
      minewatch sites show codmine00191 --json
    """
    from minewatch.sites.service import show_site

    actor = state.actor()
    with state.app.uow() as uow:
        detail = show_site(uow, actor=actor, code=code)
    if as_json:
        echo_json(detail.as_dict())
        return
    site = detail.site
    click.echo(f"{site.code}  {site.name or '(no name)'}")
    places = [p for p in (detail.locality, detail.admin3, detail.admin2, detail.admin1, site.country) if p]
    if places:
        click.echo(f"  place:          {', '.join(places)}")
    origin = f" ({detail.location_origin})" if detail.location_origin else ""
    click.echo(f"  point:          {site.latitude:.6f}, {site.longitude:.6f}{origin}")
    if detail.geometry_type and detail.geometry_type != "Point":
        click.echo(f"  geometry:       {detail.geometry_type}")
    click.echo(f"  minerals:       {', '.join(site.minerals) or '-'}")
    for label, value in (("status", site.lifecycle_status), ("legal status", detail.legal_status),
                         ("mining method", detail.mining_method), ("source", detail.source)):
        if value:
            click.echo(f"  {label + ':':<15} {value}")
    relation = RELATION_LABELS.get(site.title_relation or "not_computed")
    click.echo(f"  titles:         {relation}")
    for t in detail.titles:
        zone = " (artisanal zone)" if t.is_artisanal_zone else ""
        extra = "; ".join(x for x in (t.holder, t.status) if x)
        click.echo(f"    {t.title_type or '?'} {t.title_number or '?'}{zone}" + (f" — {extra}" if extra else ""))
    click.echo(f"  visits:         {detail.visit_count:,}")
    v = detail.latest_visit
    if v is not None:
        facts = [x for x in (v.project, v.team) if x]
        if v.reached is False:
            facts.append("site not reached")
        if v.workers_count is not None:
            facts.append(f"{v.workers_count:,} workers")
        if v.mercury_used:
            facts.append("mercury used")
        if v.cyanide_used:
            facts.append("cyanide used")
        click.echo(f"  latest visit:   {v.visit_date}" + (f" ({'; '.join(facts)})" if facts else ""))


@sites.command("relate")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def sites_relate(state: CliState, as_json: bool) -> None:
    """Recompute which mining titles each site lies in (inside an artisanal zone, another title, outside).

    Imports of sites or concessions do this themselves; run it after editing either by hand.

    \b
    Example:
      minewatch sites relate
    """
    from minewatch.sites.service import refresh_title_relations

    actor = state.actor()
    with state.app.uow() as uow:
        counts = refresh_title_relations(uow, actor=actor)
    if as_json:
        echo_json(counts)
        return
    click.echo(f"{counts['sites']:,} sites against {counts['concessions']:,} concessions: "
               f"{counts['links']:,} site–title links, {counts['changed']:,} relations changed")
    if counts["invalid_concessions"]:
        click.echo(f"{counts['invalid_concessions']:,} invalid concession polygons were repaired for the computation")
    _print_summary({**counts, "total": counts["sites"]}, False)
