"""Validates faultsim JSON outputs against their JSON Schemas with the reference Python
validator (jsonschema, draft 2020-12). Used by tests/it/json_schema.rs.

Usage: json_schema_check.py SCHEMA_DIR FILE...
Each FILE is a JSON document, or JSON Lines when it ends in .jsonl (every line is checked).
The schema is SCHEMA_DIR/KIND.schema.json, KIND being the document's own `kind` (for JSON
Lines, the first line's). Prints one line per error and exits 1 if there is any.
"""
import json
import sys

import jsonschema


def documents(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            lines = [json.loads(line) for line in f if line.strip()]
            return lines[0].get("kind"), lines
        doc = json.load(f)
        return doc.get("kind"), [doc]


def main():
    schema_dir, files = sys.argv[1], sys.argv[2:]
    errors = 0
    for path in files:
        kind, docs = documents(path)
        with open(f"{schema_dir}/{kind}.schema.json", encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for i, doc in enumerate(docs):
            for e in validator.iter_errors(doc):
                errors += 1
                where = "/".join(str(p) for p in e.absolute_path)
                print(f"{path}: document {i}: /{where}: {e.message[:300]}")
        print(f"{path}: {kind}: {len(docs)} document(s) checked", file=sys.stderr)
    sys.exit(1 if errors else 0)


main()
