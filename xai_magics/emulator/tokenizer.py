"""``POST /v1/tokenize-text``: the emulator's word-ish tokens, with stable ids and their bytes."""

from __future__ import annotations

import hashlib

from xai_magics.emulator import catalog
from xai_magics.emulator.answers import tokenize
from xai_magics.emulator.base import BaseHandler
from xai_magics.emulator.errors import unprocessable

_VOCABULARY = 131_072


def token_id(token: str) -> int:
    return int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big") % _VOCABULARY


class TokenizeHandler(BaseHandler):
    def post(self) -> None:
        body = self.json_object()
        text = body.get("text")
        if not isinstance(text, str):
            raise unprocessable("missing field `text`")
        if "model" not in body:
            raise unprocessable("missing field `model`")
        catalog.resolve(body["model"])
        self.reply(
            {
                "token_ids": [
                    {
                        "token_id": token_id(token),
                        "string_token": token,
                        "token_bytes": list(token.encode()),
                    }
                    for token in tokenize(text)
                ]
            }
        )
