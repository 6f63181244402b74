"""Validates answers of the server against the schemas of its own OpenAPI document.

Usage: validate_served.py DOCUMENT.json SCHEMA_NAME INSTANCE.json [SCHEMA_NAME INSTANCE.json ...]
— validates each instance against `#/components/schemas/SCHEMA_NAME` (JSON Schema 2020-12, as
OpenAPI 3.1 uses); prints every error and exits non-zero when one does not conform.
"""
import json
import sys

from jsonschema import Draft202012Validator

doc = json.load(open(sys.argv[1]))
failed = 0
pairs = sys.argv[2:]
for name, path in zip(pairs[::2], pairs[1::2]):
    # The whole document is the root resource, so `#/components/schemas/...` references resolve.
    schema = dict(doc)
    schema["$ref"] = f"#/components/schemas/{name}"
    instance = json.load(open(path))
    for error in Draft202012Validator(schema).iter_errors(instance):
        failed += 1
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{name} {path}: at /{where}: {error.message[:300]}", file=sys.stderr)
sys.exit(1 if failed else 0)
