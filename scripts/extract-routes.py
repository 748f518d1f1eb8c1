#!/usr/bin/env python3
"""Extracts a compact route table from an official Swagger 2.0 API description.

The tests check that every request an adapter builds, and every route the simulator serves,
is an operation of the real API with only documented query parameters. They read these tables
rather than the multi-megabyte descriptions, so that a clone stands alone.

Usage:
    python3 scripts/extract-routes.py NAME SPEC SOURCE > Sources/AFKTesting/RouteTables/NAME.routes

    NAME    forgejo-v1, gitea-v1 or woodpecker
    SPEC    the description file, e.g. Forgejo's and Gitea's templates/swagger/v1_json.tmpl
            (Go template placeholders such as {{AppVer | JSEscape}} are removed first) or
            Woodpecker's generated swagger.json
    SOURCE  where SPEC came from (an upstream URL), written into the header

Where to get them:
    forgejo-v1  https://codeberg.org/forgejo/forgejo/src/branch/forgejo/templates/swagger/v1_json.tmpl
                (served by every instance at /swagger.v1.json)
    gitea-v1    https://github.com/go-gitea/gitea/blob/main/templates/swagger/v1_json.tmpl
                (served at /swagger.v1.json)
    woodpecker  Woodpecker's generated Swagger 2.0 description, served by a Woodpecker server at
                /swagger/doc.json (the API under /api, documented at https://woodpecker-ci.org/api)

Output: a header of # lines (name, source, SHA-256 of SPEC, base path), then one line per
operation, sorted: METHOD <TAB> PATH-TEMPLATE <TAB> query names (comma-separated) <TAB> header
names (comma-separated). Path templates are relative to the base path.
"""
import hashlib
import json
import re
import sys


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    name, spec_path, source = sys.argv[1:]
    raw = open(spec_path, "rb").read()
    text = re.sub(r"\{\{[^}]*\}\}", "", raw.decode("utf-8"))
    spec = json.loads(text)
    base = spec.get("basePath", "")
    if base in ("", "X", "/"):
        base = "/api" if name == "woodpecker" else base
    lines = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            parameters = shared + operation.get("parameters", [])
            query = sorted({p["name"] for p in parameters if p.get("in") == "query"})
            headers = sorted({p["name"] for p in parameters if p.get("in") == "header"})
            lines.append(f"{method.upper()}\t{path}\t{','.join(query)}\t{','.join(headers)}")
    print(f"# {name}: every operation of the API description, one per line:")
    print("# METHOD<TAB>path template<TAB>query parameters<TAB>header parameters")
    print(f"# Source: {source}")
    print(f"# SHA-256 of the description read: {hashlib.sha256(raw).hexdigest()}")
    print(f"# Base path: {base}")
    print("# Regenerate with scripts/extract-routes.py (see its header); do not edit by hand.")
    for line in sorted(lines, key=lambda l: (l.split("\t")[1], l.split("\t")[0])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
