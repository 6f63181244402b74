"""Validates an OpenAPI document with openapi-spec-validator (OpenAPI 3.1 rules).

Usage: validate_openapi.py DOCUMENT.json — prints the number of operations; non-zero exit when
the document is not valid.
"""
import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

doc = json.load(open(sys.argv[1]))
assert doc["openapi"].startswith("3.1"), doc["openapi"]
validate(doc, cls=OpenAPIV31SpecValidator)
print(sum(len(p) for p in doc["paths"].values()))
