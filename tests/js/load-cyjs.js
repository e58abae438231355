// Load a Cytoscape JSON export in cytoscape.js (headless) and print what it holds, as JSON.
// Usage: node load-cyjs.js FILE.cyjs
"use strict";
const fs = require("fs");
const cytoscape = require("cytoscape");

const document = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const cy = cytoscape({ headless: true, elements: document.elements });
const dangling = cy.edges().filter((e) => e.source().empty() || e.target().empty()).length;
console.log(JSON.stringify({
  nodes: cy.nodes().length,
  edges: cy.edges().length,
  dangling,
  firstNode: cy.nodes().length ? cy.nodes()[0].data() : null,
}));
