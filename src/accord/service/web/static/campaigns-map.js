// Campaign maps: a world map (d3-geo over world-atlas's Natural Earth land, served by
// Accord itself) that the request form draws on and the plan page fills with the coverage.
"use strict";

window.AccordCampaignMap = (function () {
  const svgNS = "http://www.w3.org/2000/svg";
  const WIDTH = 960, HEIGHT = 480;

  // d3-geo reads a polygon ring's winding as spherical (clockwise encloses the smaller
  // side); GeoJSON (RFC 7946) rings are counter-clockwise. A ring enclosing more than half
  // the sphere is reversed so that small areas draw as themselves, not as their complement.
  function smallSide(geometry) {
    if (!geometry || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) return geometry;
    if (d3.geoArea(geometry) <= 2 * Math.PI) return geometry;
    const flip = (rings) => rings.map((ring) => ring.slice().reverse());
    return geometry.type === "Polygon"
      ? { type: "Polygon", coordinates: flip(geometry.coordinates) }
      : { type: "MultiPolygon", coordinates: geometry.coordinates.map(flip) };
  }

  async function worldMap(target, focus) {
    const svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    const projection = d3.geoEquirectangular();
    if (focus) projection.fitExtent([[24, 24], [WIDTH - 24, HEIGHT - 24]], focus);
    else projection.fitSize([WIDTH, HEIGHT], { type: "Sphere" });
    const path = d3.geoPath(projection);
    const layers = {};
    function layer(name) {
      const group = document.createElementNS(svgNS, "g");
      group.setAttribute("class", name);
      svg.append(group);
      layers[name] = group;
      return group;
    }
    function add(group, d, cls) {
      const element = document.createElementNS(svgNS, "path");
      element.setAttribute("d", d || "");
      element.setAttribute("class", cls);
      group.append(element);
      return element;
    }
    const base = layer("base");
    add(base, path({ type: "Sphere" }), "sphere");
    add(base, path(d3.geoGraticule10()), "graticule");
    const response = await fetch("/console/static/vendor/land-110m.json");
    if (response.ok) {
      const world = await response.json();
      add(base, path(topojson.feature(world, world.objects.land)), "land");
    }
    target.replaceChildren(svg);
    return { svg, projection, path, layer, add, layers, WIDTH, HEIGHT };
  }

  return { worldMap, smallSide, svgNS };
})();
