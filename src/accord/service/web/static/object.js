// Object page: the history chart (Plotly) and the ground track on a world map (d3-geo over
// world-atlas's Natural Earth land outline), all served by Accord itself.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("object-data").textContent);

  function drawHistory() {
    const target = document.getElementById("history-chart");
    const history = data.history;
    if (!target) return;
    if (history.epoch.length === 0) {
      target.textContent = "No element set with mean elements to plot.";
      return;
    }
    const mode = history.epoch.length > 1 ? "lines+markers" : "markers";
    Plotly.newPlot(target, [
      { x: history.epoch, y: history.perigee_km, name: "Perigee altitude (km)", mode },
      { x: history.epoch, y: history.apogee_km, name: "Apogee altitude (km)", mode },
      { x: history.epoch, y: history.inclination_deg, name: "Inclination (°)", mode, yaxis: "y2" },
    ], {
      margin: { t: 24, r: 64, b: 48, l: 64 },
      xaxis: { title: { text: "Epoch (UTC)" } },
      yaxis: { title: { text: "Altitude (km)" } },
      yaxis2: { title: { text: "Inclination (°)" }, overlaying: "y", side: "right" },
      legend: { orientation: "h", y: -0.25 },
    }, { displaylogo: false, responsive: true });
  }

  async function drawGroundTrack() {
    const target = document.getElementById("ground-track");
    if (!target || !data.ground_track) return;
    const width = 960, height = 480;
    const svgNS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("aria-hidden", "true");
    const projection = d3.geoEquirectangular().fitSize([width, height], { type: "Sphere" });
    const path = d3.geoPath(projection);
    function add(d, cls) {
      const element = document.createElementNS(svgNS, "path");
      element.setAttribute("d", d || "");
      element.setAttribute("class", cls);
      svg.append(element);
      return element;
    }
    add(path({ type: "Sphere" }), "sphere");
    add(path(d3.geoGraticule10()), "graticule");
    const response = await fetch("/console/static/vendor/land-110m.json");
    if (response.ok) {
      const world = await response.json();
      add(path(topojson.feature(world, world.objects.land)), "land");
    }
    // Split where SGP4 failed (null points); d3-geo cuts lines at the antimeridian itself.
    const lines = [[]];
    const lat = data.ground_track.latitude_deg, lon = data.ground_track.longitude_deg;
    for (let i = 0; i < lat.length; i++) {
      if (lat[i] === null) { lines.push([]); continue; }
      lines[lines.length - 1].push([lon[i], lat[i]]);
    }
    const track = add(path({ type: "MultiLineString", coordinates: lines.filter((l) => l.length > 1) }), "track");
    track.setAttribute("data-testid", "ground-track-line");
    const start = lines.find((l) => l.length > 0);
    if (start) {
      const [x, y] = projection(start[0]);
      const dot = document.createElementNS(svgNS, "circle");
      dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", 6);
      dot.setAttribute("class", "epoch-dot");
      svg.append(dot);
    }
    target.replaceChildren(svg);
  }

  drawHistory();
  drawGroundTrack().catch((error) => {
    document.getElementById("ground-track").textContent = `The map could not be drawn: ${error.message}`;
  });
})();
