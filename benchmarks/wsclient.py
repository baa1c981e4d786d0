"""A Streamlit session over its real websocket (``/_stcore/stream``), without a browser, for the load benchmark.

It speaks the protocol the front end speaks: connect, send one ``BackMsg.rerun_script`` naming the page (its
url path, as the browser's address does), read ``ForwardMsg``s until ``script_finished``. Time to first chart
is when the first ``plotly_chart`` element arrives (the server has built and sent the figure; drawing it is the
browser's, measured by ``benchmarks.render``). An exception element or a closed socket is an error.

Uses tornado's websocket client (a Streamlit dependency), so nothing is installed or downloaded.
"""
from __future__ import annotations

import asyncio
import time

from streamlit.proto import BackMsg_pb2, ForwardMsg_pb2
from tornado import httpclient, websocket


async def close(conn, wait: float = 2.0) -> None:
    """Close a session's socket and wait for the closing handshake (read_message gives None), so the socket
    is shut before the event loop ends (else it is left open: a ResourceWarning)."""
    conn.close()
    try:
        while await asyncio.wait_for(conn.read_message(), wait) is not None:
            pass
    except (asyncio.TimeoutError, OSError):
        pass


async def open_page(base: str, page: str, timeout: float = 120.0, hold: list | None = None) -> dict:
    """One new session opening ``page`` ('' = the default page, 概要). Returns seconds from connecting to the
    first chart and to the end of the run, the elements received, the metric tiles (label, value) and any
    error. ``hold``: the open socket is appended there instead of being closed (a session that stays)."""
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    request = httpclient.HTTPRequest(ws_url, headers={"Origin": base}, connect_timeout=timeout,
                                     request_timeout=timeout)
    t0 = time.perf_counter()
    out = {"page": page, "first_chart_s": None, "finished_s": None, "elements": 0, "charts": 0, "metrics": [],
           "error": None}
    conn = None
    try:
        conn = await websocket.websocket_connect(request, max_message_size=512 << 20)
        back = BackMsg_pb2.BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = page
        back.rerun_script.page_script_hash = ""
        await conn.write_message(back.SerializeToString(), binary=True)
        deadline = t0 + timeout
        while True:
            raw = await asyncio.wait_for(conn.read_message(), max(0.1, deadline - time.perf_counter()))
            if raw is None:
                out["error"] = "websocket closed before the script finished"
                break
            msg = ForwardMsg_pb2.ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                out["elements"] += 1
                element = msg.delta.new_element.WhichOneof("type")
                if element == "plotly_chart":
                    out["charts"] += 1
                    if out["first_chart_s"] is None:
                        out["first_chart_s"] = time.perf_counter() - t0
                elif element == "metric":
                    out["metrics"].append((msg.delta.new_element.metric.label, msg.delta.new_element.metric.body))
                elif element == "exception" and out["error"] is None:
                    out["error"] = ("exception: " + msg.delta.new_element.exception.message)[:300]
            elif kind == "page_not_found":
                out["error"] = f"page not found: {page}"
            elif kind == "script_finished":
                # FINISHED_SUCCESSFULLY = 0; a rerun request or an early stop ends with another value
                if msg.script_finished in (ForwardMsg_pb2.ForwardMsg.FINISHED_SUCCESSFULLY,):
                    out["finished_s"] = time.perf_counter() - t0
                    break
    except Exception as exc:  # noqa: BLE001 - a refused, dropped or timed-out session is counted as an error
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        if conn is not None:
            if hold is not None and out["error"] is None:
                hold.append(conn)
            else:
                await close(conn)
    if out["error"] is None and out["first_chart_s"] is None:
        out["error"] = "no chart"
    return out


async def open_many(jobs: list[tuple[str, str]], timeout: float = 120.0, hold: list | None = None) -> list[dict]:
    """All (base, page) sessions at once."""
    return list(await asyncio.gather(*(open_page(b, p, timeout, hold) for b, p in jobs)))


def run_sessions(jobs: list[tuple[str, str]], timeout: float = 120.0) -> list[dict]:
    """The sessions on an event loop of their own, in a thread of their own: the caller's thread may run a
    loop already (Playwright's sync API leaves one on the main thread of a test run)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(open_many(jobs, timeout))).result()
