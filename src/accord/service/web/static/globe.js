// The globe (CesiumJS): the visible catalog as one point collection, or one encounter's two
// trajectories. Positions come from the server, Earth-fixed (ITRS) in km; Cesium's
// Cartesian3 is Earth-fixed in metres. Nothing is fetched from outside this server: the
// imagery is the NaturalEarthII tile set inside Cesium's own build, no Ion, no terrain.
"use strict";

(function () {
  const container = document.getElementById("globe");
  const statusLine = document.getElementById("globe-status");
  const data = JSON.parse(document.getElementById("globe-data").textContent);
  const KM = 1000.0;
  const COLOURS = {
    point: Cesium.Color.fromCssColorString("#7fffb0"),
    coarse: Cesium.Color.fromCssColorString("#ff9f1c"),
    selected: Cesium.Color.fromCssColorString("#ff3355"),
    primary: Cesium.Color.fromCssColorString("#ffd400"),
    secondary: Cesium.Color.fromCssColorString("#00c8ff"),
  };

  function say(text, state) {
    statusLine.textContent = text;
    if (state) container.dataset.state = state;
  }

  function makeWidget() {
    // Cesium.js carries its workers as one string and would start each from a blob: URL
    // that imports another blob:, which the console's policy (scripts from 'self' only)
    // refuses. Without that string it starts them as modules from its own Workers/ folder.
    delete globalThis.CESIUM_WORKERS;
    // Cesium would otherwise reach for Ion (Bing imagery, a default token): the base layer
    // is given, terrain is the plain ellipsoid, and no token is set.
    Cesium.Ion.defaultAccessToken = "";
    const imagery = Cesium.TileMapServiceImageryProvider.fromUrl(
      Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"),
    );
    const widget = new Cesium.CesiumWidget(container, {
      baseLayer: Cesium.ImageryLayer.fromProviderAsync(imagery),
      terrainProvider: new Cesium.EllipsoidTerrainProvider(),
      // Draw only when something changed: a still globe costs no CPU.
      requestRenderMode: true,
      maximumRenderTimeChange: Infinity,
      showRenderLoopErrors: false,
      // No star background: six more images to fetch and draw for nothing the page says.
      skyBox: false,
    });
    // Plain rendering: no atmosphere, fog or anti-aliasing pass. They cost every frame,
    // which matters on machines without a GPU (software WebGL), and show nothing the page
    // is about.
    const scene = widget.scene;
    scene.globe.enableLighting = false;
    scene.globe.showGroundAtmosphere = false;
    scene.fog.enabled = false;
    if (scene.skyAtmosphere) scene.skyAtmosphere.show = false;
    scene.postProcessStages.fxaa.enabled = false;
    scene.screenSpaceCameraController.minimumZoomDistance = 500 * KM;
    return widget;
  }

  function cartesian(flat, index) {
    return new Cesium.Cartesian3(flat[3 * index] * KM, flat[3 * index + 1] * KM, flat[3 * index + 2] * KM);
  }

  function showCatalog(widget, positions) {
    const scene = widget.scene;
    const points = scene.primitives.add(new Cesium.PointPrimitiveCollection());
    const coarse = new Map(positions.coarse.map((c) => [c.index, c]));
    for (let i = 0; i < positions.count; i += 1) {
      points.add({
        position: cartesian(positions.position_km, i),
        pixelSize: coarse.has(i) ? 6 : 4,
        color: coarse.has(i) ? COLOURS.coarse : COLOURS.point,
        id: i,
      });
    }
    document.querySelector("[data-testid=globe-count]").textContent = String(points.length);
    if (positions.coarse.length) {
      document.getElementById("globe-coarse").textContent =
        `, of which ${positions.coarse.length} coarsened (orange, at their own epoch)`;
    }
    if (positions.not_drawn.length) {
      const notDrawn = document.getElementById("globe-not-drawn");
      const listed = positions.not_drawn.slice(0, 5).map((n) => `${n.norad_id} (${n.reason})`).join(", ");
      notDrawn.textContent = `${positions.not_drawn.length} visible object(s) not drawn: SGP4 cannot place them at this time: ${listed}${positions.not_drawn.length > 5 ? ", …" : ""}.`;
      notDrawn.hidden = false;
    }
    if (positions.newest_epoch) {
      const link = document.getElementById("globe-newest");
      link.href = `/console/globe?at=${encodeURIComponent(positions.newest_epoch)}`;
      link.textContent = `Newest epoch (${positions.newest_epoch.replace("T", " ").replace("Z", " UTC")})`;
      link.hidden = false;
    }
    const byNorad = new Map(positions.norad_ids.map((id, i) => [id, i]));
    let selected = null;
    const panel = document.getElementById("globe-selection");

    function select(index) {
      if (selected !== null) {
        const previous = points.get(selected);
        previous.color = coarse.has(selected) ? COLOURS.coarse : COLOURS.point;
        previous.pixelSize = coarse.has(selected) ? 6 : 4;
      }
      selected = index;
      const point = points.get(index);
      point.color = COLOURS.selected;
      point.pixelSize = 12;
      const noradId = positions.norad_ids[index];
      const name = positions.names[index] || "Unnamed object";
      const height = Cesium.Cartographic.fromCartesian(point.position).height / KM;
      panel.replaceChildren();
      const heading = document.createElement("h3");
      heading.textContent = name;
      const facts = document.createElement("p");
      const where = coarse.has(index)
        ? `coarsened to ${coarse.get(index).precision_km} km, shown at its epoch ${coarse.get(index).epoch}`
        : `height ${height.toFixed(0)} km at ${positions.at}`;
      facts.textContent = `NORAD ${noradId}; ${where}.`;
      const link = document.createElement("a");
      link.href = `/console/objects/${noradId}`;
      link.textContent = `Open object ${noradId}`;
      panel.append(heading, facts, link);
      scene.requestRender();
    }

    const handler = new Cesium.ScreenSpaceEventHandler(scene.canvas);
    handler.setInputAction((click) => {
      const picked = scene.pick(click.position);
      if (picked && picked.collection === points) select(picked.id);
    }, Cesium.ScreenSpaceEventType.LEFT_CLICK);

    document.getElementById("globe-select").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = document.getElementById("globe-norad").value.trim();
      const index = byNorad.get(Number(text));
      if (index === undefined) {
        panel.textContent = `No object with NORAD id ${text} is drawn: it is not in the catalog you can see, or SGP4 cannot place it at this time.`;
        return;
      }
      select(index);
      const position = points.get(index).position;
      const direction = Cesium.Cartesian3.normalize(position, new Cesium.Cartesian3());
      const destination = Cesium.Cartesian3.multiplyByScalar(
        direction, Cesium.Cartesian3.magnitude(position) + 8000 * KM, new Cesium.Cartesian3());
      // At once rather than a flight: no motion to sit through, and "ready" again as soon
      // as the imagery under the new view is in.
      scene.camera.setView({ destination });
      container.dataset.state = "loading";
      whenImageryLoaded(scene, () => { container.dataset.state = "ready"; });
    });
    whenImageryLoaded(scene, () => say(`Positions at ${positions.at}.`, "ready"));
  }

  // "ready" once the globe's imagery tiles for this view are in (so that a screenshot shows
  // them and leaving the page aborts no request).
  function whenImageryLoaded(scene, done) {
    let finished = false;
    const check = () => {
      if (!finished && scene.globe.tilesLoaded) {
        finished = true;
        removeListener();
        done();
      }
    };
    const removeListener = scene.postRender.addEventListener(() => {
      check();
      if (!finished) scene.requestRender();
    });
    scene.requestRender();
  }

  function showEncounter(widget, encounter) {
    const scene = widget.scene;
    const lines = scene.primitives.add(new Cesium.PolylineCollection());
    const marks = scene.primitives.add(new Cesium.PointPrimitiveCollection());
    const labels = scene.primitives.add(new Cesium.LabelCollection());
    encounter.tracks.forEach((track, k) => {
      const colour = k === 0 ? COLOURS.primary : COLOURS.secondary;
      const samples = track.track_km.length / 3;
      const positions = [];
      for (let i = 0; i < samples; i += 1) positions.push(cartesian(track.track_km, i));
      lines.add({ positions, width: 2, material: Cesium.Material.fromType("Color", { color: colour }) });
      const atTca = cartesian(track.tca_position_km, 0);
      marks.add({ position: atTca, pixelSize: 10, color: colour, outlineColor: Cesium.Color.BLACK, outlineWidth: 1 });
      labels.add({
        position: atTca, text: `${track.norad_id} at TCA`, font: "14px sans-serif", fillColor: colour,
        pixelOffset: new Cesium.Cartesian2(12, k === 0 ? -12 : 12),
      });
    });
    document.querySelector("[data-testid=globe-tracks]").textContent = String(lines.length);
    if (encounter.tracks.length) {
      // Look down on the TCA from 15,000 km above it: both marks and the crossing in view.
      const atTca = cartesian(encounter.tracks[0].tca_position_km, 0);
      const up = Cesium.Cartesian3.normalize(atTca, new Cesium.Cartesian3());
      const destination = Cesium.Cartesian3.multiplyByScalar(
        up, Cesium.Cartesian3.magnitude(atTca) + 15000 * KM, new Cesium.Cartesian3());
      scene.camera.setView({ destination });
    }
    const text = encounter.tracks.length ? `Trajectories around TCA ${encounter.tca}.` : "No trajectories to draw.";
    whenImageryLoaded(scene, () => say(text, "ready"));
  }

  let widget;
  try {
    widget = makeWidget();
  } catch (error) {
    say(`The globe cannot be drawn: this browser has no usable WebGL (${error.message || error}). ` +
      "Enable hardware acceleration or WebGL, or use another browser; the catalog and event pages hold the same data.", "error");
    return;
  }
  if (data.mode === "encounter") {
    showEncounter(widget, data.encounter);
    return;
  }
  fetch(data.positions_url, { credentials: "same-origin" })
    .then((response) => response.ok ? response.json() : response.json().then((problem) => {
      throw new Error(problem.detail || `the server answered ${response.status}`);
    }))
    .then((positions) => showCatalog(widget, positions))
    .catch((error) => say(`The positions could not be loaded: ${error.message}. Reload the page; if it persists, sign in again.`, "error"));
})();
