"""Validates Chaos Mesh objects (multi-document YAML files) against Chaos Mesh's published
CRD schemas (tests/fixtures/chaos-mesh-v2.8.3), the way a strict `kubectl apply` would:

- each object's kind must have a CRD, and the object must satisfy its openAPIV3Schema;
- unknown fields are errors (kubectl's --validate=strict), not silently pruned;
- metadata.name must be a DNS-1123 label;
- a Workflow's entry and every child must name one of its templates (Chaos Mesh's webhook).

Usage: chaos_mesh_check.py CRD_DIR FILE... ; exits 1 listing every problem.
"""

import copy
import gzip
import pathlib
import re
import sys

import jsonschema
import yaml


def strict(schema):
    """The schema with unknown properties refused wherever properties are listed."""
    schema = copy.deepcopy(schema)

    def walk(s):
        if not isinstance(s, dict):
            return
        if (
            "properties" in s
            and "additionalProperties" not in s
            and not s.get("x-kubernetes-preserve-unknown-fields")
        ):
            s["additionalProperties"] = False
        for key in ("properties", "patternProperties"):
            for sub in s.get(key, {}).values():
                walk(sub)
        for key in ("items", "additionalProperties", "not"):
            walk(s.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in s.get(key, []):
                walk(sub)

    walk(schema)
    return schema


def load_crds(folder):
    crds = {}
    for path in sorted(pathlib.Path(folder).glob("*.yaml.gz")):
        crd = yaml.safe_load(gzip.open(path, "rt", encoding="utf-8"))
        kind = crd["spec"]["names"]["kind"]
        version = crd["spec"]["versions"][0]
        api = crd["spec"]["group"] + "/" + version["name"]
        crds[kind] = (api, strict(version["schema"]["openAPIV3Schema"]))
    return crds


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def problems(doc, crds):
    kind = doc.get("kind")
    if kind not in crds:
        yield f"kind {kind!r} has no CRD here (known: {sorted(crds)})"
        return
    api, schema = crds[kind]
    if doc.get("apiVersion") != api:
        yield f"apiVersion {doc.get('apiVersion')!r}, expected {api!r}"
    for e in jsonschema.Draft4Validator(schema).iter_errors(doc):
        yield f"{kind} {'/'.join(map(str, e.absolute_path))}: {e.message}"
    name = doc.get("metadata", {}).get("name", "")
    if not DNS_LABEL.match(name) or len(name) > 63:
        yield f"metadata.name {name!r} is not a DNS-1123 label"
    if kind == "Workflow":
        spec = doc.get("spec", {})
        names = [t.get("name") for t in spec.get("templates", [])]
        if len(names) != len(set(names)):
            yield "Workflow templates have duplicate names"
        if spec.get("entry") not in names:
            yield f"Workflow entry {spec.get('entry')!r} names no template"
        for t in spec.get("templates", []):
            for child in t.get("children") or []:
                if child not in names:
                    yield f"template {t.get('name')!r}: child {child!r} names no template"


def main():
    crds = load_crds(sys.argv[1])
    bad = 0
    for file in sys.argv[2:]:
        docs = [d for d in yaml.safe_load_all(open(file, encoding="utf-8")) if d is not None]
        if not docs:
            print(f"{file}: no object")
            bad += 1
        for i, doc in enumerate(docs):
            for p in problems(doc, crds):
                print(f"{file} [document {i + 1}]: {p}")
                bad += 1
    if bad:
        sys.exit(1)
    print(f"ok: {len(sys.argv) - 2} files valid under Chaos Mesh's CRDs")


if __name__ == "__main__":
    main()
