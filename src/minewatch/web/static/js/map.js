/* minewatch maps (Leaflet, served by minewatch; no inline script, settings come from data-* attributes).
 *
 * #map       the dashboard: every site as one canvas layer from data-sites-url (columns + rows),
 *            coloured by data-indicator with the legend's colours (the .sw-* classes of app.css),
 *            the mining titles from data-titles-url underneath, a scale, tiles only if data-tile-url,
 *            and, if data-susceptibility-url, the sites' susceptibility levels as discs under them,
 *            and, if data-hazard-url, the latest landslide assessment's levels as rings around the
 *            sites (placed by site code; colours of the .sw-hz-* swatches); data-erosion-url the soil-loss
 *            levels of the latest erosion run (dashed rings, same colours).
 * #site-map  one site: its point and, if it has one, its outline (data-geometry, GeoJSON).
 */
(function () {
  "use strict";
  if (!window.L) { return; }

  function baseMap(el) {
    var map = L.map(el, { preferCanvas: true, worldCopyJump: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: el.dataset.zoomIn || "Zoom in", zoomOutTitle: el.dataset.zoomOut || "Zoom out" })
      .addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function text(tag, content, cls) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (cls) { node.className = cls; }
    return node;
  }

  function swatchColours() {
    var colours = {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-swatch]"), function (el) {
      colours[el.getAttribute("data-swatch")] = window.getComputedStyle(el).backgroundColor;
    });
    return colours;
  }

  function dashboard(el) {
    var map = baseMap(el);
    var labels = JSON.parse(el.dataset.labels || "{}");
    var indicator = el.dataset.indicator;
    var bounds = (el.dataset.workerClasses || "0,50,200,500").split(",").map(Number);
    var colours = swatchColours();
    map.setView([0, 20], 3);

    function classOf(value, visited) {
      if (!visited) { return "none"; }
      if (value === null || value === undefined) { return "unknown"; }
      if (indicator === "workers_count") {
        var k = 0;
        for (var i = 1; i < bounds.length; i++) { if (value >= bounds[i]) { k = i; } }
        return "w" + k;
      }
      return value ? "yes" : "no";
    }

    var titlesPane = map.createPane("titles");
    titlesPane.style.zIndex = 350;  // under the sites (overlay pane, 400)
    var sitesLayer = null;
    var control = L.control.layers(null, null, { collapsed: true });

    if (el.dataset.titlesUrl) {
      fetch(el.dataset.titlesUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        var titles = L.geoJSON(data, {
          pane: "titles",
          renderer: L.canvas({ pane: "titles" }),
          style: function (f) {
            return { color: f.properties.z ? "#2e7d32" : "#8a4b08", weight: 1, opacity: 0.6, fillOpacity: 0.06 };
          },
          onEachFeature: function (f, layer) {
            layer.bindPopup(function () {
              var box = document.createElement("div");
              box.appendChild(text("strong", (f.properties.z ? labels.zone : labels.title) || ""));
              box.appendChild(text("div", f.properties.t || ""));
              return box;
            });
          }
        }).addTo(map);
        control.addOverlay(titles, labels.titles || "titles");
        control.addTo(map);
      });
    }

    fetch(el.dataset.sitesUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var c = {};
      data.columns.forEach(function (name, i) { c[name] = i; });
      var layer = L.layerGroup();
      var latlngs = [];
      data.rows.forEach(function (row) {
        var value = row[c[indicator]];
        var cls = classOf(value, row[c.visit_date] !== null);
        var ll = [row[c.lat], row[c.lon]];
        latlngs.push(ll);
        var marker = L.circleMarker(ll, {
          radius: 5, weight: 1, color: "#333", opacity: 0.8, fillColor: colours[cls] || "#999", fillOpacity: 0.9
        });
        marker.bindPopup(function () {
          var box = document.createElement("div");
          var link = text("a", row[c.name] || row[c.code]);
          link.href = "/sites/" + encodeURIComponent(row[c.code]);
          box.appendChild(link);
          box.appendChild(text("div", row[c.code], "muted"));
          if (row[c.visit_date] === null) {
            box.appendChild(text("div", labels.never || ""));
          } else {
            var shown = indicator === "workers_count"
              ? (value === null ? labels.unknown : String(value))
              : (value === null ? labels.unknown : (value ? labels.yes : labels.no));
            box.appendChild(text("div", (labels.indicator || indicator) + ": " + shown));
            box.appendChild(text("div", (labels.latest || "") + ": " + row[c.visit_date]));
          }
          return box;
        });
        layer.addLayer(marker);
      });
      layer.addTo(map);
      sitesLayer = layer;
      control.addOverlay(sitesLayer, labels.sites || "sites");
      control.addTo(map);
      if (latlngs.length) { map.fitBounds(L.latLngBounds(latlngs), { padding: [20, 20], maxZoom: 12 }); }
      if (el.dataset.hazardUrl) { hazardLayer(data, c); }
      if (el.dataset.susceptibilityUrl) { susceptibilityLayer(data, c); }
      if (el.dataset.erosionUrl) { erosionLayer(data, c); }
    });

    // A layer of one mark per rated site, fetched from `url` ({columns, rows} with a code column), drawn
    // on the sites' canvas under their dots (a canvas in another pane would swallow their clicks): a click
    // on a site's dot opens the site, on its mark the popup. `style(row, h)` gives the mark's options,
    // `lines(row, h)` the popup's lines after the site link to `anchor`.
    function levelLayer(sites, c, url, name, anchor, style, lines) {
      var where = {};
      sites.rows.forEach(function (row) { where[row[c.code]] = [row[c.lat], row[c.lon]]; });
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        if (!data.rows.length) { return; }
        var h = {};
        data.columns.forEach(function (col, i) { h[col] = i; });
        var layer = L.layerGroup();
        data.rows.forEach(function (row) {
          var ll = where[row[h.code]];
          if (!ll) { return; }
          var mark = L.circleMarker(ll, style(row, h));
          mark.bindPopup(function () {
            var box = document.createElement("div");
            var link = text("a", row[h.code]);
            link.href = "/sites/" + encodeURIComponent(row[h.code]) + anchor;
            box.appendChild(link);
            lines(row, h).forEach(function (line) { box.appendChild(text("div", line)); });
            return box;
          });
          layer.addLayer(mark);
        });
        layer.addTo(map);
        layer.eachLayer(function (mark) { mark.bringToBack(); });
        control.addOverlay(layer, name);
      });
    }

    function levelName(level) { return (labels.levels || {})[level] || level; }

    // Sites coloured by their susceptibility level (hazard sites --run with a susceptibility.tif):
    // a filled disc under the site's dot, in the same level colours as the hazard rings.
    function susceptibilityLayer(sites, c) {
      levelLayer(sites, c, el.dataset.susceptibilityUrl, labels.susceptibility || "susceptibility",
        "#susceptibility-heading",
        function (row, h) {
          return { radius: 14, weight: 0, fillColor: colours["hz-" + row[h.susceptibility_level]] || "#999",
                   fillOpacity: 0.35 };
        },
        function (row, h) {
          return [(labels.susceptibility || "") + ": " + levelName(row[h.susceptibility_level]),
                  (labels.susceptibility_mean || "") + ": " + row[h.susceptibility_mean]];
        });
    }

    // Sites coloured by their soil-loss level (hazard sites --erosion): a dashed ring outside the hazard
    // ring, in the same level colours; the popup gives the mean soil loss and the sediment export.
    function erosionLayer(sites, c) {
      levelLayer(sites, c, el.dataset.erosionUrl, labels.erosion || "erosion", "#erosion-heading",
        function (row, h) {
          return { radius: 17, weight: 3, dashArray: "4 3", color: colours["hz-" + row[h.erosion_level]] || "#999",
                   opacity: 0.9, fill: false };
        },
        function (row, h) {
          var out = [(labels.erosion || "") + ": " + levelName(row[h.erosion_level]),
                     (labels.soil_loss_mean || "") + ": " + row[h.soil_loss_mean_t_ha_yr] + " " + (labels.per_ha_yr || "t/ha/yr")];
          if (row[h.sed_export_t_yr] !== null) {
            out.push((labels.sed_export || "") + ": " + row[h.sed_export_t_yr] + " " + (labels.per_yr || "t/yr"));
          }
          return out;
        });
    }

    function hazardLayer(sites, c) {
      levelLayer(sites, c, el.dataset.hazardUrl, labels.hazard || "hazard", "#hazard-heading",
        function (row, h) {
          return { radius: 10, weight: 4, color: colours["hz-" + row[h.level]] || "#999", opacity: 0.9, fill: false };
        },
        function (row, h) {
          var out = [(labels.hazard || "") + ": " + levelName(row[h.level])];
          if (row[h.pfail_max] !== null) { out.push((labels.pfail || "") + ": " + row[h.pfail_max]); }
          out.push((labels.exposed || "") + ": " + row[h.people_exposed]);
          return out;
        });
    }

    var form = document.getElementById("indicator-form");
    var select = document.getElementById("indicator");
    if (form && select) {
      select.addEventListener("change", function () {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    }
  }

  function site(el) {
    var map = baseMap(el);
    var ll = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var marker = L.circleMarker(ll, { radius: 7, weight: 2, color: "#1d2327", fillColor: "#8a4b08", fillOpacity: 0.9 });
    if (el.dataset.geometry) {
      var outline = L.geoJSON(JSON.parse(el.dataset.geometry), {
        style: { color: "#8a4b08", weight: 2, fillOpacity: 0.15 }
      }).addTo(map);
      map.fitBounds(outline.getBounds(), { padding: [20, 20], maxZoom: 16 });
    } else {
      map.setView(ll, 13);
    }
    marker.bindTooltip(text("span", el.dataset.label || "")).addTo(map);  // a text node: names are data, not HTML
  }

  var dash = document.getElementById("map");
  if (dash && dash.dataset.sitesUrl) { dashboard(dash); }
  var one = document.getElementById("site-map");
  if (one) { site(one); }
})();
