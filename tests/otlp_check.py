"""Checks OTLP JSON trace files the way an OTLP receiver reads them: the document is decoded
into the OTLP protobuf `TracesData` (opentelemetry-proto's generated classes, through
protobuf's JSON parser, which refuses unknown fields and wrong types), after turning the hex
`traceId`/`spanId`/`parentSpanId` into the base64 the generic protobuf mapping expects (the
OTLP/JSON rule). Then: every id has its length (16 and 8 bytes), span ids are unique, every
parent is a span of the same trace, no span ends before it starts, and every resource names
its `service.name`.

Usage: otlp_check.py FILE... ; exits 1 listing every problem.
"""

import base64
import json
import sys

from google.protobuf.json_format import Parse
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

IDS = ("traceId", "spanId", "parentSpanId")


def rebase(doc):
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                for key in IDS:
                    if key in span:
                        span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
    return doc


def problems(path):
    doc = json.load(open(path, encoding="utf-8"))
    data = TracesData()
    Parse(json.dumps(rebase(doc)), data)
    spans = {}
    for rs in data.resource_spans:
        names = [a.value.string_value for a in rs.resource.attributes if a.key == "service.name"]
        if not names or not names[0]:
            yield "a resource without service.name"
        for ss in rs.scope_spans:
            for s in ss.spans:
                if len(s.trace_id) != 16 or len(s.span_id) != 8:
                    yield f"span {s.name!r}: trace id of {len(s.trace_id)} bytes, span id of {len(s.span_id)}"
                if s.span_id in spans:
                    yield f"span id {s.span_id.hex()} used twice"
                spans[s.span_id] = s
                if s.end_time_unix_nano < s.start_time_unix_nano:
                    yield f"span {s.span_id.hex()} ends before it starts"
    for s in spans.values():
        if s.parent_span_id:
            p = spans.get(s.parent_span_id)
            if p is None:
                yield f"span {s.span_id.hex()}: parent {s.parent_span_id.hex()} is not in the file"
            elif p.trace_id != s.trace_id:
                yield f"span {s.span_id.hex()}: parent in another trace"
    if not spans:
        yield "no span"


def main():
    bad = 0
    for path in sys.argv[1:]:
        for p in problems(path):
            print(f"{path}: {p}")
            bad += 1
    if bad:
        sys.exit(1)
    print(f"ok: {len(sys.argv) - 1} files are valid OTLP traces")


if __name__ == "__main__":
    main()
