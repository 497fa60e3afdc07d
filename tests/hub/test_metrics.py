"""Prometheus metrics of a node: what a scrape shows, over the node's own HTTP endpoint."""

from __future__ import annotations

import asyncio
import re
import urllib.request

import pytest
from hubtools import TIMEOUT, Collector, LiveServer, call_frames, connect, ended, stream

from consult_assist.errors import ConfigError
from consult_assist.hub.metrics import MetricsServer, NodeMetrics, parse_listen


def value(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing"
    return float(match.group(1))


def test_the_listen_address_is_host_and_port() -> None:
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen("[::1]:0") == ("::1", 0)
    with pytest.raises(ConfigError, match="HOST:PORT"):
        parse_listen("9464")


async def test_a_scrape_shows_calls_clients_commits_finals_and_the_speech_queue(
    server: LiveServer,
) -> None:
    hub = server.running.hub
    metrics = NodeMetrics(hub, service=hub.service)
    endpoint = MetricsServer(metrics)
    await endpoint.start("127.0.0.1", 0)
    sato = await connect(server.url, server.tokens["sato"])
    tanaka = await connect(server.url, server.tokens["tanaka"])
    watch = Collector(tanaka)
    await tanaka.subscribe("*")
    session = await sato.start_session()
    await stream(sato, call_frames(2)[:30], 0.01)
    await watch.wait_for(lambda ev: any(e.type == "transcript.final" for e in ev))

    def scrape(path: str = "/metrics") -> str:
        url = f"http://127.0.0.1:{endpoint.port}{path}"
        return urllib.request.urlopen(url, timeout=TIMEOUT).read().decode()

    during = await asyncio.to_thread(scrape)
    assert value(during, "consult_assist_live_calls") == 1
    assert value(during, 'consult_assist_clients{role="supervisor"}') == 1
    assert value(during, 'consult_assist_clients{role="handler"}') == 1
    assert value(during, "consult_assist_final_latency_seconds_count") >= 1
    assert value(during, "consult_assist_store_commit_seconds_count") >= 2
    assert value(during, "consult_assist_store_available") == 1
    assert value(during, 'consult_assist_decodes_total{kind="final"}') >= 1
    assert value(during, 'consult_assist_decode_batches_total{size="1"}') >= 1
    assert "consult_assist_decode_queue_depth" in during
    assert "consult_assist_lease_held" not in during  # one SQLite node has no lease
    await sato.end_session(session)
    await watch.wait_for(ended(session))
    after = await asyncio.to_thread(scrape)
    assert value(after, "consult_assist_live_calls") == 0
    assert value(after, "consult_assist_events_committed_total") == len(watch.of(session))
    with pytest.raises(urllib.error.HTTPError):
        await asyncio.to_thread(scrape, "/other")
    await asyncio.gather(sato.close(), tanaka.close(), watch.stop(), endpoint.close())
