// A request's page: the plan's coverage map (areas, footprints, ground tracks, stations from
// /api/v1/campaigns/plans/{id}/coverage, embedded in the page) and a timeline per satellite.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("plan-data").textContent);

  async function drawCoverage() {
    const target = document.getElementById("coverage-map");
    const features = data.coverage.features.map((feature) => ({
      ...feature, geometry: AccordCampaignMap.smallSide(feature.geometry),
    }));
    const kinds = (kind) => features.filter((f) => f.properties.kind === kind);
    // Fit the view to what the plan images (stations may be far away: drawn, not fitted).
    const focus = { type: "FeatureCollection", features: features.filter((f) => f.properties.kind !== "station") };
    const map = await AccordCampaignMap.worldMap(target, focus.features.length ? focus : null);
    const title = (element, text) => {
      const tooltip = document.createElementNS(AccordCampaignMap.svgNS, "title");
      tooltip.textContent = text;
      element.append(tooltip);
    };
    const tracks = map.layer("ground-tracks");
    for (const f of kinds("ground_track")) {
      title(map.add(tracks, map.path(f.geometry), "ground-track"), `Ground track of ${f.properties.norad_id}, task ${f.properties.task_id}`);
    }
    const areas = map.layer("areas");
    for (const f of kinds("area")) {
      title(map.add(areas, map.path(f.geometry), "area"), `${f.properties.area_name}: ${Math.round(100 * f.properties.coverage_fraction)} % covered`);
    }
    const footprints = map.layer("footprints");
    for (const f of kinds("footprint")) {
      title(map.add(footprints, map.path(f.geometry), "footprint"),
        `${f.properties.norad_id} (${f.properties.owner}), ${f.properties.acquisition_start}, roll ${f.properties.roll_deg.toFixed(1)}°, ${f.properties.status}`);
    }
    const stations = map.layer("stations");
    for (const f of kinds("station")) {
      const [x, y] = map.projection(f.geometry.coordinates);
      const dot = document.createElementNS(AccordCampaignMap.svgNS, "circle");
      dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", 5);
      dot.setAttribute("class", "station");
      title(dot, `Downlink station ${f.properties.name}`);
      stations.append(dot);
    }
  }

  function drawTimeline() {
    const target = document.getElementById("plan-timeline");
    if (data.timeline.length === 0) {
      target.textContent = "No acquisition in this plan: no pooled satellite could image the areas in time.";
      return;
    }
    const series = {
      acquisition: { name: "Acquisition", x: [], y: [], text: [], color: "#0b3d91" },
      downlink: { name: "Downlink", x: [], y: [], text: [], color: "#8a5a00" },
    };
    for (const satellite of data.timeline) {
      const label = `NORAD ${satellite.norad_id}`;
      for (const entry of satellite.entries) {
        const s = series[entry.kind];
        if (!s) continue;
        const what = entry.kind === "downlink" ? `downlink at ${entry.station}` : `${entry.area_name} (task ${entry.task_id}, ${entry.status})`;
        s.x.push(entry.start, entry.end, null);
        s.y.push(label, label, null);
        s.text.push(what, what, null);
      }
    }
    const traces = Object.values(series).filter((s) => s.x.length).map((s) => ({
      type: "scatter", mode: "lines+markers", name: s.name, x: s.x, y: s.y, text: s.text,
      hovertemplate: "%{y}: %{text}<br>%{x|%Y-%m-%d %H:%M:%S} UTC<extra></extra>",
      line: { width: 10, color: s.color }, marker: { size: 9, color: s.color }, connectgaps: false,
    }));
    Plotly.newPlot(target, traces, {
      margin: { t: 24, r: 24, b: 48, l: 110 },
      xaxis: { title: { text: "UTC" }, type: "date" },
      yaxis: { type: "category", automargin: true },
      legend: { orientation: "h", y: -0.25 },
      height: Math.max(360, 160 + 48 * data.timeline.length),
    }, { displaylogo: false, responsive: true });
  }

  drawTimeline();
  drawCoverage().catch((error) => {
    document.getElementById("coverage-map").textContent = `The map could not be drawn: ${error.message}. The tasks table and the downloads hold the same data.`;
  });
})();
