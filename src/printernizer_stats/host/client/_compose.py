"""The composition root of the host side: one function builds every service and hands each its dependencies.

Nothing below it knows the client as a whole: each service gets what it uses, in its constructor, and
the façade (:class:`._client.StatsClient`) only delegates. The order below is the dependency order.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from printernizer_stats.host.client._collection import Collection
from printernizer_stats.host.client._community import ClientCommunity
from printernizer_stats.host.client._facts import InstallationFacts
from printernizer_stats.host.client._gate import ConsentGate
from printernizer_stats.host.client._host_gauges import FeaturesEnabled, PrintersByType, host_gauges
from printernizer_stats.host.client._privacy import ConsentActions
from printernizer_stats.host.client._round import DailyRound
from printernizer_stats.host.client._routes import RuntimeValueSets
from printernizer_stats.host.client._schedule import Schedule
from printernizer_stats.host.client._sending import ClientSending
from printernizer_stats.host.client._transparency import TransparencyViews
from printernizer_stats.host.client._upkeep import LocalUpkeep
from printernizer_stats.host.client._weeks import LocalWeeks
from printernizer_stats.host.exporter import LocalStore, PrivacyFilteringMetricExporter
from printernizer_stats.host.instrumentation import EventBusAdapter, Probe, UsageInstruments, installation_facts
from printernizer_stats.host.sender import CommunitySummary, Outbox, Sender, SenderConfig, sender_config
from printernizer_stats.registry import Registry, default_registry, utc_today


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client is built from (see :class:`StatsClient` for what each means)."""

    db_path: str | Path
    app_version: str | None = None
    timezone: str | None = None
    printers_by_type: PrintersByType | None = None
    features_enabled: FeaturesEnabled | None = None
    route_templates: Iterable[str] = ()
    export_interval_s: float = 60.0
    registry: Registry | None = None
    environ: Mapping[str, str] | None = None
    today: Callable[[], date] = utc_today
    probe: Probe | None = None
    sender: SenderConfig | None = None
    now: Callable[[], float] = field(default=time.time)


@dataclass(frozen=True)
class ClientServices:
    """The wired services of one client; each holds only the others it was given."""

    registry: Registry
    environ: Mapping[str, str]
    store: LocalStore
    gate: ConsentGate
    facts: InstallationFacts
    weeks: LocalWeeks
    upkeep: LocalUpkeep
    runtime_values: RuntimeValueSets
    instruments: UsageInstruments
    events: EventBusAdapter
    collection: Collection
    sending: ClientSending
    community: ClientCommunity
    consent: ConsentActions
    views: TransparencyViews
    rounds: DailyRound


def compose(config: ClientConfig) -> ClientServices:
    """Build the services of one client over its SQLite file. Opens nothing yet: the file is created on use."""
    registry = config.registry or default_registry()
    environ = os.environ if config.environ is None else config.environ
    today, lock = config.today, threading.RLock()
    store = LocalStore(config.db_path)
    gauges = host_gauges(config.printers_by_type, config.features_enabled)
    instruments = UsageInstruments(registry, gauges)
    gate = ConsentGate(store, registry.consent_version, environ, on_off=instruments.unbind)
    detected = (installation_facts(registry, config.app_version, config.timezone, config.probe or Probe(environ))
                if config.app_version is not None else None)
    facts, weeks = InstallationFacts(store, detected), LocalWeeks(store, registry)
    upkeep = LocalUpkeep(store, registry, today)
    runtime_values = RuntimeValueSets(config.route_templates)
    exporter = PrivacyFilteringMetricExporter(registry, store, runtime_values, collection_allowed=gate.collecting,
                                              today=today, on_unavailable=gate.turned_off)
    collection = Collection(gate, instruments, exporter, registry, facts, upkeep, lock, config.export_interval_s)
    send_config = config.sender or sender_config(environ=environ)
    schedule = Schedule(send_config.check_interval_s, send_config.first_check_jitter_s)
    outbox = Outbox(store.path, send_config.max_outbox_weeks)
    sender = Sender(outbox, send_config, gate.may_send, today=today, now=config.now)
    sending = ClientSending(send_config, gate, outbox, sender, store=store, weeks=weeks, facts=facts,
                            registry=registry, today=today, lock=lock, schedule=schedule)
    community = ClientCommunity(send_config, CommunitySummary(store.path, send_config), gate, weeks=weeks,
                                facts=facts, registry=registry, today=today, lock=lock)
    consent = ConsentActions(gate, store, consent_version=registry.consent_version, today=today, lock=lock,
                             collection=collection, sending=sending, community=community, facts=facts,
                             upkeep=upkeep, schedule=schedule)
    views = TransparencyViews(gate, store, weeks=weeks, facts=facts, sending=sending, registry=registry,
                              today=today, host_gauges=gauges)
    return ClientServices(
        registry=registry, environ=environ, store=store, gate=gate, facts=facts, weeks=weeks, upkeep=upkeep,
        runtime_values=runtime_values, instruments=instruments, events=EventBusAdapter(instruments),
        collection=collection, sending=sending, community=community, consent=consent, views=views,
        rounds=DailyRound(gate, consent, upkeep, sending, community, schedule),
    )
