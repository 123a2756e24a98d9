"""``%grok_image`` / ``%%grok_image``: generate (or edit) pictures and show them in the cell.

Each picture is an ordinary ``image/png`` or ``image/jpeg`` output, so the saved notebook keeps
it; a receipt line follows (model, count, cost as xAI reported it), and the spend goes to the
session ledger (``%grok_usage``).
"""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Unicode

from xai_magics.magics._typing import argument, magic_arguments
from xai_magics.magics.key_prompt import ask_for_missing_key, forget_rejected_key
from xai_magics.magics.options import split_line

if TYPE_CHECKING:
    from xai_magics.images.generate import ImageGeneration

__all__ = ["ImageMagics"]


@magics_class
class ImageMagics(Magics):
    """Pictures from Grok: ``%grok_image PROMPT`` (or the prompt in a ``%%grok_image`` cell)."""

    model = Unicode("grok-imagine-image", help="Image model used when -m is not given.").tag(
        config=True
    )

    @no_var_expand
    @magic_arguments()
    @argument("-n", type=int, default=1, metavar="N", help="How many images (1 to 10).")
    @argument("-m", "--model", help="Image model (default: ImageMagics.model).")
    @argument("-o", "--output", metavar="VAR", help="Store the ImageGeneration in VAR.")
    @argument(
        "--edit",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help="Edit this image instead of generating from nothing (repeatable: several "
        "reference images). A path, an https URL, or {name} of a Figure/PIL/bytes variable.",
    )
    @line_cell_magic
    def grok_image(self, line: str, cell: str | None = None) -> None:
        """Generate images from a prompt (``/v1/images/generations``), or edit with ``--edit``.

        ``%grok_image -n 2 a lighthouse at dusk, watercolour``. The images show as ordinary
        outputs (kept in the saved notebook) with a receipt: model, count, cost. ``-o VAR``
        keeps an ImageGeneration: ``.images[i].data`` (bytes), ``.images[i].mime``,
        ``.cost_usd``. ``--edit {name}`` edits a variable's picture (a Figure, PIL image, bytes).
        """
        parser = self.grok_image.parser  # type: ignore[misc, union-attr]
        argv, rest = split_line(line, parser)
        args = parser.parse_args(argv)
        prompt = (rest if cell is None else (rest + "\n" + cell)).strip()
        if not prompt:
            raise UsageError("Nothing to draw: write the prompt after %grok_image.")
        if not 1 <= args.n <= 10:
            raise UsageError(f"-n {args.n}: ask for 1 to 10 images.")
        if args.output is not None and not args.output.isidentifier():
            raise UsageError(f"-o {args.output}: not a valid variable name.")
        sources = [self._source(e) for e in args.edit]
        result = self._generate(prompt, args.n, args.model or self.model, sources)
        self._show(result)
        if args.output:
            self.shell.user_ns[args.output] = result  # type: ignore[union-attr]

    def _source(self, value: str) -> Any:
        """``{name}`` names a notebook variable; anything else is a path or URL."""
        name = value[1:-1] if value.startswith("{") and value.endswith("}") else None
        if name is None:
            return value
        ns = self.shell.user_ns  # type: ignore[union-attr]
        if name not in ns:
            raise UsageError(f"--edit {value}: {name} is not defined in the notebook.")
        return ns[name]

    def _generate(self, prompt: str, n: int, model: str, sources: list[Any]) -> ImageGeneration:
        from xai_magics.client import AuthenticationError, MissingAPIKeyError, XAIClient, XAIError
        from xai_magics.images import ImageError
        from xai_magics.images.generate import edit_images, generate_images

        ask_for_missing_key()
        try:
            client = XAIClient()
        except MissingAPIKeyError as exc:
            raise UsageError(str(exc)) from None
        started = time.monotonic()
        try:
            if sources:
                result = edit_images(client, prompt, sources, n=n, model=model)
            else:
                result = generate_images(client, prompt, n=n, model=model)
        except ImageError as exc:
            raise UsageError(f"%grok_image: {exc}") from None
        except XAIError as exc:
            dropped = forget_rejected_key() if isinstance(exc, AuthenticationError) else ""
            raise UsageError(str(exc) + dropped) from None
        except Exception as exc:  # the download (another host) failed
            import httpx

            if isinstance(exc, httpx.HTTPError):
                raise UsageError(f"The image was made but could not be downloaded: {exc}") from None
            raise
        finally:
            client.close()
        _record(result, time.monotonic() - started)
        return result

    def _show(self, result: ImageGeneration) -> None:
        from IPython.display import display

        for image in result.images:
            display(image._repr_mimebundle_(), raw=True)  # type: ignore[no-untyped-call]
        line = result.receipt_line()
        bundle = {
            "text/plain": line,
            "text/html": f'<div style="opacity:.7;font-size:90%">{html.escape(line)}</div>',
        }
        meta = {
            "xai_magics": {
                "images": {
                    "model": result.model,
                    "count": len(result.images),
                    "cost_usd": result.cost_usd,
                }
            }
        }
        display(bundle, metadata=meta, raw=True)  # type: ignore[no-untyped-call]


def _record(result: ImageGeneration, elapsed_s: float) -> None:
    """Images are billed per picture: they belong in ``%grok_usage`` and the status bar."""
    from xai_magics.usage import Receipt, session_ledger

    session_ledger().record(
        Receipt(
            model_requested=result.model,
            model=result.model,
            endpoint="images",
            tier_requested=None,
            tier=None,
            cost_usd=result.cost_usd,
            elapsed_s=elapsed_s,
            requests=1,
        )
    )
