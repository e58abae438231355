/* tokutei-kg explorer. Reads the JSON block #tkg-data and draws it with vis-network.
   Safety rules: data reaches the DOM only through textContent, never parsed as markup; a link is made only for
   an http(s) address; nothing is fetched. Positions come from Python, physics is off until "Re-layout". */
(function () {
  "use strict";

  var timing = { start: performance.now() };
  var DATA = JSON.parse(document.getElementById("tkg-data").textContent);
  timing.parsed = performance.now();
  var I18N = DATA.i18n;
  var VOCAB = DATA.vocabulary || {};
  var STYLE = DATA.style;
  var LANGS = DATA.languages;  // namespaces.LANGUAGES: the one list of languages
  var MAX_HOPS = DATA.options.max_hops || 4;
  var RANK = STYLE.status_rank;
  var PATH_KINDS = new Set(DATA.path_kinds || []);
  var PATH_CLASSES = new Set(DATA.path_classes || []);
  var SVG_NS = "http://www.w3.org/2000/svg";
  // the as-of slider starts in the first year the data names (a valid_from or valid_until)
  var EPOCH = Date.UTC(DATA.first_year || new Date().getUTCFullYear(), 0, 1);
  var DAY = 86400000;
  var LARGE = DATA.edges.length > 3000;  // straight lines: curves cost too much to draw at this size
  // Thousands of entities open on an overview: one node per side and class (positions from Python),
  // expanded on a click; selected entities and the entities on highlighted paths are drawn on their own.
  // '#view=full' draws every entity instead (the baseline of benchmarks/bench_explorer.py).
  var FORCED_FULL = !!DATA.options.overview && /(?:^#|&)view=full(?:&|$)/.test(location.hash);
  var OVERVIEW = !!DATA.options.overview && !FORCED_FULL;

  function split(value) { return String(value || "").split("|").filter(Boolean); }
  function norm(text) { return String(text || "").normalize("NFKC").toLowerCase().trim(); }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function byId(id) { return document.getElementById(id); }

  // ---- the model --------------------------------------------------------------------------------
  var nodeById = new Map();
  var edgeById = new Map();
  var incident = new Map();
  DATA.nodes.forEach(function (n) {
    n._aliases = split(n.aliases);
    n._stageSet = new Set(split(n.stages));
    n._names = [n.id].concat(LANGS.map(function (l) { return n["label_" + l]; }), n._aliases)
      .filter(Boolean).map(norm);
    n._hidden = false;
    nodeById.set(n.id, n);
    incident.set(n.id, []);
  });
  DATA.edges.forEach(function (e) {
    e._claims = split(e.claims);
    e._stages = split(e.stages);
    var types = new Set();
    e._claims.forEach(function (c) {
      var claim = DATA.claims[c];
      var source = claim && DATA.sources[claim.source];
      if (source) types.add(source.type);
    });
    if (!types.size) split(e.source_types).forEach(function (t) { types.add(t); });
    e._types = Array.from(types).sort();
    e._hidden = false;
    edgeById.set(e.id, e);
    incident.get(e.from).push(e);
    if (e.to !== e.from) incident.get(e.to).push(e);
    e._stages.forEach(function (s) { nodeById.get(e.from)._stageSet.add(s); nodeById.get(e.to)._stageSet.add(s); });
  });
  DATA.nodes.forEach(function (n) { n._degree = incident.get(n.id).length; });
  var GROUPS = new Map();
  if (OVERVIEW) {
    DATA.nodes.forEach(function (n) {
      var side = ["indonesia", "japan", "bilateral"].indexOf(n.side) >= 0 ? n.side : "other";
      var key = side + "|" + n.class, id = "group:" + key;
      if (!GROUPS.has(id)) {
        var place = DATA.groups[key] || { x: n.x, y: n.y };
        GROUPS.set(id, { id: id, x: place.x, y: place.y, sample: n, members: [] });
      }
      n._group = id;
      GROUPS.get(id).members.push(n.id);
    });
  }

  var SIDES = STYLE.side_order.filter(function (s) { return DATA.nodes.some(function (n) { return n.side === s; }); });
  var STATUSES = STYLE.status_order.slice();
  var KIND_ORDER = STYLE.kind_order;
  var CLASSES = (function () {
    var first = new Map();
    DATA.nodes.forEach(function (n) { if (!first.has(n.class)) first.set(n.class, n); });
    return Array.from(first.keys()).sort(function (a, b) {
      var ka = KIND_ORDER.indexOf(first.get(a).kind), kb = KIND_ORDER.indexOf(first.get(b).kind);
      return (ka - kb) || cmp(first.get(a).class_label_en || a, first.get(b).class_label_en || b) || cmp(a, b);
    });
  })();
  var CLASS_SAMPLE = new Map();
  DATA.nodes.forEach(function (n) { if (!CLASS_SAMPLE.has(n.class)) CLASS_SAMPLE.set(n.class, n); });
  var SOURCE_TYPES = Array.from(new Set([].concat.apply([], DATA.edges.map(function (e) { return e._types; })))).sort();
  var STAGES = (function () {
    var present = new Set();
    DATA.nodes.forEach(function (n) { n._stageSet.forEach(function (s) { present.add(s); }); });
    var ordered = (VOCAB.stages || []).map(function (s) { return s.key; }).filter(function (k) { return present.has(k); });
    var rest = Array.from(present).filter(function (k) { return ordered.indexOf(k) < 0; }).sort();
    return ordered.concat(rest);
  })();

  var state = {
    lang: DATA.options.lang,
    sides: new Set(SIDES), classes: new Set(CLASSES), statuses: new Set(STATUSES), stypes: new Set(SOURCE_TYPES),
    stage: "", asOf: DATA.options.as_of || "",
    selected: [], edge: "", pending: false, paths: null, pathFocus: -1, preset: false, relaid: false
  };

  // ---- words ------------------------------------------------------------------------------------
  function t(key, args) {
    var text = (I18N[state.lang] && I18N[state.lang][key]) || I18N.en[key] || key;
    if (args) Object.keys(args).forEach(function (k) { text = text.split("{" + k + "}").join(String(args[k])); });
    return text;
  }
  function label(n) {
    var found = n["label_" + state.lang];
    for (var i = 0; !found && i < LANGS.length; i++) found = n["label_" + LANGS[i]];
    return found || n.id;
  }
  function labelOf(id) { var n = nodeById.get(id); return n ? label(n) : id; }
  function relationLabel(e) { return e["relation_label_" + state.lang] || e.relation_label_en || e.relation; }
  function classLabel(n) { return n["class_label_" + state.lang] || n.class_label_en || n.class; }
  function pick(labels, key) { return (labels && (labels[state.lang] || labels.en)) || key; }
  function vocabLabel(group, key) { return pick((VOCAB[group] || {})[key], key); }
  function stageLabel(key) {
    var found = (VOCAB.stages || []).filter(function (s) { return s.key === key; })[0];
    return found ? pick(found.label, key) : key;
  }
  function kindLabel(kind) { return pick((VOCAB.kinds || {})[kind], kind); }
  function sideLabel(side) { return t("side_" + side); }
  function short(text, max) { text = String(text); return text.length > max ? text.slice(0, max - 1) + "…" : text; }

  // ---- dates: '2019' means 2019-01-01 .. 2019-12-31, '2019-12' the whole month ----------------------
  function firstDay(p) {
    if (!p) return "";
    return p.length === 4 ? p + "-01-01" : p.length === 7 ? p + "-01" : p.slice(0, 10);
  }
  function lastDay(p) {
    if (!p) return "";
    if (p.length === 4) return p + "-12-31";
    if (p.length === 7) {
      var parts = p.split("-").map(Number);
      return p + "-" + String(new Date(Date.UTC(parts[0], parts[1], 0)).getUTCDate()).padStart(2, "0");
    }
    return p.slice(0, 10);
  }
  function holds(from, until, day) {
    if (from && day < firstDay(from)) return false;
    return !until || day <= lastDay(until);
  }
  function edgeHolds(e, day) {
    var claims = e._claims.map(function (c) { return DATA.claims[c]; }).filter(Boolean);
    if (!claims.length) return holds(e.valid_from, e.valid_until, day);
    return claims.some(function (c) { return holds(c.valid_from, c.valid_until, day); });
  }
  function dayToDate(index) { return new Date(EPOCH + index * DAY).toISOString().slice(0, 10); }
  function dateToDay(date) { return Math.round((Date.parse(date + "T00:00:00Z") - EPOCH) / DAY); }

  // ---- safe links ---------------------------------------------------------------------------------
  function safeHref(address) {
    if (typeof address !== "string" || !address) return null;
    var parsed;
    try { parsed = new URL(address); } catch (err) { return null; }
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  }

  // ---- DOM helpers: text only ---------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(text, onClick, className) {
    var b = el("button", className || "", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function svgEl(name, attrs) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }

  // ---- styles -------------------------------------------------------------------------------------
  function rgba(hex, alpha) {
    var v = parseInt(hex.slice(1), 16);
    return "rgba(" + ((v >> 16) & 255) + "," + ((v >> 8) & 255) + "," + (v & 255) + "," + alpha + ")";
  }
  function darker(hex) {
    var v = parseInt(hex.slice(1), 16);
    var f = function (c) { return Math.round(c * 0.65); };
    return "rgb(" + f((v >> 16) & 255) + "," + f((v >> 8) & 255) + "," + f(v & 255) + ")";
  }
  function nodeTip(n) {
    return label(n) + "\n" + classLabel(n) + " · " + sideLabel(n.side) + "\n" + n.id;
  }
  function edgeTip(e) {
    return labelOf(e.from) + " — " + relationLabel(e) + " → " + labelOf(e.to) + "\n" +
      vocabLabel("statuses", e.status) + " · " + t("n_sources", { n: e.n_sources });
  }
  function nodeView(n, mode) {
    var colour = STYLE.sides[n.side] || STYLE.sides.other;
    var kind = STYLE.kinds[n.kind] || { shape: "dot", dashed: false };
    var inside = kind.shape === "box" || kind.shape === "database";
    var alpha = mode === "dim" ? 0.16 : 1;
    var fill = inside ? rgba(colour, 0.22 * alpha) : rgba(colour, alpha);
    var border = mode === "dim" ? rgba("#777777", 0.3) : darker(colour);
    return {
      id: n.id, label: short(label(n), 30), title: nodeTip(n), shape: kind.shape,
      size: 10 + Math.min(14, 2.2 * Math.sqrt(n._degree)),
      borderWidth: mode === "focus" ? 4 : 1.5,
      shapeProperties: { borderDashes: kind.dashed ? [4, 3] : false },
      color: { background: fill, border: border, highlight: { background: fill, border: "#000000" },
               hover: { background: fill, border: "#000000" } },
      font: { size: n.kind === "institution" ? 20 : 14, face: "sans-serif",
              color: mode === "dim" ? "rgba(30,30,30,0.14)" : "#1d1d1d",
              strokeWidth: mode === "dim" ? 0 : 3, strokeColor: "#ffffff" }
    };
  }
  function edgeView(e, mode) {
    var status = STYLE.statuses[e.status] || STYLE.statuses["single-source"];
    var colour = mode === "path" ? STYLE.path : status.colour;
    return {
      id: e.id, from: e.from, to: e.to, title: edgeTip(e), dashes: status.dashes,
      width: mode === "path" ? status.width + 2.5 : status.width,
      arrows: { to: { enabled: true, scaleFactor: 0.55 } },
      color: { color: colour, highlight: colour, hover: colour, opacity: mode === "dim" ? 0.12 : 1 },
      smooth: LARGE ? false : { enabled: true, type: "curvedCW", roundness: e.curve }
    };
  }

  // ---- the network ---------------------------------------------------------------------------------
  var container = byId("network");
  // The style last handed to vis for each node and edge (its JSON): a restyle updates only the items
  // whose style changed, since vis re-reads every option of every item it is given (not in the overview,
  // which keeps its own record: drawnViews).
  var nodeStyles = new Map(), edgeStyles = new Map();
  function styled(cache, view) {  // whether ``view`` differs from what vis has; records it if so
    var text = JSON.stringify(view);
    if (cache.get(view.id) === text) return false;
    cache.set(view.id, text);
    return true;
  }
  var nodes = new vis.DataSet(OVERVIEW ? [] : DATA.nodes.map(function (n) {
    var view = nodeView(n, "normal");
    styled(nodeStyles, view);
    view.x = n.x; view.y = n.y; view.hidden = false;
    return view;
  }));
  var edges = new vis.DataSet(OVERVIEW ? [] : DATA.edges.map(function (e) {
    var view = edgeView(e, "normal");
    styled(edgeStyles, view);
    view.hidden = false;
    return view;
  }));
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 7 },
    interaction: { hover: true, tooltipDelay: 150, multiselect: false, selectConnectedEdges: false,
                   hideEdgesOnDrag: LARGE && !OVERVIEW, keyboard: false },
    edges: { selectionWidth: 1.5, hoverWidth: 0.8 }
  });
  timing.network = performance.now();
  network.once("afterDrawing", function () {
    timing.firstDraw = performance.now();
    document.body.dataset.ready = "1";
  });

  function wrapText(ctx, text, width) {
    var words = String(text).split(/\s+/), lines = [], line = "";
    words.forEach(function (word) {
      var candidate = line ? line + " " + word : word;
      if (line && ctx.measureText(candidate).width > width) { lines.push(line); line = word; } else { line = candidate; }
    });
    if (line) lines.push(line);
    return lines;
  }
  function drawRegion(ctx, region) {
    var key = String(region.key), text, fill;
    if (region.kind === "lane") {
      text = stageLabel(key);
      fill = region.shade ? "rgba(0,0,0,0.045)" : "rgba(0,0,0,0.015)";
    } else {
      var side = key.slice(5);
      text = sideLabel(side);
      fill = rgba(STYLE.sides[side] || "#8C8C8C", region.kind === "band" ? 0.05 : 0.06);
    }
    ctx.fillStyle = fill;
    ctx.fillRect(region.x0, region.y0, region.x1 - region.x0, region.y1 - region.y0);
    ctx.fillStyle = "#3a3a3a";
    ctx.textBaseline = "top";
    if (region.kind === "lane") {
      ctx.font = "bold 24px sans-serif";
      ctx.textAlign = "center";
      wrapText(ctx, text, region.x1 - region.x0 - 16).forEach(function (line, i) {
        ctx.fillText(line, (region.x0 + region.x1) / 2, region.y0 + 8 + i * 28);
      });
    } else {
      ctx.font = "bold 34px sans-serif";
      ctx.textAlign = region.kind === "band" ? "left" : "center";
      ctx.fillText(text, region.kind === "band" ? region.x0 + 10 : (region.x0 + region.x1) / 2, region.y0 + 10);
    }
  }
  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
    if (!state.relaid) (DATA.regions || []).forEach(function (r) { drawRegion(ctx, r); });
  });

  // ---- filters ----------------------------------------------------------------------------------
  function nodeVisible(n) {
    if (!state.sides.has(n.side) || !state.classes.has(n.class)) return false;
    if (state.stage && !n._stageSet.has(state.stage)) return false;
    return !state.asOf || holds(n.valid_from, n.valid_until, state.asOf);
  }
  function edgeVisible(e, shown) {
    if (!shown.has(e.from) || !shown.has(e.to) || !state.statuses.has(e.status)) return false;
    if (state.stypes.size !== SOURCE_TYPES.length && !e._types.some(function (x) { return state.stypes.has(x); })) return false;
    if (state.stage && e._stages.indexOf(state.stage) < 0) return false;
    return !state.asOf || edgeHolds(e, state.asOf);
  }
  function applyFilters() {
    var shown = new Set();
    DATA.nodes.forEach(function (n) { if (nodeVisible(n)) shown.add(n.id); });
    var nodeChanges = [], edgeChanges = [];
    DATA.nodes.forEach(function (n) {
      var hidden = !shown.has(n.id);
      if (n._hidden !== hidden) { n._hidden = hidden; nodeChanges.push({ id: n.id, hidden: hidden }); }
    });
    DATA.edges.forEach(function (e) {
      var hidden = !edgeVisible(e, shown);
      if (e._hidden !== hidden) { e._hidden = hidden; edgeChanges.push({ id: e.id, hidden: hidden }); }
    });
    if (OVERVIEW) sync();
    else {
      if (nodeChanges.length) nodes.update(nodeChanges);
      if (edgeChanges.length) edges.update(edgeChanges);
    }
    var e = DATA.edges.filter(function (x) { return !x._hidden; }).length;
    byId("shown").textContent = t("shown", { n: shown.size, N: DATA.nodes.length, e: e, E: DATA.edges.length });
  }

  // ---- coordination paths: BFS distances, then bounded depth-first enumeration ---------------------
  function hopBetween(u, v) {
    var usable = function (e) { return !e._hidden && e.asserted; };
    var order = function (x, y) {
      return (RANK[y.status] - RANK[x.status]) || (y.n_sources - x.n_sources) || cmp(x.relation, y.relation);
    };
    var forward = incident.get(u).filter(function (e) { return e.from === u && e.to === v && usable(e); }).sort(order);
    if (forward.length) return { source: u, target: v, forward: true, edges: forward.map(function (e) { return e.id; }) };
    var backward = incident.get(u).filter(function (e) { return e.from === v && e.to === u && usable(e); }).sort(order);
    return { source: u, target: v, forward: false, edges: backward.map(function (e) { return e.id; }) };
  }
  function pathScore(path) {
    var best = path.hops.map(function (h) { return edgeById.get(h.edges[0]); });
    return {
      hops: path.hops.length,
      weakest: Math.min.apply(null, best.map(function (e) { return RANK[e.status]; })),
      sources: best.reduce(function (sum, e) { return sum + e.n_sources; }, 0)
    };
  }
  function comparePaths(a, b) {
    var x = pathScore(a), y = pathScore(b);
    if (x.hops !== y.hops) return x.hops - y.hops;
    if (x.weakest !== y.weakest) return y.weakest - x.weakest;
    if (x.sources !== y.sources) return y.sources - x.sources;
    for (var i = 0; i < Math.min(a.nodes.length, b.nodes.length); i++) {
      if (a.nodes[i] !== b.nodes[i]) return cmp(a.nodes[i], b.nodes[i]);
    }
    return a.nodes.length - b.nodes.length;
  }
  function findPaths(start, end) {
    var ends = new Set([start, end]);
    var usableNode = function (id) {
      var n = nodeById.get(id);
      return !n._hidden && (ends.has(id) || PATH_KINDS.has(n.kind) || PATH_CLASSES.has(n.class));
    };
    var adjacency = new Map();
    var link = function (a, b) { if (!adjacency.has(a)) adjacency.set(a, new Set()); adjacency.get(a).add(b); };
    DATA.edges.forEach(function (e) {
      if (e._hidden || !e.asserted || e.from === e.to || !usableNode(e.from) || !usableNode(e.to)) return;
      link(e.from, e.to);
      link(e.to, e.from);
    });
    if (!adjacency.has(start) || !adjacency.has(end)) return [];
    adjacency.forEach(function (set, key) { adjacency.set(key, Array.from(set).sort()); });
    var distance = new Map([[end, 0]]), queue = [end];
    while (queue.length) {
      var u = queue.shift();
      if (distance.get(u) >= MAX_HOPS) continue;
      adjacency.get(u).forEach(function (v) { if (!distance.has(v)) { distance.set(v, distance.get(u) + 1); queue.push(v); } });
    }
    if (!distance.has(start)) return [];
    var found = [], trail = [start], onTrail = new Set([start]);
    (function walk(u) {
      if (found.length >= 5000) return;
      if (u === end) { found.push(trail.slice()); return; }
      adjacency.get(u).forEach(function (v) {
        if (onTrail.has(v) || !distance.has(v) || trail.length + distance.get(v) > MAX_HOPS) return;
        trail.push(v); onTrail.add(v);
        walk(v);
        trail.pop(); onTrail.delete(v);
      });
    })(start);
    var paths = found.map(function (ids) {
      var hops = [];
      for (var i = 0; i + 1 < ids.length; i++) hops.push(hopBetween(ids[i], ids[i + 1]));
      return { nodes: ids, hops: hops };
    });
    paths.sort(comparePaths);
    return paths.slice(0, 10);
  }

  // ---- emphasis ------------------------------------------------------------------------------------
  function emphasis() {
    var nodeMode = new Map(), edgeMode = new Map();
    if (state.paths && state.selected.length === 2) {
      var chosen = state.pathFocus >= 0 ? [state.paths[state.pathFocus]] : state.paths;
      chosen.forEach(function (p) {
        p.nodes.forEach(function (id) { nodeMode.set(id, "normal"); });
        p.hops.forEach(function (h) { h.edges.forEach(function (id) { edgeMode.set(id, "path"); }); });
      });
      state.selected.forEach(function (id) { nodeMode.set(id, "focus"); });
      return { nodes: nodeMode, edges: edgeMode };
    }
    if (state.selected.length === 1) {
      var id = state.selected[0];
      nodeMode.set(id, "focus");
      incident.get(id).forEach(function (e) {
        edgeMode.set(e.id, "normal");
        nodeMode.set(e.from === id ? e.to : e.from, nodeMode.get(e.from === id ? e.to : e.from) || "normal");
      });
      return { nodes: nodeMode, edges: edgeMode };
    }
    if (state.edge) {
      var edge = edgeById.get(state.edge);
      nodeMode.set(edge.from, "normal");
      nodeMode.set(edge.to, "normal");
      edgeMode.set(edge.id, "path");
      return { nodes: nodeMode, edges: edgeMode };
    }
    return null;
  }
  var emphasised = false;  // whether some node or edge is drawn emphasised or dimmed right now
  function restyle(force) {
    if (OVERVIEW) { sync(); return; }
    var focus = emphasis();
    if (!focus && !emphasised && !force) return;  // already drawn plain: skip a full update of every item
    emphasised = !!focus;
    var nodeChanges = DATA.nodes.map(function (n) { return nodeView(n, focus ? (focus.nodes.get(n.id) || "dim") : "normal"); })
      .filter(function (view) { return styled(nodeStyles, view); });
    var edgeChanges = DATA.edges.map(function (e) { return edgeView(e, focus ? (focus.edges.get(e.id) || "dim") : "normal"); })
      .filter(function (view) { return styled(edgeStyles, view); });
    if (nodeChanges.length) nodes.update(nodeChanges);
    if (edgeChanges.length) edges.update(edgeChanges);
  }

  // ---- the overview: groups of entities by side and class ---------------------------------------------
  var expanded = new Set(), revealed = new Set(), drawnViews = new Map();
  function unitOf(n) { return expanded.has(n._group) || revealed.has(n.id) ? n.id : n._group; }
  function groupView(g, count, mode) {
    var n = g.sample, colour = STYLE.sides[n.side] || STYLE.sides.other;
    var kind = STYLE.kinds[n.kind] || { shape: "dot", dashed: false };
    var fill = rgba(colour, mode === "dim" ? 0.16 : (kind.shape === "box" ? 0.22 : 0.85));
    var border = mode === "dim" ? rgba("#777777", 0.3) : darker(colour);
    return {
      id: g.id, label: short(classLabel(n), 22) + " (" + count + ")", shape: kind.shape,
      title: classLabel(n) + " · " + sideLabel(n.side) + "\n" + t("group_members", { n: count }),
      size: 14 + Math.min(46, 2.5 * Math.sqrt(count)), borderWidth: 2, shapeProperties: { borderDashes: false },
      color: { background: fill, border: border, highlight: { background: fill, border: "#000000" },
               hover: { background: fill, border: "#000000" } },
      font: { size: 36, face: "sans-serif", color: mode === "dim" ? "rgba(30,30,30,0.14)" : "#1d1d1d",
              strokeWidth: mode === "dim" ? 0 : 4, strokeColor: "#ffffff" }
    };
  }
  function bundleView(id, bundle, mode) {
    return {
      id: id, from: bundle.from, to: bundle.to, title: t("group_relations", { n: bundle.n }), dashes: false,
      width: Math.min(12, 1 + Math.log2(bundle.n)), arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#8c8c8c", highlight: "#8c8c8c", hover: "#8c8c8c", opacity: mode === "dim" ? 0.1 : 0.55 },
      smooth: false
    };
  }
  function put(set, want) {  // make the DataSet hold exactly ``want``, touching only what changed
    var gone = set.getIds().filter(function (id) { return !want.has(id); });
    if (gone.length) { set.remove(gone); gone.forEach(function (id) { drawnViews.delete(id); }); }
    var changed = [];
    want.forEach(function (view, id) {
      var text = JSON.stringify(view);
      if (drawnViews.get(id) === text) return;
      drawnViews.set(id, text);
      if (set.get(id) === null) { var at = nodeById.get(id) || GROUPS.get(id); if (at) { view.x = at.x; view.y = at.y; } }
      changed.push(view);
    });
    if (changed.length) set.update(changed);
  }
  function sync() {
    var focus = emphasis();
    var wantNodes = new Map(), wantEdges = new Map(), counts = new Map(), hot = new Set(), units = new Map();
    DATA.nodes.forEach(function (n) {
      if (n._hidden) return;
      var unit = unitOf(n);
      units.set(n.id, unit);
      if (unit === n.id) wantNodes.set(n.id, nodeView(n, focus ? (focus.nodes.get(n.id) || "dim") : "normal"));
      else {
        counts.set(unit, (counts.get(unit) || 0) + 1);
        if (focus && focus.nodes.has(n.id)) hot.add(unit);
      }
    });
    counts.forEach(function (count, id) {
      wantNodes.set(id, groupView(GROUPS.get(id), count, focus && !hot.has(id) ? "dim" : "normal"));
    });
    var bundles = new Map();
    DATA.edges.forEach(function (e) {
      if (e._hidden) return;
      var a = units.get(e.from), b = units.get(e.to);
      if (a === e.from && b === e.to) {
        wantEdges.set(e.id, edgeView(e, focus ? (focus.edges.get(e.id) || "dim") : "normal"));
        return;
      }
      if (a === b) return;
      var id = "bundle:" + a + ">" + b;
      if (!bundles.has(id)) bundles.set(id, { from: a, to: b, n: 0, hot: false });
      var bundle = bundles.get(id);
      bundle.n += 1;
      if (focus && focus.edges.has(e.id)) bundle.hot = true;
    });
    bundles.forEach(function (bundle, id) { wantEdges.set(id, bundleView(id, bundle, focus && !bundle.hot ? "dim" : "normal")); });
    put(nodes, wantNodes);
    put(edges, wantEdges);
  }
  function reveal() {
    revealed = new Set(state.selected);
    if (state.paths && state.selected.length === 2) {
      state.paths.forEach(function (p) { p.nodes.forEach(function (id) { revealed.add(id); }); });
    }
    if (state.edge) { var e = edgeById.get(state.edge); revealed.add(e.from); revealed.add(e.to); }
  }
  function expandGroup(id) {
    if (!GROUPS.has(id)) return;
    expanded.add(id);
    sync();
  }
  function collapseGroup(id) {
    expanded.delete(id);
    sync();
  }

  // ---- the side panel --------------------------------------------------------------------------------
  var panel = byId("panel");
  function meta(text) { return el("p", "meta", text); }
  function validity(from, until) {
    var parts = [];
    if (from) parts.push(t("valid_from", { d: from }));
    if (until) parts.push(t("valid_until", { d: until }));
    return parts.join(" ");
  }
  function sourceLine(sourceId) {
    var line = el("div", "meta");
    var source = DATA.sources[sourceId];
    line.appendChild(document.createTextNode(t("source") + ": "));
    if (!source) { line.appendChild(document.createTextNode(sourceId)); return line; }
    var href = safeHref(source.url);
    if (href) {
      var a = el("a", "", source.title);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      line.appendChild(a);
    } else {
      line.appendChild(document.createTextNode(source.title));
      if (source.document) line.appendChild(document.createTextNode(" — " + t("document") + ": " + source.document));
    }
    line.appendChild(document.createTextNode(" (" + sourceId + ", " + vocabLabel("source_types", source.type) + ")"));
    return line;
  }
  function claimItem(claimId) {
    var claim = DATA.claims[claimId];
    var item = el("li", "claim " + (claim && claim.disputes ? "disputes" : "asserts"));
    if (!claim) {
      item.appendChild(el("span", "muted", t("claim_id") + " " + claimId + " — " + t("no_evidence")));
      return item;
    }
    var head = el("div", "");
    var polarity = claim.disputes ? "disputes" : "asserts";
    head.appendChild(el("span", "badge " + polarity, t(polarity)));
    head.appendChild(document.createTextNode(" " + vocabLabel("perspectives", claim.perspective)));
    item.appendChild(head);
    item.appendChild(el("blockquote", "", claim.evidence));
    item.appendChild(sourceLine(claim.source));
    var extra = [];
    if (claim.stages && claim.stages.length) extra.push(claim.stages.map(stageLabel).join(", "));
    var valid = validity(claim.valid_from, claim.valid_until);
    if (valid) extra.push(valid);
    extra.push(t("claim_id") + " " + claimId);
    item.appendChild(el("div", "meta muted", extra.join(" · ")));
    return item;
  }
  function claimList(e) {
    var list = el("ul", "claims");
    e._claims.forEach(function (c) { list.appendChild(claimItem(c)); });
    return list;
  }
  function statusBadge(e) {
    return el("span", "badge " + e.status, vocabLabel("statuses", e.status) + " · " + t("n_sources", { n: e.n_sources }));
  }
  function arrowText(e) { return labelOf(e.from) + " — " + relationLabel(e) + " → " + labelOf(e.to); }

  function renderHint() {
    panel.replaceChildren(el("p", "hint", state.pending ? t("pick_second") : t("panel_hint")));
  }
  function renderNode(n) {
    panel.replaceChildren();
    panel.appendChild(el("h2", "", label(n)));
    var others = LANGS.filter(function (l) { return l !== state.lang && n["label_" + l] && n["label_" + l] !== label(n); })
      .map(function (l) { return n["label_" + l]; });
    if (others.length) panel.appendChild(meta(t("other_names") + ": " + others.join(" / ")));
    if (n._aliases.length) panel.appendChild(meta(t("aliases") + ": " + n._aliases.join(", ")));
    panel.appendChild(meta(classLabel(n) + " · " + kindLabel(n.kind) + " · " + sideLabel(n.side) + " · " + n.id));
    var valid = validity(n.valid_from, n.valid_until);
    if (valid) panel.appendChild(meta(t("valid") + ": " + valid));
    if (n._stageSet.size) {
      var stages = STAGES.filter(function (s) { return n._stageSet.has(s); });
      panel.appendChild(meta(t("stages") + ": " + stages.map(stageLabel).join(", ")));
    }
    if (n._hidden) panel.appendChild(meta("(" + t("hidden") + ")"));
    panel.appendChild(button(t("paths_from_here"), function () {
      state.pending = true;
      renderHint();
    }));
    if (OVERVIEW && expanded.has(n._group)) panel.appendChild(button(t("collapse_group"), function () { collapseGroup(n._group); }));
    var related = incident.get(n.id).slice().sort(function (a, b) {
      return (RANK[b.status] - RANK[a.status]) || cmp(a.id, b.id);
    });
    panel.appendChild(el("h3", "", t("relations") + " (" + related.length + ")"));
    if (!related.length) panel.appendChild(el("p", "muted", t("no_relations")));
    var list = el("ul", "");
    related.forEach(function (e) {
      var item = el("li", e._hidden ? "muted" : "");
      item.appendChild(button(arrowText(e), function () { selectEdge(e.id); }, "linkish"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(statusBadge(e));
      if (e._hidden) item.appendChild(document.createTextNode(" (" + t("hidden") + ")"));
      var details = el("details", "");
      details.appendChild(el("summary", "", t("claims") + " (" + e._claims.length + ")"));
      details.appendChild(claimList(e));
      item.appendChild(details);
      list.appendChild(item);
    });
    panel.appendChild(list);
  }
  function renderEdge(e) {
    panel.replaceChildren();
    var title = el("h2", "");
    title.appendChild(button(labelOf(e.from), function () { selectNodes([e.from]); }, "linkish"));
    title.appendChild(document.createTextNode(" — " + relationLabel(e) + " → "));
    title.appendChild(button(labelOf(e.to), function () { selectNodes([e.to]); }, "linkish"));
    panel.appendChild(title);
    var status = el("p", "meta");
    status.appendChild(statusBadge(e));
    panel.appendChild(status);
    if (e.status === "contested") panel.appendChild(meta(t("disputed_note")));
    var labelled = function (group, keys) { return keys.map(function (x) { return vocabLabel(group, x); }).join(", "); };
    if (e._types.length) panel.appendChild(meta(t("source_types") + ": " + labelled("source_types", e._types)));
    var perspectives = split(e.perspectives);
    if (perspectives.length) panel.appendChild(meta(t("perspectives") + ": " + labelled("perspectives", perspectives)));
    var valid = validity(e.valid_from, e.valid_until);
    if (valid) panel.appendChild(meta(t("valid") + ": " + valid));
    if (e._stages.length) panel.appendChild(meta(t("stages") + ": " + e._stages.map(stageLabel).join(", ")));
    if (e._hidden) panel.appendChild(meta("(" + t("hidden") + ")"));
    panel.appendChild(el("h3", "", t("claims") + " (" + e._claims.length + ")"));
    panel.appendChild(claimList(e));
  }
  function renderPaths() {
    var a = state.selected[0], b = state.selected[1];
    panel.replaceChildren();
    panel.appendChild(el("h2", "", t("paths_title", { a: labelOf(a), b: labelOf(b) })));
    var paths = state.paths || [];
    panel.appendChild(meta(paths.length ? t("paths_found", { n: paths.length, h: MAX_HOPS }) : t("paths_none", { h: MAX_HOPS })));
    var list = el("ol", "paths");
    paths.forEach(function (p, index) {
      var item = el("li", "path");
      var head = t("hops", { n: p.hops.length }) + ": " + p.nodes.map(labelOf).join(" → ");
      item.appendChild(button(head, function () {
        state.pathFocus = state.pathFocus === index ? -1 : index;
        restyle();
      }, "linkish"));
      p.hops.forEach(function (h) {
        var hop = el("div", "hop");
        var best = edgeById.get(h.edges[0]);
        hop.appendChild(document.createTextNode(arrowText(best) + " "));
        hop.appendChild(statusBadge(best));
        var details = el("details", "");
        details.appendChild(el("summary", "", t("evidence")));
        h.edges.forEach(function (id) {
          var e = edgeById.get(id);
          if (h.edges.length > 1) details.appendChild(el("div", "meta", arrowText(e)));
          details.appendChild(claimList(e));
        });
        hop.appendChild(details);
        item.appendChild(hop);
      });
      list.appendChild(item);
    });
    panel.appendChild(list);
    panel.appendChild(button(t("clear"), clearSelection));
  }
  function renderPanel() {
    if (state.selected.length === 2) renderPaths();
    else if (state.selected.length === 1) renderNode(nodeById.get(state.selected[0]));
    else if (state.edge) renderEdge(edgeById.get(state.edge));
    else renderHint();
  }

  // ---- selection -----------------------------------------------------------------------------------
  function show() {
    if (OVERVIEW) { reveal(); sync(); }
    var drawnOnly = function (set, ids) { return OVERVIEW ? ids.filter(function (id) { return set.get(id) !== null; }) : ids; };
    network.setSelection({ nodes: drawnOnly(nodes, state.selected), edges: drawnOnly(edges, state.edge ? [state.edge] : []) },
                         { unselectAll: true, highlightEdges: false });
    if (!OVERVIEW) restyle();
    renderPanel();
    writeHash();
  }
  function selectNodes(ids) {
    state.selected = ids.filter(function (id) { return nodeById.has(id); }).slice(0, 2);
    state.edge = "";
    state.pending = false;
    state.pathFocus = -1;
    state.preset = false;
    state.paths = state.selected.length === 2 ? findPaths(state.selected[0], state.selected[1]) : null;
    show();
  }
  function selectEdge(id) {
    if (!edgeById.has(id)) return;
    state.selected = [];
    state.edge = id;
    state.paths = null;
    state.pending = false;
    show();
  }
  function clearSelection() {
    state.selected = [];
    state.edge = "";
    state.paths = null;
    state.pending = false;
    show();
  }
  network.on("click", function (params) {
    var source = (params.event && params.event.srcEvent) || {};
    var extend = source.ctrlKey || source.metaKey || source.shiftKey || state.pending;
    var nodeId = network.getNodeAt(params.pointer.DOM);
    if (GROUPS.has(nodeId)) { expandGroup(nodeId); return; }
    if (nodeId !== undefined) {
      if (extend && state.selected.length >= 1 && state.selected[0] !== nodeId) selectNodes([state.selected[0], nodeId]);
      else selectNodes([nodeId]);
      return;
    }
    var edgeId = network.getEdgeAt(params.pointer.DOM);
    if (edgeId !== undefined && edgeId.indexOf("bundle:") === 0) {
      var bundle = edges.get(edgeId);
      [bundle.from, bundle.to].forEach(function (id) { if (GROUPS.has(id)) expanded.add(id); });
      sync();
    }
    else if (edgeId !== undefined) selectEdge(edgeId);
    else clearSelection();
  });

  // ---- search --------------------------------------------------------------------------------------
  var searchBox = byId("search"), results = byId("search-results");
  function search(text) {
    var q = norm(text);
    if (!q) return [];
    var hits = [];
    DATA.nodes.forEach(function (n) {
      var best = 9;
      n._names.forEach(function (name) {
        if (name === q) best = Math.min(best, 0);
        else if (name.indexOf(q) === 0) best = Math.min(best, 1);
        else if (name.indexOf(q) > 0) best = Math.min(best, 2);
      });
      if (best < 9) hits.push([best, norm(label(n)), n.id]);
    });
    hits.sort(function (a, b) { return (a[0] - b[0]) || cmp(a[1], b[1]) || cmp(a[2], b[2]); });
    return hits.slice(0, 15).map(function (h) { return h[2]; });
  }
  function choose(id) {
    results.replaceChildren();
    selectNodes([id]);
    if (nodes.get(id) !== null) network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false });
  }
  function renderResults() {
    results.replaceChildren();
    var ids = search(searchBox.value);
    if (!ids.length && norm(searchBox.value)) { results.appendChild(el("li", "muted", t("search_none"))); return; }
    ids.forEach(function (id, index) {
      var n = nodeById.get(id);
      var item = el("li", index === 0 ? "active" : "");
      item.dataset.id = id;
      item.appendChild(el("span", "", label(n)));
      var sub = [classLabel(n), sideLabel(n.side), n.id].concat(n._aliases.slice(0, 3));
      if (n._hidden) sub.push(t("hidden"));
      item.appendChild(el("span", "sub", sub.join(" · ")));
      item.addEventListener("click", function () { choose(id); });
      results.appendChild(item);
    });
  }
  searchBox.addEventListener("input", renderResults);
  searchBox.addEventListener("keydown", function (event) {
    var items = Array.from(results.querySelectorAll("li[data-id]"));
    var current = items.findIndex(function (li) { return li.classList.contains("active"); });
    if (event.key === "Enter" && items.length) { choose(items[Math.max(current, 0)].dataset.id); event.preventDefault(); }
    else if (event.key === "Escape") { results.replaceChildren(); }
    else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && items.length) {
      var next = (current + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items.forEach(function (li, i) { li.classList.toggle("active", i === next); });
      event.preventDefault();
    }
  });

  // ---- filter controls ---------------------------------------------------------------------------------
  function checkboxGroup(box, values, chosen, describe) {
    box.replaceChildren();
    var quick = el("div", "quick");
    quick.appendChild(button(t("all"), function () { values.forEach(function (v) { chosen.add(v); }); controls(); refresh(); }));
    quick.appendChild(button(t("none"), function () { chosen.clear(); controls(); refresh(); }));
    box.appendChild(quick);
    values.forEach(function (value) {
      var head = describe.heading && describe.heading(value);
      if (head) box.appendChild(el("div", "kind", head));
      var row = el("label", "");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.checked = chosen.has(value);
      input.dataset.value = value;
      input.addEventListener("change", function () {
        if (input.checked) chosen.add(value); else chosen.delete(value);
        refresh();
      });
      row.appendChild(input);
      if (describe.swatch) row.appendChild(describe.swatch(value));
      row.appendChild(el("span", "", describe.text(value)));
      box.appendChild(row);
    });
  }
  function controls() {
    checkboxGroup(byId("filter-side"), SIDES, state.sides,
                  { text: sideLabel, swatch: function (s) { return swatchShape("dot", STYLE.sides[s], false); } });
    checkboxGroup(byId("filter-status"), STATUSES, state.statuses,
                  { text: function (s) { return vocabLabel("statuses", s); }, swatch: swatchLine });
    checkboxGroup(byId("filter-stype"), SOURCE_TYPES, state.stypes,
                  { text: function (s) { return vocabLabel("source_types", s); } });
    var lastKind = null;
    checkboxGroup(byId("filter-class"), CLASSES, state.classes, {
      text: function (c) { return classLabel(CLASS_SAMPLE.get(c)); },
      heading: function (c) {
        var kind = CLASS_SAMPLE.get(c).kind;
        if (kind === lastKind) return null;
        lastKind = kind;
        return kindLabel(kind);
      }
    });
    var stage = byId("filter-stage");
    stage.replaceChildren();
    var all = el("option", "", t("all_stages"));
    all.value = "";
    stage.appendChild(all);
    STAGES.forEach(function (key) {
      var option = el("option", "", stageLabel(key));
      option.value = key;
      stage.appendChild(option);
    });
    stage.value = state.stage;
    var on = byId("asof-on"), range = byId("asof-range"), date = byId("asof-date");
    var today = new Date().toISOString().slice(0, 10);
    range.max = String(Math.max(0, dateToDay(today)));
    on.checked = !!state.asOf;
    if (state.asOf) {
      date.value = state.asOf;
      range.value = String(Math.min(Math.max(0, dateToDay(state.asOf)), Number(range.max)));
    }
  }
  byId("filter-stage").addEventListener("change", function (event) { state.stage = event.target.value; refresh(); });
  byId("asof-on").addEventListener("change", function (event) {
    var date = byId("asof-date"), range = byId("asof-range");
    if (event.target.checked) {
      if (!date.value) date.value = dayToDate(Number(range.value || 0));
      state.asOf = date.value;
    } else {
      state.asOf = "";
    }
    refresh();
  });
  byId("asof-range").addEventListener("input", function (event) {
    var day = dayToDate(Number(event.target.value));
    byId("asof-date").value = day;
    state.asOf = day;
    byId("asof-on").checked = true;
    refresh();
  });
  byId("asof-date").addEventListener("change", function (event) {
    var value = event.target.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return;
    state.asOf = value;
    byId("asof-on").checked = true;
    var range = byId("asof-range");
    range.value = String(Math.min(Math.max(0, dateToDay(value)), Number(range.max)));
    refresh();
  });
  byId("reset").addEventListener("click", function () {
    state.sides = new Set(SIDES); state.classes = new Set(CLASSES); state.statuses = new Set(STATUSES);
    state.stypes = new Set(SOURCE_TYPES); state.stage = ""; state.asOf = "";
    controls();
    refresh();
  });

  // ---- legend --------------------------------------------------------------------------------------
  function swatchShape(shape, colour, dashed) {
    var svg = svgEl("svg", { width: 22, height: 18, viewBox: "0 0 22 18" });
    var inside = shape === "box" || shape === "database";
    var paint = { fill: inside ? rgba(colour, 0.22) : colour, stroke: darker(colour), "stroke-width": 1.5 };
    if (dashed) paint["stroke-dasharray"] = "3 2";
    var figure;
    if (shape === "dot") figure = svgEl("circle", { cx: 11, cy: 9, r: 6 });
    else if (shape === "square") figure = svgEl("rect", { x: 5, y: 3, width: 12, height: 12 });
    else if (shape === "box") figure = svgEl("rect", { x: 2, y: 4, width: 18, height: 10, rx: 3 });
    else if (shape === "database") {
      figure = svgEl("path", { d: "M4 5 a7 2.5 0 0 0 14 0 v8 a7 2.5 0 0 1 -14 0 z M4 5 a7 2.5 0 0 1 14 0" });
    }
    else {
      var points = {
        diamond: "11,2 18,9 11,16 4,9", triangle: "11,2 18,15 4,15", triangleDown: "4,3 18,3 11,16",
        hexagon: "7,3 15,3 19,9 15,15 7,15 3,9",
        star: "11,1 13.4,6.6 19.5,7 14.8,10.9 16.3,16.8 11,13.6 5.7,16.8 7.2,10.9 2.5,7 8.6,6.6"
      }[shape] || "11,2 18,9 11,16 4,9";
      figure = svgEl("polygon", { points: points });
    }
    Object.keys(paint).forEach(function (k) { figure.setAttribute(k, String(paint[k])); });
    svg.appendChild(figure);
    return svg;
  }
  function swatchLine(status, colourOverride) {
    var spec = STYLE.statuses[status] || { colour: "#000000", dashes: false, width: 2 };
    var svg = svgEl("svg", { width: 36, height: 12, viewBox: "0 0 36 12" });
    var line = svgEl("line", { x1: 1, y1: 6, x2: 35, y2: 6, stroke: colourOverride || spec.colour,
                               "stroke-width": colourOverride ? spec.width + 2 : spec.width });
    if (spec.dashes) line.setAttribute("stroke-dasharray", spec.dashes.join(" "));
    svg.appendChild(line);
    return svg;
  }
  function legend() {
    var box = byId("legend");
    box.replaceChildren();
    var item = function (swatch, text) {
      var row = el("div", "item");
      row.appendChild(swatch);
      row.appendChild(el("span", "", text));
      box.appendChild(row);
    };
    box.appendChild(el("h3", "", t("legend_colour")));
    SIDES.forEach(function (s) { item(swatchShape("dot", STYLE.sides[s], false), sideLabel(s)); });
    box.appendChild(el("h3", "", t("legend_shape")));
    KIND_ORDER.filter(function (k) { return DATA.nodes.some(function (n) { return n.kind === k; }); }).forEach(function (k) {
      var spec = STYLE.kinds[k];
      item(swatchShape(spec.shape, "#8C8C8C", spec.dashed), kindLabel(k));
    });
    box.appendChild(el("h3", "", t("legend_line")));
    STATUSES.forEach(function (s) { item(swatchLine(s), vocabLabel("statuses", s)); });
    item(swatchLine("triangulated", STYLE.path), t("legend_path"));
  }

  // ---- language --------------------------------------------------------------------------------------
  function texts() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach(function (node) { node.textContent = t(node.dataset.i18n); });
    searchBox.placeholder = t("search_placeholder");
    var title = t(DATA.options.view === "swimlane" ? "title_swimlane" : "title");
    byId("title").textContent = title;
    var subtitle = [];
    if (DATA.options.stage) subtitle.push(t("subtitle_stage", { stage: stageLabel(DATA.options.stage) }));
    if (DATA.options.around) {
      subtitle.push(t("subtitle_around", { node: labelOf(DATA.options.around), depth: DATA.options.depth }));
    }
    if (OVERVIEW) subtitle.push(t("subtitle_overview", { n: DATA.nodes.length }));
    if (DATA.preset && DATA.preset.start) {
      subtitle.push(t("subtitle_paths", { a: labelOf(DATA.preset.start), b: labelOf(DATA.preset.end) }));
    }
    byId("subtitle").textContent = subtitle.join(" · ");
    document.title = title + (subtitle.length ? " — " + subtitle.join(" · ") : "") + " — tokutei-kg";
    byId("lang").value = state.lang;
  }
  function setLang(lang) {
    if (LANGS.indexOf(lang) < 0) return;
    state.lang = lang;
    texts();
    controls();
    legend();
    restyle(true);
    applyFilters();
    renderPanel();
    if (searchBox.value) renderResults();
    writeHash();
    network.redraw();
  }
  LANGS.forEach(function (l) {
    var option = el("option", "", (I18N[l] || {}).language_name || l);
    option.value = l;
    byId("lang").appendChild(option);
  });
  byId("lang").addEventListener("change", function (event) { setLang(event.target.value); });

  // ---- view state in the URL -----------------------------------------------------------------------
  function encode(value) { return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%2C/gi, ","); }
  function excluded(all, chosen) { return all.filter(function (v) { return !chosen.has(v); }).join(","); }
  function writeHash() {
    var parts = [];
    var add = function (key, value) { if (value) parts.push(key + "=" + encode(value)); };
    if (state.lang !== DATA.options.lang) add("lang", state.lang);
    if (state.selected.length === 1) add("node", state.selected[0]);
    if (state.selected.length === 2 && !state.preset) add("path", state.selected.join(","));
    add("edge", state.edge);
    add("xside", excluded(SIDES, state.sides));
    add("xclass", excluded(CLASSES, state.classes));
    add("xstatus", excluded(STATUSES, state.statuses));
    add("xstype", excluded(SOURCE_TYPES, state.stypes));
    add("stage", state.stage);
    if (FORCED_FULL) add("view", "full");
    if (state.asOf !== (DATA.options.as_of || "")) add("asof", state.asOf || "none");
    var hash = parts.length ? "#" + parts.join("&") : "";
    if (location.hash === hash || (!hash && !location.hash)) return;
    try { history.replaceState(null, "", hash || location.pathname + location.search); } catch (err) { /* sandboxed frame */ }
  }
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var keep = function (key, all) {
      var out = new Set((params.get(key) || "").split(",").filter(Boolean));
      return new Set(all.filter(function (v) { return !out.has(v); }));
    };
    state.lang = LANGS.indexOf(params.get("lang")) >= 0 ? params.get("lang") : DATA.options.lang;
    state.sides = keep("xside", SIDES);
    state.classes = keep("xclass", CLASSES);
    state.statuses = keep("xstatus", STATUSES);
    state.stypes = keep("xstype", SOURCE_TYPES);
    state.stage = STAGES.indexOf(params.get("stage")) >= 0 ? params.get("stage") : "";
    var asOf = params.get("asof") || "";
    state.asOf = asOf === "none" ? "" : /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? asOf : (DATA.options.as_of || "");
    var pair = (params.get("path") || "").split(",").filter(function (id) { return nodeById.has(id); });
    var node = params.get("node"), edge = params.get("edge");
    return { nodes: pair.length === 2 ? pair : nodeById.has(node) ? [node] : [], edge: edgeById.has(edge) ? edge : "" };
  }
  function restoreSelection(selection) {
    if (selection.nodes.length) selectNodes(selection.nodes);
    else if (selection.edge) selectEdge(selection.edge);
    else if (DATA.preset && DATA.preset.paths && !location.hash) {
      state.selected = [DATA.preset.start, DATA.preset.end];
      state.paths = DATA.preset.paths;
      state.preset = true;
      show();
      var onPaths = new Set([].concat.apply([], state.paths.map(function (p) { return p.nodes; })));
      if (onPaths.size) network.once("afterDrawing", function () {
        network.fit({ nodes: Array.from(onPaths).filter(function (id) { return nodes.get(id) !== null; }), animation: false });
      });
    } else clearSelection();
  }
  window.addEventListener("hashchange", function () {
    var selection = readHash();
    texts(); controls(); legend(); applyFilters();
    restoreSelection(selection);
  });

  function refresh() {
    applyFilters();
    if (state.selected.length === 2 && !state.preset) state.paths = findPaths(state.selected[0], state.selected[1]);
    restyle();
    renderPanel();
    writeHash();
  }

  // ---- buttons ----------------------------------------------------------------------------------------
  byId("fit").addEventListener("click", function () { network.fit({ animation: false }); });
  byId("relayout").addEventListener("click", function () {
    state.relaid = true;
    network.setOptions({ physics: { enabled: true, solver: "forceAtlas2Based",
                                    forceAtlas2Based: { gravitationalConstant: -70, springLength: 140 },
                                    stabilization: { enabled: true, iterations: 400, updateInterval: 50, fit: true } } });
    network.stabilize(400);
  });
  network.on("stabilizationIterationsDone", function () { network.setOptions({ physics: { enabled: false } }); });
  byId("original-layout").addEventListener("click", function () {
    network.setOptions({ physics: { enabled: false } });
    state.relaid = false;
    nodes.update(nodes.getIds().map(function (id) {
      var at = nodeById.get(id) || GROUPS.get(id);
      return { id: id, x: at.x, y: at.y };
    }));
    network.fit({ animation: false });
  });
  byId("png").addEventListener("click", function () {
    var canvas = container.querySelector("canvas");
    var link = document.createElement("a");
    link.href = canvas.toDataURL("image/png");
    link.download = "tokutei-explorer.png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  // ---- start -------------------------------------------------------------------------------------------
  var initial = readHash();
  texts();
  controls();
  legend();
  applyFilters();
  restoreSelection(initial);
  network.fit({ animation: false });
  timing.started = performance.now();
  network.once("afterDrawing", function () {  // the first frame after start-up: nothing moves from here on
    timing.settled = performance.now();
    document.body.dataset.settled = "1";
  });
  network.redraw();

  window.tkgExplorer = Object.freeze({
    network: network, nodes: nodes, edges: edges, state: state, timing: timing,
    drawn: function () { return { nodes: network.body.nodeIndices.length, edges: network.body.edgeIndices.length }; },
    visibleNodeIds: function () { return network.body.nodeIndices.slice().sort(); },
    search: search, selectNodes: selectNodes, selectEdge: selectEdge, findPaths: findPaths,
    setLang: setLang, safeHref: safeHref, overview: OVERVIEW, expandGroup: expandGroup, collapseGroup: collapseGroup,
    groups: function () { return Array.from(GROUPS.keys()).sort(); }
  });
})();
