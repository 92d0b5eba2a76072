/* The tree plan's map (Leaflet, served by minewatch; no inline script, settings come from data-* attributes).
 *
 * #plan-map  the site's point and the plan's patches, fetched from data-plan-url (the plan's plan.geojson),
 *            each species filled with its colour of data-colours ({species id: colour}, the colours of the
 *            plan's PNG map and printable plan); a click on a patch names its species (data-names), area
 *            and seedlings (data-labels); tiles only if data-tile-url.
 */
(function () {
  "use strict";
  if (!window.L) { return; }
  var el = document.getElementById("plan-map");
  if (!el) { return; }

  function text(tag, content, cls) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (cls) { node.className = cls; }
    return node;
  }

  var map = L.map(el, { zoomControl: false });
  L.control.zoom({ zoomInTitle: el.dataset.zoomIn || "Zoom in", zoomOutTitle: el.dataset.zoomOut || "Zoom out" })
    .addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  var ll = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  map.setView(ll, 15);
  L.circleMarker(ll, { radius: 6, weight: 2, color: "#1d2327", fillColor: "#8a4b08", fillOpacity: 0.9 })
    .bindTooltip(text("span", el.dataset.label || "")).addTo(map);  // a text node: names are data, not HTML

  var colours = JSON.parse(el.dataset.colours || "{}");
  var names = JSON.parse(el.dataset.names || "{}");
  var labels = JSON.parse(el.dataset.labels || "{}");
  fetch(el.dataset.planUrl, { credentials: "same-origin" }).then(function (r) {
    return r.ok ? r.json() : null;
  }).then(function (data) {
    if (!data || !data.features || !data.features.length) { return; }
    var patches = L.geoJSON(data, {
      style: function (f) {
        return { color: "#1d2327", weight: 1, opacity: 0.8, fillColor: colours[f.properties.species] || "#999",
                 fillOpacity: 0.7 };
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () {
          var p = f.properties;
          var box = document.createElement("div");
          box.appendChild(text("strong", names[p.species] || p.species || ""));
          if (p.patch !== undefined) { box.appendChild(text("div", (labels.patch || "patch") + " " + p.patch)); }
          box.appendChild(text("div", (labels.area || "ha") + ": " + p.area_ha));
          box.appendChild(text("div", (labels.seedlings || "seedlings") + ": " + p.seedlings));
          return box;
        });
      }
    }).addTo(map);
    map.fitBounds(patches.getBounds(), { padding: [20, 20], maxZoom: 17 });
  });
})();
