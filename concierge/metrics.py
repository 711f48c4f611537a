"""Prometheus metrics of one process, in a registry of its own (served at ``/metrics``).

Counts and timings only: no label ever carries a user id, a question or a position.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "concierge_updates", "Events handled by the conversation core", ["kind"], registry=self.registry
        )
        self.latency = Histogram(
            "concierge_update_seconds",
            "Time from an event to its replies, by event kind",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.results = Histogram(
            "concierge_answer_results",
            "Results in the short list of an answer",
            buckets=(0, 1, 2, 3, 5, 10),
            registry=self.registry,
        )
        self.errors = Counter(
            "concierge_errors", "Failures, by where they happened", ["where"], registry=self.registry
        )
        self.duplicates = Counter(
            "concierge_duplicate_updates",
            "Webhook updates dropped as already handled",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "concierge_rate_limited_questions",
            "Questions not answered because of the per-user limit",
            registry=self.registry,
        )
        self.telegram_retries = Counter(
            "concierge_telegram_retries",
            "Bot API calls retried, by reason (429, 5xx, network)",
            ["reason"],
            registry=self.registry,
        )

    def handled(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind).inc()
        self.latency.labels(kind).observe(seconds)

    def retried(self, reason: str) -> None:
        self.telegram_retries.labels(reason).inc()
