"""The demo's rainfall early warning (issue 8): a real storm replayed over the demo hillside, checked
against a published threshold, and the alert it raises for the people who consented.

The rain is real: NASA GPM IMERG half-hourly rainfall before the landslide of 17 March 2018, 21:00 WIB
(14:00 UTC), in Magelang, Central Java (``central-java-landslide-rainfall``, event 3, read with the
documented clock repair). It did not fall on the demo sites: it is **replayed**, shifted in time so that
its last half hour ends at 00:00 UTC today, and placed at the centre of the demo sites (so every demo
site is within reach of the "station"). The replay is said as such in the series' name and in what the
demo prints. Re-running the demo the same day imports nothing twice and raises nothing twice (the alert
is once per site and UTC day); the next day replays again, as a new series.

The threshold is Guzzetti et al. (2008)'s global minimum (``guzzetti2008``), which caught 8 of the 10
Magelang landslides (with 11 false alarms over the same record: ``minewatch rain evaluate``); the
default of ``rain check`` is Caine (1980), which caught none of them on this satellite rainfall.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

RAIN_FILE = ("central-java-landslide-rainfall", "landslide_rainfall.csv")
EVENT = "3"  # 17 March 2018, 21:00 WIB: the largest Javier & Kumar ratio of the ten (rain evaluate)
EVENT_UTC = np.datetime64("2018-03-17T14:00:00", "s")
THRESHOLD = "guzzetti2008"


@dataclass
class RainDemo:
    series_key: str
    at: dt.datetime
    steps: int
    total_mm: float
    threshold: str
    sites: list = field(default_factory=list)  # (code, level, decision, raised, recipients, queued)
    skipped: dict = field(default_factory=dict)  # recipients skipped by reason, all alerts together


def _replay_csv(source: Path, out: Path, *, at: dt.datetime, lat: float, lon: float) -> tuple[str, int, float]:
    """Write event 3's rainfall up to the landslide, shifted to end at ``at``; (series key, steps, total mm)."""
    from minewatch.rain.importing import read_rain

    series = next(s for s in read_rain(source, tz="UTC", units="mm/h", repair="clock-from-row-order").series
                  if s.key == EVENT)
    keep = series.start_utc < EVENT_UTC  # the rain that fell before the slide
    shift = np.datetime64(at.replace(tzinfo=None), "s") - EVENT_UTC
    starts, depth = series.start_utc[keep] + shift, series.depth_mm[keep]
    key = f"replay-magelang-2018-03-17-{at:%Y%m%d}"
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["station", "time", "depth_mm", "latitude", "longitude"])
        for t, d in zip(starts, depth):
            w.writerow([key, f"{np.datetime_as_string(t, unit='m')}Z", f"{d:.3f}", f"{lat:.6f}", f"{lon:.6f}"])
    return key, int(keep.sum()), float(np.nansum(depth))


def run_rain_demo(app, actor, *, shared: Path, site_codes: list[str], on_step=print) -> RainDemo | None:
    """Replay the storm over the demo sites, import it and run ``rain check`` at 00:00 UTC today."""
    from collections import Counter

    from minewatch.alerts.rain_service import check_rainfall, policy_from_settings
    from minewatch.rain.service import import_rain
    from minewatch.sites.service import show_site

    source = shared.joinpath(*RAIN_FILE)
    if not source.exists():
        return None
    with app.uow() as uow:
        points = [show_site(uow, actor=actor, code=code).site for code in site_codes]
    lat = float(np.mean([p.latitude for p in points]))
    lon = float(np.mean([p.longitude for p in points]))
    at = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    work = app.settings.home / "demo" / "rain"
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"replay-{at:%Y%m%d}.csv"
    key, steps, total = _replay_csv(source, path, at=at, lat=lat, lon=lon)
    on_step(f"rainfall: the IMERG storm before the Magelang landslide of 17 March 2018 ({total:.0f} mm in "
            f"{steps / 2:.0f} h), replayed to end at {at:%Y-%m-%d %H:%M} UTC over the demo sites ...")
    with app.uow() as uow:
        import_rain(uow, actor=actor, path=path, tz="UTC", units="mm", name="Replay of IMERG rainfall before the "
                    "Magelang landslide of 17 March 2018 (demo)")
    settings = app.settings
    with app.uow() as uow:
        result = check_rainfall(uow, actor=actor, at=at, vault=app.vault, thresholds=[THRESHOLD],
                                policy=policy_from_settings(settings), site_codes=site_codes,
                                max_distance_km=settings.rain_max_distance_km)
    demo = RainDemo(key, at, steps, total, THRESHOLD)
    skipped: Counter = Counter()
    with app.uow() as uow:
        from minewatch.alerts.service import alert_status

        for o in result.sites:
            d = o.decision
            demo.sites.append((d.site_code, d.level, d.decision, o.raised, o.recipients, o.queued))
            if o.alert_id is not None:
                skipped.update(alert_status(uow, actor=actor, alert_id=o.alert_id).skipped)
    demo.skipped = dict(skipped)
    return demo
