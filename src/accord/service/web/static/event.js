// Event page: the Pc and miss-distance history and the encounter plane (Plotly). The
// ellipses are computed on the server; the hard-body circle is drawn here from its radius.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("event-data").textContent);
  const config = { displaylogo: false, responsive: true };

  function drawHistory() {
    const target = document.getElementById("event-history");
    const h = data.history;
    if (!target || h.created.length === 0) return;
    const mode = h.created.length > 1 ? "lines+markers" : "markers";
    // Pc and miss have different units and ranges: two stacked panels sharing the time
    // axis, so neither marker hides the other. One CDM alone gets a day either side, or
    // Plotly zooms the time axis to sub-millisecond ticks.
    const xaxis = { title: { text: "CDM creation (UTC)" }, type: "date", anchor: "y2" };
    if (h.created.length === 1) {
      const t = Date.parse(h.created[0]);
      xaxis.range = [new Date(t - 86400e3).toISOString(), new Date(t + 86400e3).toISOString()];
    }
    const pcKnown = h.pc.some((value) => value !== null && value > 0);
    Plotly.newPlot(target, [
      { x: h.created, y: h.pc, name: "Pc", mode, marker: { symbol: "circle", size: 9 } },
      {
        x: h.created, y: h.miss_km, name: "Miss distance (km)", mode, yaxis: "y2",
        marker: { symbol: "diamond", size: 9 },
      },
    ], {
      margin: { t: 24, r: 24, b: 48, l: 80 },
      xaxis,
      yaxis: {
        title: { text: pcKnown ? "Pc" : "Pc (none computed)" }, type: "log",
        exponentformat: "power", dtick: 1, domain: [0.55, 1], anchor: "x",
      },
      yaxis2: { title: { text: "Miss (km)" }, rangemode: "tozero", domain: [0, 0.45], anchor: "x" },
      legend: { orientation: "h", y: -0.25 },
    }, config);
  }

  function drawPlane() {
    const target = document.getElementById("encounter-plane");
    const plane = data.plane;
    if (!target || !plane) return;
    const traces = Object.keys(plane.ellipses).map((sigma) => ({
      x: plane.ellipses[sigma].x, y: plane.ellipses[sigma].y,
      name: `${sigma} sigma`, mode: "lines",
    }));
    if (plane.hard_body_radius_m) {
      const x = [], y = [];
      for (let i = 0; i <= 72; i++) {
        const a = (2 * Math.PI * i) / 72;
        x.push(plane.miss_m + plane.hard_body_radius_m * Math.cos(a));
        y.push(plane.hard_body_radius_m * Math.sin(a));
      }
      traces.push({ x, y, name: "Hard body", mode: "lines", fill: "toself" });
    }
    traces.push({ x: [0], y: [0], name: "Object 1", mode: "markers" });
    Plotly.newPlot(target, traces, {
      margin: { t: 24, r: 24, b: 48, l: 72 },
      xaxis: { title: { text: "Along the miss (m)" } },
      yaxis: { title: { text: "Across (m)" }, scaleanchor: "x" },
      legend: { orientation: "h", y: -0.25 },
    }, config);
  }

  drawHistory();
  drawPlane();
})();
