// The request form's map: click to place a polygon's corners (or a circle's centre); the
// GeoJSON textarea and the centre fields follow the map, and typing in them redraws it, so
// the map is never the only way to give an area.
"use strict";

(async function () {
  const form = document.querySelector(".campaign-form");
  const target = document.getElementById("area-map");
  const textarea = document.getElementById("area_geojson");
  const latitude = document.getElementById("center_latitude_deg");
  const longitude = document.getElementById("center_longitude_deg");
  const radius = document.getElementById("radius_km");
  const summary = document.getElementById("area-summary");
  const KM_PER_DEGREE = 111.195; // mean Earth radius 6371 km
  let vertices = [];

  function mode() {
    return form.querySelector("input[name=area_mode]:checked").value;
  }
  const round = (value) => Math.round(value * 1e4) / 1e4;

  function readTextarea() {
    try {
      const value = JSON.parse(textarea.value);
      const geometry = value && value.type === "Feature" ? value.geometry : value;
      if (geometry && geometry.type === "Polygon" && geometry.coordinates.length) {
        const ring = geometry.coordinates[0];
        const closed = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
        vertices = (closed ? ring.slice(0, -1) : ring).map((p) => [p[0], p[1]]);
      }
    } catch (error) {
      // Not (yet) JSON: the map keeps the last area it could read; the server names the problem.
    }
  }

  function writeTextarea() {
    // The server's message about the previous area no longer applies to this one.
    const stale = document.getElementById("area_geojson-error");
    if (stale) stale.remove();
    textarea.removeAttribute("aria-invalid");
    textarea.value = vertices.length === 0 ? "" : JSON.stringify({
      type: "Polygon", coordinates: [[...vertices, vertices[0]]],
    });
  }

  readTextarea();
  const map = await AccordCampaignMap.worldMap(target, null);
  const drawing = map.layer("drawing");

  function draw() {
    drawing.replaceChildren();
    form.classList.toggle("circle-mode", mode() === "circle");
    if (mode() === "circle") {
      const lat = parseFloat(latitude.value), lon = parseFloat(longitude.value), km = parseFloat(radius.value);
      if (Number.isFinite(lat) && Number.isFinite(lon)) {
        if (Number.isFinite(km) && km > 0) {
          const circle = d3.geoCircle().center([lon, lat]).radius(km / KM_PER_DEGREE)();
          map.add(drawing, map.path(circle), "area");
        }
        const [x, y] = map.projection([lon, lat]);
        const dot = document.createElementNS(AccordCampaignMap.svgNS, "circle");
        dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", 4);
        dot.setAttribute("class", "vertex");
        drawing.append(dot);
        summary.textContent = `Circle of ${km} km around latitude ${lat}, longitude ${lon}.`;
      } else {
        summary.textContent = "Click the map to place the circle's centre.";
      }
      return;
    }
    if (vertices.length >= 3) {
      const polygon = AccordCampaignMap.smallSide({ type: "Polygon", coordinates: [[...vertices, vertices[0]]] });
      map.add(drawing, map.path(polygon), "area");
    } else if (vertices.length === 2) {
      map.add(drawing, map.path({ type: "LineString", coordinates: vertices }), "area-outline");
    }
    for (const vertex of vertices) {
      const [x, y] = map.projection(vertex);
      const dot = document.createElementNS(AccordCampaignMap.svgNS, "circle");
      dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", 4);
      dot.setAttribute("class", "vertex");
      drawing.append(dot);
    }
    summary.textContent = vertices.length >= 3
      ? `Polygon with ${vertices.length} corners.`
      : `${vertices.length} corner${vertices.length === 1 ? "" : "s"} placed: a polygon needs at least 3.`;
  }

  map.svg.addEventListener("click", (event) => {
    const point = map.svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    const local = point.matrixTransform(map.svg.getScreenCTM().inverse());
    const position = map.projection.invert([local.x, local.y]);
    if (!position || !Number.isFinite(position[0]) || !Number.isFinite(position[1])) return;
    const [lon, lat] = [round(position[0]), round(position[1])];
    if (mode() === "circle") {
      latitude.value = lat; longitude.value = lon;
    } else {
      vertices.push([lon, lat]);
      writeTextarea();
    }
    draw();
  });
  document.getElementById("undo-vertex").addEventListener("click", () => {
    vertices.pop(); writeTextarea(); draw();
  });
  document.getElementById("clear-area").addEventListener("click", () => {
    vertices = []; writeTextarea(); latitude.value = ""; longitude.value = ""; draw();
  });
  textarea.addEventListener("input", () => { readTextarea(); draw(); });
  for (const input of [latitude, longitude, radius]) input.addEventListener("input", draw);
  for (const input of form.querySelectorAll("input[name=area_mode]")) input.addEventListener("change", draw);
  draw();
})().catch((error) => {
  document.getElementById("area-map").textContent = `The map could not be drawn: ${error.message}. Type the area in the fields below instead.`;
});
