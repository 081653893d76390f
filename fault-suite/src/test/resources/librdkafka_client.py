#!/usr/bin/python3
"""A PhysMaster client in Python on librdkafka (Debian's python3-confluent-kafka), as a user outside the JVM
would write one: default producer settings (so librdkafka's default consistent_random partitioner, CRC32 of the
key), the Confluent wire format (magic byte 0, 4-byte schema id from the registry, Avro body written with Debian's
python3-avro), schemas registered from their .avsc text.

It publishes one generation request per id, reads generated videos, publishes "sample 0 is more physical than
sample 1" for each request once both of its videos are out, reads preference batches until every one of its
pairs is in one (or the time is up), and prints a JSON summary on stdout. Progress goes to stderr.
"""
import argparse
import datetime
import io
import json
import struct
import sys
import time
import urllib.request
import uuid

import avro.io
import avro.schema
import confluent_kafka
from confluent_kafka import Consumer, Producer

REQUESTS = "physmaster.generation-requests"
VIDEOS = "physmaster.generated-videos"
PREFERENCES = "physmaster.preference-events"
BATCHES = "physmaster.preference-batches"


class Registry:
    """The few calls of the Confluent registry API a client needs."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.by_id = {}

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/vnd.schemaregistry.v1+json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def register(self, subject, text):
        """Registers the schema under the subject (or finds it there); returns (id, parsed schema)."""
        sid = self._call("POST", "/subjects/%s/versions" % subject, {"schema": text})["id"]
        return sid, avro.schema.parse(text)

    def schema(self, sid):
        if sid not in self.by_id:
            self.by_id[sid] = avro.schema.parse(self._call("GET", "/schemas/ids/%d" % sid)["schema"])
        return self.by_id[sid]


def encode(sid, schema, datum):
    buf = io.BytesIO()
    buf.write(b"\x00" + struct.pack(">I", sid))
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def decode(registry, value):
    if value is None or len(value) < 5 or value[0] != 0:
        return None
    schema = registry.schema(struct.unpack(">I", value[1:5])[0])
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(value[5:])))


def log(*parts):
    print("[librdkafka]", *parts, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--registry", required=True)
    ap.add_argument("--schemas", required=True, help="directory with the .avsc files")
    ap.add_argument("--frame", required=True, help="PNG first frame")
    ap.add_argument("--ids", required=True, help="comma-separated request ids")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    ids = a.ids.split(",")
    registry = Registry(a.registry)
    with open(a.frame, "rb") as f:
        frame = f.read()

    def schema_of(name, topic):
        with open("%s/%s.avsc" % (a.schemas, name)) as f:
            return registry.register(topic + "-value", f.read())

    request_id, request_schema = schema_of("GenerationRequest", REQUESTS)
    event_id, event_schema = schema_of("PreferenceEvent", PREFERENCES)

    producer = Producer({"bootstrap.servers": a.bootstrap})  # every other setting librdkafka's default
    partitions = {REQUESTS: {}, PREFERENCES: {}}
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(str(err))
        else:
            partitions[msg.topic()][msg.key().decode()] = msg.partition()

    now = datetime.datetime.now(datetime.timezone.utc)
    for i, rid in enumerate(ids):
        producer.produce(REQUESTS, key=rid, on_delivery=delivered, value=encode(request_id, request_schema, {
            "requestId": rid, "firstFrameUri": None, "firstFrameInline": frame, "sceneId": None,
            "prompt": "from librdkafka", "numSamples": 2, "frames": 8, "steps": 4, "guidance": 1.0, "seed": i,
            "encoderVersion": None, "submittedAt": now}))
    producer.flush(30)
    log("requests sent to partitions", partitions[REQUESTS])

    consumer = Consumer({"bootstrap.servers": a.bootstrap, "group.id": "librdkafka-" + str(uuid.uuid4()),
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([VIDEOS, BATCHES])
    videos = {}
    preferred = set()
    pairs = {}
    batches = []
    deadline = time.time() + a.timeout
    while time.time() < deadline and not all(rid in pairs for rid in ids):
        producer.poll(0)
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        value = decode(registry, msg.value())
        if value is None:
            continue
        if msg.topic() == VIDEOS and value["requestId"] in ids:
            videos[(value["requestId"], value["sampleIndex"])] = {"uri": value["videoUri"], "sha256": value["sha256"]}
            rid = value["requestId"]
            if rid not in preferred and (rid, 0) in videos and (rid, 1) in videos:
                preferred.add(rid)
                producer.produce(PREFERENCES, key=rid, on_delivery=delivered, value=encode(event_id, event_schema, {
                    "eventId": str(uuid.uuid4()), "requestId": rid, "preferredSample": 0, "rejectedSample": 1,
                    "source": "HUMAN", "annotator": "librdkafka-client", "confidence": 0.9,
                    "time": datetime.datetime.now(datetime.timezone.utc)}))
                log("both videos of", rid, "in: preference sent")
        elif msg.topic() == BATCHES:
            mine = [p["requestId"] for p in value["pairs"] if p["requestId"] in ids]
            if mine:
                batches.append({"batchId": value["batchId"], "requests": mine})
                for rid in mine:
                    pairs[rid] = pairs.get(rid, 0) + 1
                log("batch", value["batchId"], "holds", len(mine), "of our pairs")
    producer.flush(10)
    consumer.close()
    json.dump({"librdkafka": confluent_kafka.libversion()[0], "client": confluent_kafka.version()[0],
               "requestPartitions": partitions[REQUESTS], "preferencePartitions": partitions[PREFERENCES],
               "videos": [{"requestId": r, "sample": s, **v} for (r, s), v in sorted(videos.items())],
               "preferencesSent": sorted(preferred), "batches": batches, "pairs": pairs, "failures": failures},
              sys.stdout)


if __name__ == "__main__":
    main()
