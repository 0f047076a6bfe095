"""A headless Streamlit client: speaks the app's own websocket protocol, as the browser does.

One ``StreamlitSession`` is one browser tab without the browser: it opens a page (a full script run),
moves a widget (a fragment rerun when the widget lives in an ``st.fragment``, like the real frontend
does), collects what the server rendered and fetches the media (images) the page would show. Thirty of
them cost the driver almost nothing, so a load test measures the server instead of thirty Chromiums.

Built on Streamlit's protobuf messages (``streamlit.proto``) and ``websockets``, both installed with
Streamlit itself.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class ProtocolError(RuntimeError):
    """The server answered something a browser would show as broken."""


@dataclass
class Widget:
    key: str  # the ``key=`` the page gave it
    id: str  # Streamlit's widget id, sent back with every value
    kind: str  # the element type: slider, number_input, ...
    fragment_id: str  # the fragment it lives in ("" for the main script)
    proto: object = field(repr=False)


@dataclass
class RunResult:
    seconds: float
    images: list[tuple[str, str]]  # (url, caption) of every st.image rendered in this run
    exceptions: list[str]  # st.exception / uncaught errors shown in the page
    messages: int
    elements: list[tuple[str, int]]  # (element type, message bytes) of every new element, in the order sent
    texts: list[str] = field(default_factory=list)  # markdown, code, captions and alerts, as sent
    full: bool = True  # a whole-page run (False: only a fragment reran)
    keys: list[str] = field(default_factory=list)  # the widget keys drawn in this run


class StreamlitSession:
    """One client session of a running app at ``base_url`` (http://127.0.0.1:PORT)."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}  # a balancer's affinity cookie, kept like a browser keeps it
        self.query_string = ""
        self.reconnects = 0
        self.page_name = ""
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}
        self._states: dict[str, object] = {}  # widget id → WidgetState, resent every run like the frontend
        self.auto_reruns: dict[str, float] = {}  # fragment id → interval (s): ``st.fragment(run_every=…)``
        self._ws = None

    async def __aenter__(self) -> StreamlitSession:
        await self._load_page()
        await self._connect()
        return self

    async def __aexit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            await self._ws.close()

    def _keep_cookies(self, headers) -> None:
        for header in headers.get_all("Set-Cookie") if hasattr(headers, "get_all") else headers:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0].strip()

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def _load_page(self) -> None:
        """GET the app's HTML first, as a browser does: a balancer answers it with its affinity cookie, which
        the websocket handshake and every later request then carry to the same replica."""

        def get() -> list[str]:
            request = urllib.request.Request(self.base_url + "/", headers=self._cookie_header())
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                r.read()
                return r.headers.get_all("Set-Cookie") or []

        self._keep_cookies(await asyncio.to_thread(get))

    async def _connect(self) -> None:
        ws_url = self.base_url.replace("http://", "ws://") + "/_stcore/stream"
        self._ws = await websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=self.timeout,
            additional_headers=self._cookie_header(),
        )
        self._keep_cookies(self._ws.response.headers)  # a redispatched handshake names the new replica

    async def reconnect(self) -> RunResult:
        """What the browser does when its websocket drops (a replica died): connect again through the same
        URL, keeping the cookie (the balancer sends us to a live replica and says which), and run the page
        again from its URL — the query string holds the view (dataset, language, lecture mode, tab)."""
        with contextlib.suppress(Exception):
            await self._ws.close()
        self.reconnects += 1
        await self._connect()
        return await self.open(self.page_name, self.query_string)

    async def open(self, page_name: str, query_string: str = "") -> RunResult:
        """Load a page (its URL path, e.g. ``Latent_space``): a full script run."""
        self.page_name, self.query_string, self.widgets, self._states = page_name, query_string, {}, {}
        msg = BackMsg()
        msg.rerun_script.page_name = page_name
        msg.rerun_script.query_string = query_string
        return await self._run(msg)

    def widget(self, key: str) -> Widget:
        try:
            return self.widgets[key]
        except KeyError:
            raise ProtocolError(f"no widget with key {key!r} on {self.page_name}; have {sorted(self.widgets)}")

    async def set(self, key: str, value: float | int | bool | dict | None = None) -> RunResult:
        """Give a widget a new value (``None`` clicks a button; a dict is a custom component's state, as its
        JavaScript reports it on release) and wait for the rerun it triggers."""
        w = self.widget(key)
        state = BackMsg().rerun_script.widget_states.widgets.add()
        state.id = w.id
        if w.kind == "slider":
            state.double_array_value.data.append(float(value))
        elif w.kind == "number_input":
            if w.proto.data_type == w.proto.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif w.kind in ("checkbox", "toggle"):
            state.bool_value = bool(value)
        elif w.kind == "button":
            state.trigger_value = True
        elif w.kind == "bidi_component":
            state.json_value = json.dumps(value)
        elif w.kind == "button_group":  # st.pills / st.segmented_control: the chosen option as its label reads
            state.string_array_value.data.extend([] if value is None else [str(value)])
        else:
            raise ProtocolError(f"setting a {w.kind} is not supported by this client")
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_name, cs.page_script_hash, cs.fragment_id = self.page_name, self.page_script_hash, w.fragment_id
        for other_id, other in self._states.items():
            if other_id != w.id:
                cs.widget_states.widgets.add().CopyFrom(other)
        cs.widget_states.widgets.add().CopyFrom(state)
        if w.kind != "button":  # a trigger fires once; a value persists
            self._states[w.id] = state
        return await self._run(msg)

    async def trigger(self, key: str, event: str, value: object) -> RunResult:
        """What a custom component's ``setTriggerValue(event, value)`` does: one rerun that carries the event
        (``pages/ui/room_watch.js`` reruns a follower's page this way when the room has news)."""
        w = self.widget(key)
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_name, cs.page_script_hash, cs.fragment_id = self.page_name, self.page_script_hash, w.fragment_id
        cs.query_string = self.query_string
        for state in self._states.values():
            cs.widget_states.widgets.add().CopyFrom(state)
        fired = cs.widget_states.widgets.add()
        fired.id = f"$$STREAMLIT_INTERNAL_KEY_{w.id}__events"  # the component's trigger aggregator
        fired.json_trigger_value = json.dumps([{"event": event, "value": value}])
        return await self._run(msg)

    def listen(self, path: str, stop: asyncio.Event) -> AsyncIterator[dict | None]:
        """A server-sent-events stream of this server, as the page's ``EventSource`` holds it (with this tab's
        cookies, so a balancer keeps it on the same replica)."""
        return event_stream(self.base_url, path, stop, self._cookie_header())

    async def tick(self, fragment_id: str | None = None) -> RunResult | None:
        """What the browser's timer does for an ``st.fragment(run_every=…)``: rerun that fragment (the first
        one the page asked for, unless named); None when the page asked for none."""
        fragment_id = fragment_id or next(iter(self.auto_reruns), None)
        if fragment_id is None:
            return None
        msg = BackMsg()
        cs = msg.rerun_script
        cs.page_name, cs.page_script_hash, cs.fragment_id = self.page_name, self.page_script_hash, fragment_id
        cs.query_string = self.query_string
        cs.is_auto_rerun = True
        for state in self._states.values():
            cs.widget_states.widgets.add().CopyFrom(state)
        return await self._run(msg)

    async def fetch(self, url: str) -> bytes:
        """GET a media URL the page refers to, as the browser's <img> would (a ``data:`` URL carries its bytes)."""
        if url.startswith("data:"):
            return base64.b64decode(url.partition(",")[2])

        def get() -> bytes:
            request = urllib.request.Request(self.base_url + url, headers=self._cookie_header())
            with urllib.request.urlopen(request, timeout=self.timeout) as r:
                return r.read()

        return await asyncio.to_thread(get)

    async def _run(self, msg: BackMsg) -> RunResult:
        start = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        images, exceptions, elements, texts, keys = [], [], [], [], []
        count, full = 0, not msg.rerun_script.fragment_id
        while True:
            raw = await asyncio.wait_for(self._ws.recv(), timeout=self.timeout)
            count += 1
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = fwd.new_session.page_script_hash
            elif kind == "auto_rerun":
                self.auto_reruns[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment_id in fwd.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fragment_id, None)
            elif kind == "page_not_found":
                raise ProtocolError(f"page {self.page_name!r} not found")
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._record(fwd.delta.new_element, fwd.delta.fragment_id, images, exceptions, keys)
                elements.append((fwd.delta.new_element.WhichOneof("type"), len(raw)))
                texts.extend(_text_of(fwd.delta.new_element))
                full = full or not fwd.delta.fragment_id
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if fwd.script_finished not in FINISHED_OK:
                    raise ProtocolError(f"script finished with status {fwd.script_finished}")
                return RunResult(time.perf_counter() - start, images, exceptions, count, elements, texts, full, keys)

    def _record(self, element, fragment_id: str, images: list, exceptions: list, keys: list) -> None:
        kind = element.WhichOneof("type")
        if kind == "imgs":
            images.extend((img.url, img.caption) for img in element.imgs.imgs)
        elif kind == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}")
        else:
            widget_id = getattr(getattr(element, kind), "id", "")
            if widget_id.startswith("$$ID-"):
                key = widget_id.split("-", 2)[2]
                self.widgets[key] = Widget(key, widget_id, kind, fragment_id, getattr(element, kind))
                keys.append(key)


async def event_stream(
    base_url: str, path: str, stop: asyncio.Event, headers: dict[str, str] | None = None
) -> AsyncIterator[dict | None]:
    """A server-sent-events stream (``models/rooms/push.py``) until ``stop`` or the server ends it: each event's
    JSON, and ``None`` once the stream is open (its ``retry:`` line) and at each heartbeat."""
    split = urlsplit(base_url)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    reader, writer = await asyncio.open_connection(host, port)
    head = {"Host": split.netloc, "Accept": "text/event-stream", **(headers or {})}
    writer.write((f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode())
    await writer.drain()
    try:
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), 0.5)
            except TimeoutError:
                continue
            if not line:
                return  # the server went away: a browser would reconnect; the caller decides
            if line.startswith(b"data: "):  # chunk-size lines of the chunked body are skipped
                yield json.loads(line[6:])
            elif line.startswith((b": ", b"retry:")):
                yield None
    finally:
        writer.close()


def _text_of(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind == "markdown":
        return [element.markdown.body]
    if kind == "code":
        return [element.code.code_text]
    if kind == "alert":
        return [element.alert.body]
    return []
