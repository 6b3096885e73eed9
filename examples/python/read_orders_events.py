#!/usr/bin/python3
"""Read orders.events with a standard Kafka client and check every message against the contract.

An example for analytics and back-office readers in another language than the pipeline's C++: it uses
only Debian's python3-confluent-kafka and python3-jsonschema (run it with /usr/bin/python3). It reads
every partition of the topic from its start to its end as they are when it starts, checks each
envelope against schemas/envelope.schema.json and each payload against
schemas/messages/<type>.v<version>.schema.json (their $refs to definitions.schema.json resolved), drops
a second copy of an event id (the outbox relay may send one twice), prints a summary and exits 1 if
any record broke the contract.

    /usr/bin/python3 examples/python/read_orders_events.py [--brokers 127.0.0.1:19092] [--topic-prefix P]
"""
import argparse
import collections
import json
import os
import pathlib
import sys

import jsonschema
from confluent_kafka import Consumer, KafkaError, TopicPartition

HERE = pathlib.Path(__file__).resolve().parent
SCHEMAS = HERE.parent.parent / "schemas"


class Contract:
    """The envelope and per-type payload schemas of schemas/, draft-04, refs resolved from the files."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        definitions = self.root / "definitions.schema.json"
        # Every schema refers to the shared definitions by a relative path: resolve it from memory.
        self.store = {definitions.as_uri(): json.loads(definitions.read_text())}
        self.envelope = self._validator(self.root / "envelope.schema.json")
        self.payloads = {}

    def _validator(self, path):
        schema = json.loads(path.read_text())
        resolver = jsonschema.RefResolver(base_uri=path.as_uri(), referrer=schema, store=self.store)
        return jsonschema.Draft4Validator(schema, resolver=resolver)

    def payload_validator(self, type_name, version):
        key = (type_name, version)
        if key not in self.payloads:
            path = self.root / "messages" / f"{type_name}.v{version}.schema.json"
            self.payloads[key] = self._validator(path) if path.is_file() else None
        return self.payloads[key]

    def violations(self, value):
        """Why a record's value breaks the contract (an empty list when it does not)."""
        try:
            message = json.loads(value.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return [f"not UTF-8 JSON: {e}"]
        problems = [f"envelope: {e.message} at /{'/'.join(map(str, e.path))}"
                    for e in self.envelope.iter_errors(message)]
        if problems:
            return problems
        validator = self.payload_validator(message["type"], message["version"])
        if validator is None:
            return [f"no schema for {message['type']} v{message['version']}"]
        return [f"{message['type']}.v{message['version']} payload: {e.message} at /{'/'.join(map(str, e.path))}"
                for e in validator.iter_errors(message["payload"])]


def read_to_end(brokers, topic, timeout_s=30.0):
    """Yields every record of every partition of `topic`, from its start to its end at call time."""
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"orderflow-python-example-{os.getpid()}",  # never joined: partitions are assigned
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        if metadata.topics[topic].error is not None:
            raise SystemExit(f"topic {topic}: {metadata.topics[topic].error}")
        assignment, ends = [], {}
        for partition in metadata.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                assignment.append(TopicPartition(topic, partition, low))
                ends[partition] = high
        if not assignment:
            return
        consumer.assign(assignment)
        remaining = dict(ends)
        idle = 0.0
        while remaining and idle < timeout_s:
            message = consumer.poll(0.5)
            if message is None:
                idle += 0.5
                continue
            idle = 0.0
            if message.error():
                if message.error().code() == KafkaError._PARTITION_EOF:
                    remaining.pop(message.partition(), None)
                    continue
                raise SystemExit(f"reading {topic}: {message.error()}")
            if message.offset() < ends[message.partition()]:
                yield message
            if message.offset() + 1 >= ends[message.partition()]:
                remaining.pop(message.partition(), None)
        if remaining:
            raise SystemExit(f"{topic}: partitions {sorted(remaining)} not read to their end in time")
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", default=os.environ.get("ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:19092"))
    parser.add_argument("--topic-prefix", default=os.environ.get("ORDERFLOW_TOPIC_PREFIX", ""))
    parser.add_argument("--topic", default="orders.events", help="without the prefix")
    parser.add_argument("--schemas", default=str(SCHEMAS))
    args = parser.parse_args()

    contract = Contract(args.schemas)
    topic = args.topic_prefix + args.topic
    records, duplicates, bad = 0, 0, 0
    seen_ids, by_type, orders = set(), collections.Counter(), collections.Counter()
    for message in read_to_end(args.brokers, topic):
        records += 1
        where = f"{args.topic}/{message.partition()}/{message.offset()}"
        problems = contract.violations(message.value())
        if problems:
            bad += 1
            for p in problems:
                print(f"VIOLATION {where}: {p}")
            continue
        event = json.loads(message.value())
        if event["id"] in seen_ids:
            duplicates += 1
            continue
        seen_ids.add(event["id"])
        by_type[event["type"]] += 1
        orders[event["key"]] += 1

    print(f"{topic}: {records} records, {len(seen_ids)} events, {duplicates} duplicates dropped, "
          f"{bad} violations, {len(orders)} orders")
    for type_name, count in sorted(by_type.items()):
        print(f"  {type_name}: {count}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
