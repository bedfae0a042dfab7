"""Load for benchmarks/consumer.sh: publishes LoanAppliedEvent messages to a queue with pika
(publisher confirms) and reads the CreditScoredEvent results from a queue bound to the result
exchange, matching each result to its event by message id.

Prints one JSON line: events/s of the burst (first publish to last result) and the publish-to-
result latency percentiles of the paced part.
"""

import argparse
import json
import statistics
import threading
import time

import pika


def application(event_id):
    return json.dumps({
        "event_id": event_id, "user_id": "usr-" + event_id, "loan_id": "loan-" + event_id, "amount": 2096000,
        "timestamp": "2026-03-02T06:38:00+07:00", "tenor_months": 12,
        "features": {
            "age": 49, "monthly_income": 4180000, "monthly_debt_payments": 751000, "active_platform_loans": 0, "delinquencies_12m": 0,
            "inquiries_30d": 3, "employment_type": "salaried", "ktp_verified": True, "on_watchlist": False,
            "status_of_existing_checking_account": "no checking account", "duration_in_month": 12,
            "credit_history": "critical account/ other credits existing (not at this bank)", "purpose": "education",
            "credit_amount": 2096, "savings_account_and_bonds": "... < 100 DM", "present_employment_since": "4 <= ... < 7 years",
            "installment_rate_in_percentage_of_disposable_income": 2, "property": "real estate", "age_in_years": 49,
            "other_installment_plans": "none", "housing": "own",
        },
        "bureau": {"pefindo_score": 711, "slik_kol_worst_12m": 1},
    }).encode()


def main():
    parser = argparse.ArgumentParser()
    for name in ("url", "queue", "results"):
        parser.add_argument("--" + name, required=True)
    for name in ("events", "paced", "rate", "prefetch", "run"):
        parser.add_argument("--" + name, type=int, required=True)
    args = parser.parse_args()

    reader = pika.BlockingConnection(pika.URLParameters(args.url))
    results = reader.channel()
    results.queue_declare(queue=args.results, durable=True)
    results.queue_bind(queue=args.results, exchange=args.results, routing_key="#")
    received = {}
    done = threading.Event()
    expected = args.events + args.paced

    def on_result(channel, method, properties, body):
        received.setdefault(properties.message_id, time.monotonic())
        channel.basic_ack(method.delivery_tag)
        if len(received) == expected:
            channel.stop_consuming()

    results.basic_consume(queue=args.results, on_message_callback=on_result)
    thread = threading.Thread(target=results.start_consuming)
    thread.start()

    publisher = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = publisher.channel()
    channel.confirm_delivery()
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    sent = {}
    prefix = f"p{args.prefetch}r{args.run}-"
    start = time.monotonic()
    for index in range(args.events):
        event_id = f"{prefix}burst-{index}"
        sent[event_id] = time.monotonic()
        channel.basic_publish("", args.queue, application(event_id), properties)
    burst = [f"{prefix}burst-{index}" for index in range(args.events)]
    while not all(event in received for event in burst):
        time.sleep(0.01)
    burst_seconds = max(received[event] for event in burst) - start
    paced = []
    next_time = time.monotonic()
    for index in range(args.paced):
        next_time += 1 / args.rate
        while time.monotonic() < next_time:
            time.sleep(max(0, next_time - time.monotonic()))
        event_id = f"{prefix}paced-{index}"
        sent[event_id] = time.monotonic()
        channel.basic_publish("", args.queue, application(event_id), properties)
        paced.append(event_id)
    thread.join(timeout=120)
    publisher.close()
    latencies = sorted((received[event] - sent[event]) * 1000 for event in paced)
    print(json.dumps({
        "prefetch": args.prefetch, "run": args.run, "events_per_second": round(args.events / burst_seconds, 1), "rate": args.rate,
        "p50_ms": round(statistics.median(latencies), 2), "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "max_ms": round(latencies[-1], 2),
    }))


if __name__ == "__main__":
    main()
