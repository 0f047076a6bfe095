// Latent Lab's in-browser decoder (Custom Components v2): decode latents on every pointer move, paint them
// on canvases in the same frame, and tell Python only the final latent, on release.
// The forward pass reads the layer list and float32 weights made by models/runtime/export.py (decoder_spec):
// dense, reshape, conv2d, conv2d_transpose ('same' padding), upsampling2d, affine (folded batch norm),
// activation. Weights are cached per page load by their SHA-256, so Python sends each decoder once.

const LAB = (window.__latentLab = window.__latentLab || {
  nets: new Map(),             // sha -> compiled decoder
  memo: {},                    // component id -> last latent / slider values (the browser leads while it lives)
  stats: { frames: 0, latencies: [], releases: 0 },
});

function act(buf, name) {
  if (name === "relu") for (let i = 0; i < buf.length; i++) buf[i] = buf[i] > 0 ? buf[i] : 0;
  else if (name === "sigmoid") for (let i = 0; i < buf.length; i++) buf[i] = 1 / (1 + Math.exp(-buf[i]));
  else if (name === "tanh") for (let i = 0; i < buf.length; i++) buf[i] = Math.tanh(buf[i]);
  else if (name === "leaky_relu") for (let i = 0; i < buf.length; i++) buf[i] = buf[i] > 0 ? buf[i] : 0.2 * buf[i];
}

// A convolution, 'same' padding, as a gather: each output pixel lists its taps (input pixel, kernel offset)
// once, at compile time, and sums them in eight local accumulators per run of eight output channels, storing
// each output once. Only the input's nonzeros are visited (after a ReLU, about half). The scatter it replaced
// read and wrote every output once per tap: 2–3× the time per decode in V8.
function taps(L, transpose) {
  const [h, wd, c] = L.in_shape, [oh, ow] = L.out_shape, k = L.k, s = L.stride;
  const padH = transpose ? Math.floor(Math.max(k - s, 0) / 2) : Math.floor(Math.max((oh - 1) * s + k - h, 0) / 2);
  const padW = transpose ? padH : Math.floor(Math.max((ow - 1) * s + k - wd, 0) / 2);
  const start = new Int32Array(oh * ow + 1), xs = [], ks = [];
  for (let yy = 0; yy < oh; yy++) for (let xx = 0; xx < ow; xx++) {
    for (let a = 0; a < k; a++) for (let bb = 0; bb < k; bb++) {
      let i, j;
      if (transpose) {  // output (yy, xx) receives input (i, j) through tap (a, bb) when i·s + a − pad = yy
        const u = yy + padH - a, v = xx + padW - bb;
        if (u < 0 || v < 0 || u % s || v % s) continue;
        i = u / s; j = v / s;
      } else { i = yy * s + a - padH; j = xx * s + bb - padW; }
      if (i < 0 || i >= h || j < 0 || j >= wd) continue;
      xs.push(i * wd + j); ks.push((a * k + bb) * c);
    }
    start[yy * ow + xx + 1] = xs.length;
  }
  return { start, xs: Int32Array.from(xs), ks: Int32Array.from(ks) };
}

function gatherConv(x, y, T, Kt, b, c, oc) {
  // The input's nonzeros, pixel by pixel (channel, value).
  const { start, xs, ks } = T, pixels = start.length - 1, n = x.length / c;
  const nzStart = new Int32Array(n + 1), nzC = new Int32Array(x.length), nzV = new Float32Array(x.length);
  let m = 0;
  for (let q = 0; q < n; q++) {
    for (let ci = 0; ci < c; ci++) { const v = x[q * c + ci]; if (v !== 0) { nzC[m] = ci; nzV[m++] = v; } }
    nzStart[q + 1] = m;
  }
  for (let p = 0; p < pixels; p++) {
    const t0 = start[p], t1 = start[p + 1], out = p * oc;
    let o = 0;
    for (; o + 7 < oc; o += 8) {
      let a0 = b[o], a1 = b[o + 1], a2 = b[o + 2], a3 = b[o + 3], a4 = b[o + 4], a5 = b[o + 5], a6 = b[o + 6], a7 = b[o + 7];
      for (let t = t0; t < t1; t++) {
        const P = xs[t], kb = ks[t], e = nzStart[P + 1];
        for (let j = nzStart[P]; j < e; j++) {
          const v = nzV[j], q = (kb + nzC[j]) * oc + o;
          a0 += v * Kt[q]; a1 += v * Kt[q + 1]; a2 += v * Kt[q + 2]; a3 += v * Kt[q + 3];
          a4 += v * Kt[q + 4]; a5 += v * Kt[q + 5]; a6 += v * Kt[q + 6]; a7 += v * Kt[q + 7];
        }
      }
      y[out + o] = a0; y[out + o + 1] = a1; y[out + o + 2] = a2; y[out + o + 3] = a3;
      y[out + o + 4] = a4; y[out + o + 5] = a5; y[out + o + 6] = a6; y[out + o + 7] = a7;
    }
    for (; o < oc; o++) {
      let acc = b[o];
      for (let t = t0; t < t1; t++) {
        const P = xs[t], kb = ks[t], e = nzStart[P + 1];
        for (let j = nzStart[P]; j < e; j++) acc += nzV[j] * Kt[(kb + nzC[j]) * oc + o];
      }
      y[out + o] = acc;
    }
  }
}

// The component's data: a binary message made by _pack in pages/ui/latent_play.py (uint32 header length,
// JSON header, then each decoder's float32 weights at the [offset, length] its header entry names).
function unpack(bytes) {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const data = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
  for (const d of data.decoders) {
    if (!d.weights) continue;
    const start = 4 + n + d.weights[0];  // copied: a Float32Array view needs a 4-byte-aligned offset
    d.weights = new Float32Array(bytes.slice(start, start + d.weights[1]).buffer);
  }
  return data;
}

function compile(layers, w) {
  let pos = 0;
  const take = (n) => { const out = w.subarray(pos, pos + n); pos += n; return out; };
  const steps = [];
  for (const L of layers) {
    if (L.type === "dense") {
      const W = take(L.in * L.out), b = take(L.out);
      steps.push((x) => {
        const y = Float32Array.from(b);
        for (let i = 0; i < L.in; i++) {
          const v = x[i]; if (v === 0) continue;
          const row = i * L.out;
          for (let o = 0; o < L.out; o++) y[o] += v * W[row + o];
        }
        act(y, L.activation); return y;
      });
    } else if (L.type === "conv2d_transpose" || L.type === "conv2d") {
      const [h, wd, c] = L.in_shape, [oh, ow, oc] = L.out_shape, k = L.k, s = L.stride;
      const transpose = L.type === "conv2d_transpose";
      const K = take(k * k * c * oc), b = take(oc);
      // Re-lay the kernel as [a][b][in][out] so the innermost loop walks contiguous memory.
      const Kt = new Float32Array(K.length);
      for (let a = 0; a < k; a++) for (let bb = 0; bb < k; bb++) for (let o = 0; o < oc; o++) for (let ci = 0; ci < c; ci++) {
        const src = transpose ? ((a * k + bb) * oc + o) * c + ci : ((a * k + bb) * c + ci) * oc + o;
        Kt[((a * k + bb) * c + ci) * oc + o] = K[src];
      }
      const T = taps(L, transpose);
      steps.push((x) => {
        const y = new Float32Array(oh * ow * oc);
        gatherConv(x, y, T, Kt, b, c, oc);
        act(y, L.activation); return y;
      });
    } else if (L.type === "upsampling2d") {
      const [h, wd, c] = L.in_shape, f = L.factor;
      steps.push((x) => {
        const y = new Float32Array(h * f * wd * f * c);
        for (let i = 0; i < h * f; i++) for (let j = 0; j < wd * f; j++)
          y.set(x.subarray(((Math.floor(i / f)) * wd + Math.floor(j / f)) * c, ((Math.floor(i / f)) * wd + Math.floor(j / f)) * c + c), (i * wd * f + j) * c);
        return y;
      });
    } else if (L.type === "affine") {
      const sc = take(L.channels), sh = take(L.channels), C = L.channels;
      steps.push((x) => { const y = Float32Array.from(x); for (let i = 0; i < y.length; i++) y[i] = y[i] * sc[i % C] + sh[i % C]; return y; });
    } else if (L.type === "activation") {
      steps.push((x) => { const y = Float32Array.from(x); act(y, L.activation); return y; });
    } else if (L.type !== "reshape") {
      throw new Error("unsupported layer " + L.type);
    }
  }
  return (z) => steps.reduce((x, f) => f(x), Float32Array.from(z));
}

// Class rooms (models/rooms/push.py): the lecturer's browser posts what it shows while the pointer moves, at
// most one value per component every ``interval`` ms (the newest last); each follower's browser holds one event
// stream per room and glides every followed canvas to the newest value, decoding here: no rerun anywhere.
LAB.rooms = LAB.rooms || {};
function roomLink(room) {
  if (!room || !room.code) return null;
  const link = (LAB.rooms[room.code] = LAB.rooms[room.code] ||
    { code: room.code, handlers: new Map(), source: null, queue: new Map(), timer: null });
  link.key = room.key || null; link.interval = room.interval || 50;
  return link;
}
function sendGesture(link, id, value) {
  if (!link || !link.key) return;
  link.queue.set(id, value);
  if (link.timer) return;
  const flush = () => {
    link.timer = null;
    if (!link.queue.size) return;
    for (const [gid, v] of link.queue) {
      fetch(`/api/rooms/${link.code}/gesture`, {
        method: "POST", headers: { "Content-Type": "application/json" }, keepalive: true,
        body: JSON.stringify({ key: link.key, id: gid, value: v }),
      }).catch(() => {});  // no route (an older server) or a dropped network: the release still goes by the room
      LAB.stats.sent = (LAB.stats.sent || 0) + 1;
    }
    link.queue.clear();
    link.timer = setTimeout(flush, link.interval);
  };
  flush();
}
function followGestures(link, id, apply) {
  for (const other of Object.values(LAB.rooms)) if (other !== link) unfollowGestures(other, id);
  if (!link) return;
  link.handlers.set(id, apply);
  if (link.source || typeof EventSource === "undefined") return;
  link.source = new EventSource(`/api/rooms/${link.code}/gestures`);
  link.source.onmessage = (e) => {
    let g; try { g = JSON.parse(e.data); } catch (err) { return; }
    const handler = link.handlers.get(g.id);
    if (handler) { LAB.stats.followed = (LAB.stats.followed || 0) + 1; handler(g.value); }
  };
}
function unfollowGestures(link, id) {
  if (!link) return;
  link.handlers.delete(id);
  if (!link.handlers.size && link.source) { link.source.close(); link.source = null; }
}
// Interpolation: every animation frame moves a third of the way to the newest value, so 20 values a second
// look like a continuous drag at the screen's own frame rate.
function glider(current, apply) {
  let target = null, frame = 0;
  const step = () => {
    let moving = false;
    const now = current();
    if (now.length !== target.length) { frame = 0; return; }  // another model's control: not this canvas's value
    const next = now.map((c, i) => {
      const d = target[i] - c;
      if (Math.abs(d) > 1e-3) { moving = true; return c + d / 3; }
      return target[i];
    });
    apply(next, performance.now());
    frame = moving ? requestAnimationFrame(step) : 0;
  };
  return (value) => {
    target = Array.isArray(value) ? value.map(Number) : [Number(value)];
    if (!frame) frame = requestAnimationFrame(step);
  };
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// Test hook: decode with a cached decoder (tests compare it with Keras).
LAB.decode = (sha, z) => Array.from(LAB.nets.get(sha)(z));

// The canvas holds the decoder's own 28×28 pixels and CSS enlarges them (image-rendering: pixelated): one
// small putImageData per frame, no scaled redraw of a big canvas.
function paint(canvas, pixels, contrast) {
  const n = Math.round(Math.sqrt(pixels.length));
  if (canvas.width !== n) { canvas.width = canvas.height = n; canvas._img = null; }
  const ctx = canvas._ctx || (canvas._ctx = canvas.getContext("2d"));
  const img = canvas._img || (canvas._img = ctx.createImageData(n, n));
  let lo = 0, hi = 1;
  if (contrast) {
    lo = Infinity; hi = -Infinity;
    for (const p of pixels) { if (p < lo) lo = p; if (p > hi) hi = p; }
    if (hi - lo < 1e-6) { lo = 0; hi = 1; }
  }
  const d = img.data, k = 255 / (hi - lo);
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.max(0, Math.min(255, Math.round((pixels[i] - lo) * k)));
    d[4 * i] = d[4 * i + 1] = d[4 * i + 2] = v; d[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  LAB.stats.firstPaint ??= performance.timeOrigin + performance.now();  // for the cold-start benchmark
}

export default function (component) {
  const { setStateValue, parentElement } = component;
  try {
    const data = unpack(component.data);
    const missing = data.decoders.filter((d) => !LAB.nets.has(d.sha) && !d.weights).map((d) => d.sha);
    // A reload lost the cache while Python thinks it sent the weights: ask again (a new value each time).
    if (missing.length) { setStateValue("missing", missing.join(",") + "@" + Date.now()); return; }
    for (const d of data.decoders) if (!LAB.nets.has(d.sha)) LAB.nets.set(d.sha, compile(d.layers, d.weights));
    const nets = data.decoders.map((d) => LAB.nets.get(d.sha));
    const T = data.text || {};  // the page's words, from the catalogue (latent_play.py: _texts)
    const room = data.room || {}, link = roomLink(room);  // leading (key) or following a class room, or neither
    const lead = (value) => { if (room.lead) sendGesture(link, data.id, value); };
    const follow = (current, apply) => followGestures(room.follow ? link : null, data.id, glider(current, apply));
    const fill = (tpl, values) => String(tpl || "").replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
    // Reuse our container: the component's <style> lives beside it in the same (shadow) root.
    let root = parentElement.querySelector(".lab-root");
    if (!root) { root = document.createElement("div"); root.className = "lab-root"; parentElement.appendChild(root); }
    root.replaceChildren();
    const outputs = data.decoders.map((d) => {
      const fig = document.createElement("figure");
      const canvas = document.createElement("canvas");
      canvas.style.width = canvas.style.height = data.size + "px";
      canvas.className = "lab-out"; canvas.dataset.decoder = d.sha;
      canvas.setAttribute("role", "img");
      const cap = document.createElement("figcaption"); cap.textContent = d.label;
      fig.append(canvas, cap);
      return { fig, canvas, cap };
    });
    // Decode and paint inside the input handler: Chrome delivers pointer and input events once per frame,
    // just before it paints, so the new image shows in the same frame (a requestAnimationFrame hop would
    // add up to one frame of delay). Latency is measured from the event's own timestamp.
    const render = (zs, t0) => {
      zs.forEach((z, i) => paint(outputs[i].canvas, nets[i](z), data.contrast));
      describe(zs);
      LAB.stats.frames += 1;
      LAB.stats.latencies.push(performance.now() - t0);
      if (LAB.stats.latencies.length > 5000) LAB.stats.latencies.shift();
    };

    // What a screen reader hears for each picture: which decoder, and from which point (kept current as it moves).
    let whereText = (z) => `z = (${z.map((v) => v.toFixed(2)).join(", ")})`;  // each mode says where it is
    const describe = (zs) => zs.forEach((z, i) => outputs[i].canvas.setAttribute("aria-label", fill(T.image, {
      label: data.decoders[i].label, where: whereText(z),
    })));

    if (data.mode === "pad") {
      const P = data.pad, S = P.pixels, lim = P.lim;
      const wrap = document.createElement("div"); wrap.className = "lab-pad-row";
      // The map is drawn once; the cursor is its own element, moved by a CSS transform (no canvas redraw).
      const box = document.createElement("div"); box.className = "lab-pad-box";
      const pad = document.createElement("canvas"); pad.width = pad.height = S; pad.className = "lab-pad";
      const cursor = document.createElement("div"); cursor.className = "lab-cursor";
      box.append(pad, cursor);
      const readout = document.createElement("div"); readout.className = "lab-readout";
      const nearest = document.createElement("div"); nearest.className = "lab-nearest";
      nearest.setAttribute("aria-live", "polite");
      const side = document.createElement("div"); side.className = "lab-side";
      side.append(...outputs.map((o) => o.fig), readout, nearest);
      // The legend: which colour is which class.
      const legend = document.createElement("ul"); legend.className = "lab-legend";
      legend.setAttribute("aria-label", T.legend || "");
      (P.names || []).forEach((name, c) => {
        const item = document.createElement("li"); const swatch = document.createElement("span");
        swatch.className = "lab-swatch"; swatch.style.background = P.colors[c];
        item.append(swatch, name); legend.append(item);
      });
      const column = document.createElement("div"); column.className = "lab-pad-column";
      column.append(box, legend);
      wrap.append(column, side); root.append(wrap);
      pad.tabIndex = 0; pad.setAttribute("role", "img"); pad.setAttribute("aria-label", T.pad || "");
      const toPx = (v) => ((v + lim) / (2 * lim)) * S;
      const fromPx = (px) => Math.max(-lim, Math.min(lim, (px / S) * 2 * lim - lim));
      const bctx = pad.getContext("2d");
      bctx.fillStyle = "#fafafa"; bctx.fillRect(0, 0, S, S);
      bctx.strokeStyle = "#ddd"; bctx.beginPath();
      bctx.moveTo(S / 2, 0); bctx.lineTo(S / 2, S); bctx.moveTo(0, S / 2); bctx.lineTo(S, S / 2); bctx.stroke();
      const dots = JSON.parse(P.points);  // its own JSON text (latent_play.py: _points_json)
      for (const [x, y, c] of dots) {
        bctx.fillStyle = P.colors[c]; bctx.beginPath(); bctx.arc(toPx(x), S - toPx(y), 2.2, 0, 2 * Math.PI); bctx.fill();
      }
      const nearestClass = (at) => {  // the class of the test image whose code is closest to ``at``
        let best = Infinity, cls = null;
        for (const [x, y, c] of dots) { const d = (x - at[0]) ** 2 + (y - at[1]) ** 2; if (d < best) { best = d; cls = c; } }
        return cls;
      };
      const name = (at) => { const c = nearestClass(at); return c === null ? "" : fill(T.nearest, { name: (P.names || [])[c] ?? c }); };
      const memo = (LAB.memo[data.id] = LAB.memo[data.id] || { z: P.z.slice(), from: P.z.slice() });
      if (!same(memo.from, P.z)) memo.z = P.z.slice();  // a new point from the page (the lecturer's release)
      memo.from = P.z.slice();
      let z = memo.z.slice(), dragging = false;
      const draw = () => {
        const k = pad.clientWidth / S;  // the pad may be shown smaller than its pixels (narrow screens)
        cursor.style.transform = `translate(${toPx(z[0]) * k}px, ${(S - toPx(z[1])) * k}px)`;
        readout.textContent = `z = (${z[0].toFixed(2)}, ${z[1].toFixed(2)})`;
        nearest.textContent = name(z);
      };
      const at = (e) => {
        const r = pad.getBoundingClientRect();
        return [fromPx(((e.clientX - r.left) / r.width) * S), fromPx(S - ((e.clientY - r.top) / r.height) * S)];
      };
      const move = (e, t0) => { z = at(e); memo.z = z.slice(); draw(); render([z], t0); lead(z); };
      const commit = () => {  // a release, by mouse or by Enter: the page decodes this point on the server
        memo.z = z.slice();
        LAB.stats.releases += 1;
        setStateValue("z", z.map((v) => Math.round(v * 1000) / 1000));
      };
      pad.addEventListener("pointerdown", (e) => { dragging = true; pad.setPointerCapture(e.pointerId); move(e, e.timeStamp); });
      pad.addEventListener("pointermove", (e) => {
        if (dragging || data.hover) move(e, e.timeStamp);
        else nearest.textContent = name(at(e));  // hovering names the nearest test image's class
      });
      pad.addEventListener("pointerleave", () => { if (!dragging) nearest.textContent = name(z); });
      pad.addEventListener("pointerup", (e) => {
        if (!dragging) return;
        dragging = false; move(e, e.timeStamp);
        commit();
      });
      // Keyboard: arrows move the point (Shift: five times further), Enter commits like a mouse release.
      const KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      pad.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { e.preventDefault(); commit(); return; }
        const step = KEYS[e.key];
        if (!step) return;
        e.preventDefault();
        const k = (e.shiftKey ? 5 : 1) * lim / 40;
        z = [Math.max(-lim, Math.min(lim, z[0] + step[0] * k)), Math.max(-lim, Math.min(lim, z[1] + step[1] * k))];
        memo.z = z.slice(); draw(); render([z], e.timeStamp); lead(z);
      });
      follow(() => z, (v, t0) => { if (dragging) return; z = v; memo.z = v.slice(); draw(); render([z], t0); });
      draw(); render([z], performance.now());
    } else if (data.mode === "scrub") {
      const S = data.scrub, dot = (u, v) => u.reduce((acc, x, i) => acc + x * v[i], 0);
      const na = Math.sqrt(dot(S.a, S.a)), nb = Math.sqrt(dot(S.b, S.b));
      const omega = Math.acos(Math.max(-1, Math.min(1, dot(S.a, S.b) / (na * nb))));
      // Spherical interpolation, as models/analysis/generation.py's slerp (the server decodes the released t).
      const zAt = (t) => S.a.map((x, i) => omega < 1e-6 ? (1 - t) * x + t * S.b[i]
        : (Math.sin((1 - t) * omega) * x + Math.sin(t * omega) * S.b[i]) / Math.sin(omega));
      const memo = (LAB.memo[data.id] = LAB.memo[data.id] || { t: S.t, from: S.t });
      if (memo.from !== S.t) memo.t = S.t;  // a new position from the page (the lecturer's release)
      memo.from = S.t;
      whereText = () => `t = ${memo.t.toFixed(3)}`;
      const label = document.createElement("label"); label.className = "lab-scrub";
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: 0, max: 1, step: 0.005, value: memo.t });
      input.setAttribute("aria-label", "t");
      const text = document.createElement("span");
      const show = (t) => { text.textContent = `t = ${t.toFixed(3)}`; };
      label.append(text, input);
      const row = document.createElement("div"); row.className = "lab-out-row";
      row.append(...outputs.map((o) => o.fig));
      root.append(label, row);
      input.addEventListener("input", (e) => { memo.t = +input.value; show(memo.t); render([zAt(memo.t)], e.timeStamp); lead(memo.t); });
      follow(() => [memo.t], ([t], t0) => { memo.t = t; input.value = t; show(t); render([zAt(t)], t0); });
      input.addEventListener("change", () => { LAB.stats.releases += 1; setStateValue("t", memo.t); });
      show(memo.t); render([zAt(memo.t)], performance.now());
      LAB.scrubInput = input;
    } else {
      const S = data.sliders;
      const grid = document.createElement("div"); grid.className = "lab-sliders";
      const memo = (LAB.memo[data.id] = LAB.memo[data.id] || { values: S.values.slice(), from: S.values.slice() });
      if (!same(memo.from, S.values)) memo.values = S.values.slice();  // the lecturer's release, from the page
      memo.from = S.values.slice();
      const values = memo.values;
      whereText = () => S.labels.map((l, k) => `${l} ${(+values[k]).toFixed(2)}`).join(", ");
      const inputs = values.map((v, k) => {
        const label = document.createElement("label");
        const input = document.createElement("input");
        Object.assign(input, { type: "range", min: S.lo, max: S.hi, step: S.step, value: v });
        input.setAttribute("aria-label", S.labels[k]);
        const text = document.createElement("span"); text.textContent = `${S.labels[k]}: ${(+v).toFixed(2)}`;
        label.append(text, input); grid.append(label);
        input.addEventListener("input", (e) => {
          values[k] = +input.value; text.textContent = `${S.labels[k]}: ${values[k].toFixed(2)}`;
          render(zsFor(values), e.timeStamp); lead(values.slice());
        });
        input.addEventListener("change", () => { LAB.stats.releases += 1; setStateValue("offsets", values.slice()); });
        return input;
      });
      const zsFor = (vals) => S.bases.map((base, i) => {
        const z = base.slice();
        S.orders[i].forEach((dim, k) => { if (k < vals.length) z[dim] += vals[k]; });
        return z;
      });
      const row = document.createElement("div"); row.className = "lab-out-row";
      row.append(...outputs.map((o) => o.fig));
      root.append(grid, row);
      follow(() => values.slice(), (v, t0) => {
        v.forEach((x, k) => {
          if (k >= values.length) return;
          values[k] = x; inputs[k].value = x;
          inputs[k].previousSibling.textContent = `${S.labels[k]}: ${x.toFixed(2)}`;
        });
        render(zsFor(values), t0);
      });
      render(zsFor(values), performance.now());
      LAB.sliderInputs = inputs;
    }
  } catch (err) {
    console.error("latent play", err);
    setStateValue("failed", String(err));
  }
}
