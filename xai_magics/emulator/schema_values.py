"""JSON that validates against a request's JSON Schema: structured-output answers, simulated.

Covers what structured-output schemas use in practice: types (also as lists), ``enum``, ``const``,
``properties``/``required``, ``items``/``prefixItems``, ``min*``/``max*`` bounds,
``anyOf``/``oneOf``/``allOf``, ``$ref`` into ``$defs``/``definitions``, and common string formats.
Every property is filled in, which also satisfies ``required`` and ``additionalProperties: false``.
"""

from __future__ import annotations

import hashlib
from typing import Any

_MAX_DEPTH = 12

_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "simulated@example.com",
    "uri": "https://example.com/simulated",
    "url": "https://example.com/simulated",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "hostname": "simulated.example.com",
}


def value_for(schema: Any, *, seed: str = "", root: Any = None) -> Any:
    """A deterministic instance of ``schema`` (``seed`` varies strings and numbers)."""
    return _Gen(root if root is not None else schema, seed).value(schema, "value", 0)


class _Gen:
    def __init__(self, root: Any, seed: str) -> None:
        self.root = root
        self.seed = seed

    def _n(self, name: str) -> int:
        h = hashlib.sha256(f"{self.seed}\x1f{name}".encode()).digest()
        return int.from_bytes(h[:4], "big")

    def _deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 32:
            ref: str = schema["$ref"]
            target: Any = self.root
            if not ref.startswith("#"):
                return {}
            for part in ref.lstrip("#").strip("/").split("/"):
                if not part:
                    continue
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            schema = target if target is not None else {}
            seen += 1
        return schema

    def value(self, schema: Any, name: str, depth: int) -> Any:
        schema = self._deref(schema)
        if schema is True or not isinstance(schema, dict):
            return f"simulated {name}"
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return enum[self._n(name) % len(enum)]
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                non_null = [o for o in options if self._deref(o).get("type") != "null"] or options
                return self.value(non_null[0], name, depth + 1)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            merged: dict[str, Any] = {}
            for part in all_of:
                part = self._deref(part)
                if isinstance(part, dict):
                    for k, v in part.items():
                        if k in ("properties",) and isinstance(v, dict):
                            merged.setdefault(k, {}).update(v)
                        elif k == "required" and isinstance(v, list):
                            merged.setdefault(k, []).extend(v)
                        else:
                            merged.setdefault(k, v)
            return self.value(merged, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"] or ["null"]
            kind = kinds[0]
        if kind is None:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            else:
                kind = "string"
        if depth > _MAX_DEPTH:
            return None if kind == "null" else _shallow(kind)
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            return self._integer(schema, name)
        if kind == "number":
            return self._number(schema, name)
        if kind == "boolean":
            return self._n(name) % 2 == 0
        if kind == "null":
            return None
        return self._string(schema, name)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props = schema.get("properties")
        out: dict[str, Any] = {}
        if isinstance(props, dict):
            for key, sub in props.items():
                out[key] = self.value(sub, key, depth + 1)
        required = schema.get("required")
        if isinstance(required, list):
            for key in required:
                if isinstance(key, str) and key not in out:
                    out[key] = f"simulated {key}"
        min_props = schema.get("minProperties")
        extra = schema.get("additionalProperties")
        i = 0
        while isinstance(min_props, int) and len(out) < min_props and extra is not False:
            out[f"simulated_{i}"] = self.value(extra if isinstance(extra, dict) else {}, "x", depth)
            i += 1
        return out

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        lo = schema.get("minItems", 1)
        hi = schema.get("maxItems", 3)
        lo = lo if isinstance(lo, int) else 1
        hi = hi if isinstance(hi, int) else max(lo, 3)
        count = max(lo, min(hi, 2 + self._n(name) % 2))
        out: list[Any] = []
        if isinstance(prefix, list):
            out = [self.value(s, f"{name}_{i}", depth + 1) for i, s in enumerate(prefix)]
            if items is False:
                return out
        while len(out) < count:
            i = len(out)
            out.append(self.value(items, f"{name}_{i}", depth + 1))
        if schema.get("uniqueItems") and len({repr(v) for v in out}) < len(out):
            out = out[:1]
        return out

    def _bounds(self, schema: dict[str, Any]) -> tuple[float, float]:
        lo = schema.get("minimum", 0)
        hi = schema.get("maximum", max(100, lo + 100) if isinstance(lo, (int, float)) else 100)
        if isinstance(schema.get("exclusiveMinimum"), (int, float)):
            lo = schema["exclusiveMinimum"] + 1
        if isinstance(schema.get("exclusiveMaximum"), (int, float)):
            hi = schema["exclusiveMaximum"] - 1
        return float(lo), float(hi)

    def _integer(self, schema: dict[str, Any], name: str) -> int:
        lo, hi = self._bounds(schema)
        lo_i, hi_i = int(-(-lo // 1)), int(hi // 1)
        if hi_i < lo_i:
            return lo_i
        value = lo_i + self._n(name) % (hi_i - lo_i + 1)
        step = schema.get("multipleOf")
        if isinstance(step, int) and step > 0:
            value = (value // step) * step
            if value < lo_i:
                value += step
        return value

    def _number(self, schema: dict[str, Any], name: str) -> float:
        lo, hi = self._bounds(schema)
        if hi <= lo:
            return lo
        return round(lo + (self._n(name) % 1000) / 1000 * (hi - lo), 3)

    def _string(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in _FORMATS:
            return _FORMATS[fmt]
        text = f"simulated {name}"
        lo = schema.get("minLength")
        hi = schema.get("maxLength")
        if isinstance(lo, int) and len(text) < lo:
            text = text + "x" * (lo - len(text))
        if isinstance(hi, int) and len(text) > hi:
            text = text[:hi]
        return text


def _shallow(kind: object) -> Any:
    return {"object": {}, "array": [], "integer": 0, "number": 0, "boolean": False}.get(
        str(kind), "simulated"
    )
