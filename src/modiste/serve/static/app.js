// Modiste studio page: plain JS over the REST API (no external assets, works offline).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { models: [], model: null, current: null, picks: [], token: sessionStorage.getItem("modiste-token") || "" };
const GRID_SIZE = 12;

function headers(extra = {}) {
  const h = { ...extra };
  if (state.token) h["Authorization"] = "Bearer " + state.token;
  return h;
}

function say(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function api(path, { method = "GET", body = null, form = null, expect = "json" } = {}) {
  const opts = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body) opts.body = JSON.stringify(body);
  if (form) opts.body = form;
  const resp = await fetch(path, opts);
  if (resp.status === 401) {
    $("token-row").hidden = false;
    throw new Error("this server needs an access token: enter it above");
  }
  if (!resp.ok) {
    let msg = resp.statusText;
    try { msg = (await resp.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return expect === "blob" ? resp.blob() : resp.json();
}

function guard(fn) {
  return async (...args) => {
    try { await fn(...args); } catch (e) { say(e.message, true); }
  };
}

function selectedClass() {
  const v = $("class").value;
  return v === "" ? null : v;
}

function baseParams() {
  const p = { model: state.model.name, truncation: parseFloat($("truncation").value) };
  const c = selectedClass();
  if (c !== null) p["class"] = c;
  return p;
}

async function loadModels() {
  const data = await api("/api/models");
  state.models = data.models;
  const sel = $("model");
  const keep = sel.value;
  sel.innerHTML = "";
  for (const m of state.models) {
    const o = document.createElement("option");
    o.value = m.name;
    o.textContent = `${m.name} (${m.width}x${m.height}${m.classes.length ? ", " + m.classes.length + " classes" : ""})`;
    sel.appendChild(o);
  }
  if (keep && state.models.some((m) => m.name === keep)) sel.value = keep;
  selectModel();
}

function selectModel() {
  state.model = state.models.find((m) => m.name === $("model").value) || state.models[0];
  const cls = $("class");
  cls.innerHTML = "";
  cls.disabled = state.model.classes.length === 0;
  if (cls.disabled) {
    const o = document.createElement("option");
    o.value = ""; o.textContent = "(unconditional)";
    cls.appendChild(o);
  }
  for (const c of state.model.classes) {
    const o = document.createElement("option");
    o.value = c; o.textContent = c;
    cls.appendChild(o);
  }
  buildSliders();
}

async function generateGrid() {
  const start = parseInt($("seed-start").value || "0", 10);
  const seeds = Array.from({ length: GRID_SIZE }, (_, i) => start + i);
  say("generating…");
  const data = await api("/api/generate", { method: "POST", body: { ...baseParams(), seeds, format: "json" } });
  const grid = $("grid");
  grid.innerHTML = "";
  for (const im of data.images) {
    const card = document.createElement("div");
    card.className = "card";
    card.innerHTML = `<img alt="seed ${im.seed}" src="data:image/png;base64,${im.png_base64}">
      <div class="row"><span>seed ${im.seed}</span><button type="button" class="secondary">Pick for mix</button></div>`;
    card.querySelector("img").addEventListener("click", guard(() => openProduct({ seed: im.seed })));
    card.querySelector("button").addEventListener("click", () => pickForMix(im.seed));
    card.dataset.seed = im.seed;
    grid.appendChild(card);
  }
  say(`seeds ${seeds[0]}–${seeds[seeds.length - 1]} of ${state.model.name}`);
}

async function openProduct(target) {
  state.current = { ...target, params: baseParams() };
  $("product").hidden = false;
  $("product-caption").textContent = target.latents ? "projected photo" : `seed ${target.seed}`;
  $("descriptions").innerHTML = "";
  $("product-record").innerHTML = "";
  $("exports").innerHTML = "";
  if (state.model.classes.length && selectedClass()) $("context").value = selectedClass().toLowerCase();
  resetSliders();
  await renderEdit();
  $("product").scrollIntoView({ behavior: "smooth" });
}

function buildSliders() {
  const box = $("sliders");
  box.innerHTML = "";
  const dirs = (state.model.directions || []).slice(0, 8);
  $("no-directions").hidden = dirs.length > 0;
  dirs.forEach((name, i) => {
    const row = document.createElement("div");
    row.className = "slider";
    row.innerHTML = `<label for="dir-${i}">${name}</label>
      <input id="dir-${i}" type="range" min="-3" max="3" step="0.25" value="0" data-direction="${name}">
      <output for="dir-${i}">0</output>`;
    const input = row.querySelector("input");
    input.addEventListener("input", () => { row.querySelector("output").textContent = input.value; scheduleEdit(); });
    box.appendChild(row);
  });
}

function resetSliders() {
  for (const input of document.querySelectorAll("#sliders input")) {
    input.value = 0;
    input.parentElement.querySelector("output").textContent = "0";
  }
}

let editTimer = null;
function scheduleEdit() {
  clearTimeout(editTimer);
  editTimer = setTimeout(guard(renderEdit), 120);
}

let editSerial = 0;
async function renderEdit() {
  if (!state.current) return;
  const edits = [...document.querySelectorAll("#sliders input")]
    .filter((i) => parseFloat(i.value) !== 0)
    .map((i) => ({ direction: i.dataset.direction, strength: parseFloat(i.value) }));
  const body = { ...state.current.params, edits };
  if (state.current.latents) body.latents = state.current.latents; else body.seed = state.current.seed;
  if ($("edit-layers").value) body.layers = $("edit-layers").value;
  const serial = ++editSerial;
  const blob = await api("/api/edit", { method: "POST", body, expect: "blob" });
  if (serial !== editSerial) return; // a newer slider position already asked
  const img = $("product-image");
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  img.dataset.edits = JSON.stringify(edits);
}

async function findDirections() {
  say("finding directions (SeFa)…");
  await api("/api/directions", { method: "POST", body: { model: state.model.name, method: "sefa", num: 6 } });
  await loadModels();
  say("directions ready");
}

async function describe() {
  const context = $("context").value.trim();
  if (!context) throw new Error("type a context first, e.g. sleeveless red asymmetric dress");
  say("writing descriptions…");
  const data = await api("/api/describe", { method: "POST", body: { context, n: 3 } });
  $("descriptions").innerHTML = data.descriptions.map((d) => `<li>${escapeHtml(d)}</li>`).join("");
  say(`${data.descriptions.length} descriptions`);
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function runJob(kind, params, progressEl) {
  const job = await api("/api/jobs", { method: "POST", body: { kind, params } });
  if (progressEl) { progressEl.hidden = false; progressEl.value = 0; }
  state.runningJob = job.id;
  for (;;) {
    await new Promise((r) => setTimeout(r, 400));
    const st = await api(`/api/jobs/${job.id}`);
    if (progressEl) progressEl.value = st.progress;
    say(`${kind}: ${st.status}${st.message ? " — " + st.message : ""}`);
    if (st.status === "done") return st;
    if (st.status === "failed") throw new Error(st.error);
    if (st.status === "cancelled") throw new Error(`${kind} cancelled`);
  }
}

async function jobFileUrl(jobId, name) {
  const blob = await api(`/api/jobs/${jobId}/files/${encodeURIComponent(name)}`, { expect: "blob" });
  return URL.createObjectURL(blob);
}

async function makeProduct() {
  if (!state.current || state.current.latents) throw new Error("open a generated seed first");
  say("making the product…");
  const st = await runJob("product", { ...state.current.params, seeds: [state.current.seed] });
  const rec = st.result.products[0];
  const checks = (rec.checks || []).map((c) => `<li class="${c.passed ? "pass" : "fail"}">${escapeHtml(c.name)}: ${c.passed ? "passed" : escapeHtml(c.reason || "failed")}</li>`).join("");
  const tags = Object.entries(rec.tags || {}).map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v.label)} (${Math.round(100 * v.confidence)}%)`).join(", ");
  $("product-record").innerHTML = `<h3 id="product-name">${escapeHtml(rec.title)}</h3><p>${escapeHtml(tags)}</p>
    <p>${escapeHtml(rec.description)}</p><ul class="checks">${checks}</ul>`;
  const links = [];
  for (const name of st.files.filter((f) => /\.(jsonl|html|csv)$/.test(f))) {
    const url = await jobFileUrl(st.id, name);
    links.push(`<a href="${url}" download="${escapeHtml(name)}">Export ${escapeHtml(name)}</a>`);
  }
  $("exports").innerHTML = links.join(" · ");
  say("product ready");
}

function pickForMix(seed) {
  state.picks = [...state.picks, seed].slice(-2);
  $("mix-a").textContent = state.picks[0] ?? "none";
  $("mix-b").textContent = state.picks[1] ?? "none";
  $("mix").disabled = state.picks.length < 2;
}

async function mix() {
  const [a, b] = state.picks;
  const blob = await api("/api/mix", { method: "POST", expect: "blob",
    body: { ...baseParams(), rows: [a], cols: [b], layers: $("mix-layers").value } });
  const img = $("mix-image");
  img.src = URL.createObjectURL(blob);
  img.hidden = false;
  say(`mixed ${$("mix-layers").value} styles of ${b} into ${a}`);
}

async function walk() {
  const seeds = $("walk-seeds").value.split(/[ ,]+/).filter(Boolean).map(Number);
  $("walk-cancel").hidden = false;
  try {
    const st = await runJob("walk", { ...baseParams(), seeds, frames: parseInt($("walk-frames").value, 10), format: "gif", loop: true },
      $("walk-progress"));
    const img = $("walk-image");
    img.src = await jobFileUrl(st.id, st.files.find((f) => f.endsWith(".gif")));
    img.hidden = false;
    say("walk ready");
  } finally {
    $("walk-cancel").hidden = true;
  }
}

async function cancelJob() {
  if (state.runningJob) await api(`/api/jobs/${state.runningJob}/cancel`, { method: "POST" });
}

async function project() {
  const file = $("photo").files[0];
  if (!file) throw new Error("choose a photo first");
  const form = new FormData();
  form.append("file", file);
  say("uploading…");
  const up = await api("/api/uploads", { method: "POST", form });
  const params = { model: state.model.name, upload: up.upload, steps: parseInt($("project-steps").value, 10), pti: $("project-pti").checked };
  const c = selectedClass();
  if (c !== null) params["class"] = c;
  const st = await runJob("project", params, $("project-progress"));
  $("project-image").src = await jobFileUrl(st.id, "comparison.png");
  const s = st.result.scores || {};
  $("project-scores").textContent = Object.entries(s).map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(3) : v}`).join(" · ");
  $("project-result").hidden = false;
  $("open-projection").onclick = guard(() => openProduct({ latents: st.id }));
  say("projection ready: open it to edit");
}

function init() {
  $("truncation").addEventListener("input", () => { $("truncation-value").textContent = $("truncation").value; });
  $("controls").addEventListener("submit", (e) => { e.preventDefault(); guard(generateGrid)(); });
  $("random").addEventListener("click", guard(() => { $("seed-start").value = Math.floor(Math.random() * 100000); return generateGrid(); }));
  $("model").addEventListener("change", () => { selectModel(); guard(generateGrid)(); });
  $("class").addEventListener("change", guard(generateGrid));
  $("edit-layers").addEventListener("change", scheduleEdit);
  $("reset-edits").addEventListener("click", () => { resetSliders(); scheduleEdit(); });
  $("find-directions").addEventListener("click", guard(findDirections));
  $("describe").addEventListener("click", guard(describe));
  $("make-product").addEventListener("click", guard(makeProduct));
  $("mix").addEventListener("click", guard(mix));
  $("walk").addEventListener("click", guard(walk));
  $("walk-cancel").addEventListener("click", guard(cancelJob));
  $("project").addEventListener("click", guard(project));
  $("token-save").addEventListener("click", guard(async () => {
    state.token = $("token").value.trim();
    sessionStorage.setItem("modiste-token", state.token);
    $("token-row").hidden = true;
    await loadModels();
    await generateGrid();
  }));
  guard(async () => { await loadModels(); await generateGrid(); })();
}

init();
