// A follower's news of the room (models/rooms/push.py, /api/rooms/{code}/changes): the page reruns only when
// the room has something this page has not shown yet. One stream per tab, kept across the page's reruns.
// The page mounts one instance at its top (a whole-page rerun) and, while following, one in each drawn section
// (that section's rerun alone): when the lecturer's changes since a version this page shows were all made in
// one section (the news's "f" since "b"), only that section reruns, at half the server's cost
// (pages/ui/rooms.py checks again, and falls back to the page).
const WATCH = (window.__latentLabRoomWatch = window.__latentLabRoomWatch || {
  source: null, code: null, data: null, trigger: null, note: null, last: null, asked: null, mounted: 0,
  applied: 0, sections: new Map(), stats: { page: 0, section: 0 },  // reruns asked, for the browser tests
});

function hear(news) {
  const d = WATCH.data;
  if (!d) return;
  if (WATCH.note) WATCH.note.hidden = !news.down;  // Redis restarting: "reconnecting to the room"
  if (news.down) return;
  const fresh = news.gone || news.closed || (d.following ? news.v > WATCH.applied : news.a !== d.activity);
  const stamp = news.gone ? "gone" : String(news.v);
  if (!fresh || WATCH.asked === stamp) return;  // once per version: the rerun it starts brings the page up to date
  WATCH.asked = stamp;
  const section = d.following && !news.closed && !news.gone && news.f && news.a === d.activity &&
    WATCH.applied >= news.b ? WATCH.sections.get(news.f) : null;
  WATCH.stats[section ? "section" : "page"] += 1;
  (section || WATCH.trigger)("news", stamp);
}

function open(code) {
  if (WATCH.source) WATCH.source.close();
  WATCH.code = code; WATCH.last = null; WATCH.asked = null;
  if (typeof EventSource === "undefined") return;
  WATCH.source = new EventSource(`/api/rooms/${encodeURIComponent(code)}/changes`);
  WATCH.source.onmessage = (e) => {
    let news; try { news = JSON.parse(e.data); } catch (err) { return; }
    WATCH.last = news;
    if (news.gone) { WATCH.source.close(); WATCH.source = null; }
    hear(news);
  };
  // The browser reconnects by itself (the stream says after 2 s): a replica restarted behind the balancer.
  WATCH.source.onerror = () => { if (WATCH.note) WATCH.note.hidden = false; };
}

function section(component) {
  const { data, setTriggerValue } = component;
  WATCH.sections.set(data.section, setTriggerValue);
  WATCH.applied = data.applied;
  if (WATCH.last) hear(WATCH.last);
  return () => { if (WATCH.sections.get(data.section) === setTriggerValue) WATCH.sections.delete(data.section); };
}

export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  if (data.section) return section(component);
  WATCH.data = data; WATCH.trigger = setTriggerValue; WATCH.applied = data.applied; WATCH.mounted += 1;
  let note = parentElement.querySelector(".room-note");
  if (!note) {
    note = document.createElement("p");
    note.className = "room-note"; note.setAttribute("role", "status"); note.hidden = true;
    parentElement.appendChild(note);
  }
  note.textContent = data.reconnecting;
  WATCH.note = note;
  if (WATCH.code !== data.code || (!WATCH.source && !(WATCH.last && WATCH.last.gone))) open(data.code);
  else if (WATCH.last) hear(WATCH.last);  // news that came during the page's run: this page may not show it
  return () => {
    WATCH.mounted -= 1;
    // A rerun mounts it again at once; leaving the room does not.
    setTimeout(() => {
      if (WATCH.mounted <= 0 && WATCH.source) { WATCH.source.close(); WATCH.source = null; WATCH.code = null; }
    }, 1000);
  };
}
